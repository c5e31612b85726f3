"""The container runtime in process: placement, driver and rows in step, events, tokens."""

from __future__ import annotations

import asyncio
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from core.ams import containers, nodes
from core.ams.driver import SIMULATED_BOOT_FAILURE, SimulatedDriver
from core.ams.instance_types import GB, Resources
from core.ams.placement import Placement, read_snapshot
from core.ams.runtime import TOKEN_VARIABLE, ContainerRuntime, LaunchSpec
from core.ams.scheduler import NO_SUITABLE_NODE, Usage
from core.errors import FailedPrecondition, PermissionDenied, ResourceExhausted, Unavailable
from core.operations.events import LIFECYCLE, EventHub
from core.server import MIGRATIONS
from core.storage import Database
from core.storage.migrations import migrate

A2 = Resources(cpus=2, memory=3 * GB, disk_size=3 * GB)


def _node(name: str, **changes) -> nodes.Node:
    base = nodes.Node(
        name=name, address=f"10.0.0.{len(name)}{ord(name[-1]) % 10}", public_address="203.0.113.1",
        network_bridge_mtu=1500, cpus=2, cpu_allocation_rate=4, memory="6GB",
        memory_allocation_rate=1, status_code=nodes.ONLINE, is_master=False, disk_size="100GB",
        gpu_slots=0, gpu_encoder_slots=0, tags=(), unschedulable=False, architecture="x86_64",
        storage_pool="ams0", managed=True, network_name="amsbr0",
        network_subnet="192.168.100.1/24", driver="simulated", created_at=0,
    )
    return replace(base, **changes)


class World:
    def __init__(self, tmp: Path, *node_rows: nodes.Node) -> None:
        self.db = Database(tmp / "db.sqlite")
        self.db.run_sync(lambda conn: migrate(conn, MIGRATIONS))
        for row in node_rows:
            self.db.run_sync(lambda conn, row=row: nodes.insert_node(conn, row))
        self.events = EventHub()
        self.lifecycle = self.events.subscribe([LIFECYCLE])
        self.placement = Placement(self.db)
        self.placement.rebuild(self.db.run_sync(read_snapshot))
        self.driver = SimulatedDriver(0, 0.001, tmp)
        self.runtime = ContainerRuntime(self.db, self.events, self.placement, self.driver)
        self.tmp = tmp

    def actions(self, container_id: str) -> list[str]:
        seen = []
        while not self.lifecycle._queue.empty():
            event = self.lifecycle._queue.get_nowait()
            if event.lifecycle.source == f"/1.0/containers/{container_id}":
                seen.append(event.lifecycle.action)
        return seen

    def token(self, container_id: str) -> str:
        text = (self.tmp / "containers" / container_id / "environment").read_text()
        return dict(line.split("=", 1) for line in text.splitlines())[TOKEN_VARIABLE]


def run(coro):
    return asyncio.run(coro)


def test_a_container_goes_through_its_lifecycle_and_frees_its_node(tmp_path):
    async def scenario():
        world = World(tmp_path, _node("lxd0"))
        spec = LaunchSpec(type="regular", resources=A2, image_id="img",
                          services=({"name": "adb", "port": 5559, "protocols": ["tcp"]},))
        cid = await world.runtime.create(spec)
        created = await world.runtime.get(cid)
        assert (created.status, created.node, created.name) == ("prepared", "lxd0", f"ams-{cid}")
        assert created.address == "192.168.100.2"
        assert created.services[0]["node_port"] == 10000
        assert world.placement.usage("lxd0") == Usage(2, 3 * GB, 3 * GB, 0)
        await world.runtime.start(cid)
        assert (await world.runtime.get(cid)).status == "running"
        await world.runtime.run_step(cid, "install-addons")
        fingerprint = await world.runtime.publish(cid)
        assert len(fingerprint) == 64 and (await world.runtime.get(cid)).status == "stopped"
        image = tmp_path / "simulated-images" / f"{fingerprint}.tar"
        with tarfile.open(image) as tar:
            manifest = json.load(tar.extractfile("rootfs/var/lib/anbox/bootstrap.json"))
        assert manifest["steps"] == ["install-addons"]
        logs = world.driver.log_names(cid)
        assert logs == ["android.log", "console.log", "container.log", "system.log"]
        assert "bootstrap step install-addons" in world.driver.log_path(cid, "container.log").read_text()
        await world.runtime.delete(cid)
        assert world.placement.usage("lxd0") == Usage()
        assert world.driver.log_names(cid) == []
        assert world.actions(cid) == [
            "container-created", "container-scheduled", "container-started", "container-running",
            "container-stopped", "container-removed",
        ]

    run(scenario())


def test_addresses_and_node_ports_never_collide_on_a_node(tmp_path):
    async def scenario():
        world = World(tmp_path, _node("lxd0", cpus=64, memory="600GB"))
        spec = LaunchSpec(type="regular", resources=A2, services=(
            {"name": "range", "port": 8000, "port_end": 8002, "protocols": ["udp"]},
            {"name": "ssh", "port": 22, "protocols": ["tcp"]}))
        ids = await asyncio.gather(*(world.runtime.create(spec) for _ in range(20)))
        made = [await world.runtime.get(i) for i in ids]
        assert len({c.address for c in made}) == 20
        ports = [p for c in made for s in c.services
                 for p in range(s["node_port"], s.get("node_port_end", s["node_port"]) + 1)]
        assert len(ports) == len(set(ports)) == 80
        await world.runtime.delete(ids[0])
        again = await world.runtime.get(await world.runtime.create(spec))
        assert again.address == made[0].address  # freed addresses are used again

    run(scenario())


def test_concurrent_creates_never_overcommit(tmp_path):
    async def scenario():
        # 2 cpus x 4 = 8 vCPU, 6 GB x 1: exactly two 2-CPU 3 GB containers fit.
        world = World(tmp_path, _node("lxd0"))
        spec = LaunchSpec(type="regular", resources=A2)
        results = await asyncio.gather(*(world.runtime.create(spec) for _ in range(5)),
                                       return_exceptions=True)
        placed = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if isinstance(r, ResourceExhausted)]
        assert len(placed) == 2 and len(refused) == 3
        assert {r.message for r in refused} == {NO_SUITABLE_NODE}
        held = world.db.run_sync(containers.held_per_node)
        assert held["lxd0"] == world.placement.usage("lxd0") == Usage(4, 6 * GB, 6 * GB, 0)

    run(scenario())


def test_a_boot_failure_leaves_the_container_in_error_holding_its_disk(tmp_path):
    async def scenario():
        world = World(tmp_path, _node("lxd0"))
        cid = await world.runtime.create(LaunchSpec(type="regular", resources=A2,
                                                    user_data=SIMULATED_BOOT_FAILURE))
        with pytest.raises(Unavailable):
            await world.runtime.start(cid)
        failed = await world.runtime.get(cid)
        assert failed.status == "error" and "failed to boot" in failed.error_message
        assert world.placement.usage("lxd0") == Usage(disk=3 * GB)
        assert "init failed" in world.driver.log_path(cid, "console.log").read_text()
        with pytest.raises(FailedPrecondition):
            await world.runtime.start(cid)
        await world.runtime.delete(cid)
        assert world.placement.usage("lxd0") == Usage()
        assert world.actions(cid)[-2:] == ["container-failed", "container-removed"]

    run(scenario())


def test_only_the_container_token_may_report_its_status(tmp_path):
    async def scenario():
        world = World(tmp_path, _node("lxd0"))
        cid = await world.runtime.create(LaunchSpec(type="regular", resources=A2))
        token = world.token(cid)
        stored = await world.runtime.get(cid)
        assert token not in json.dumps(stored.__dict__, default=str)
        with pytest.raises(PermissionDenied):
            await world.runtime.report(cid, "wrong", "running")
        await world.runtime.start(cid)
        await world.runtime.report(cid, token, "error", "anbox crashed")
        failed = await world.runtime.get(cid)
        assert (failed.status, failed.error_message) == ("error", "anbox crashed")

    run(scenario())


def test_a_restart_fails_half_done_containers_and_rebuilds_the_same_reservations(tmp_path):
    async def scenario():
        world = World(tmp_path, _node("lxd0", cpus=16, memory="64GB", gpu_slots=2, gpu_encoder_slots=2))
        running = await world.runtime.create(LaunchSpec(type="regular", resources=A2, video_encoder="gpu"))
        await world.runtime.start(running)
        await world.runtime.create(LaunchSpec(type="regular", resources=A2))  # stays prepared
        assert world.placement.usage("lxd0") == Usage(4, 6 * GB, 6 * GB, 1, 1)
        world.db.run_sync(containers.fail_interrupted)
        again = Placement(world.db)
        again.rebuild(world.db.run_sync(read_snapshot))
        assert again.usage("lxd0") == Usage(2, 3 * GB, 6 * GB, 1, 1)

    run(scenario())
