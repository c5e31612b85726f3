"""Crash safety: SIGKILL during a burst of launches and deletes, restart, and every node holds
exactly what its live containers hold."""

from __future__ import annotations

import random
import signal
import threading
import time

import httpx

from core.ams.sizes import parse_size
from tests.ams_api.client import finish, wait_until
from tests.ams_api.test_containers import NOTHING_HELD, add_image, add_node, reserved
from tests.server import running_server


def held_by_live_containers(client) -> dict[str, dict[str, float]]:
    """The sum over the containers listed, per node; an errored one keeps only its disk."""
    totals: dict[str, dict[str, float]] = {}
    for container in client.get("/1.0/containers", params={"recursion": "1"}).json()["metadata"]:
        resources = container["resources"]
        disk = parse_size(resources["disk-size"], "disk")
        if container["status"] == "error":
            held = NOTHING_HELD | {"disk_bytes": disk}
        else:
            held = {"cpus": resources["cpus"], "memory_bytes": parse_size(resources["memory"], "memory"),
                    "disk_bytes": disk, "gpu_slots": resources.get("gpu-slots", 0),
                    "gpu_encoder_slots": 0}  # raw images encode in software
        node = totals.setdefault(container["node"], dict.fromkeys(held, 0))
        for key, value in held.items():
            node[key] += value
    return totals


def assert_books_balance(client, node_names) -> None:
    holds = reserved(client)
    live = held_by_live_containers(client)
    for name in node_names:
        assert holds[name] == live.get(name, NOTHING_HELD), name


def _burst(server, image: str, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with server.ams_local() as client:
        while not stop.is_set():
            try:
                if rng.random() < 0.65:
                    client.post("/1.0/containers", json={"image_id": image, "instance_type": "a2.3"})
                else:
                    listed = client.get("/1.0/containers").json()["metadata"]
                    if listed:
                        client.request("DELETE", rng.choice(listed), json={"force": rng.random() < 0.5})
            except (httpx.HTTPError, ValueError):
                return  # the server is gone: that is the point


def test_reservations_equal_live_containers_after_a_kill_during_a_burst(tmp_path):
    data = tmp_path / "data"
    nodes = ["lxd0", "lxd1", "lxd2"]
    with running_server(data, "--simulated-container-delay", "0.05") as first:
        with first.ams_local() as client:
            for index, name in enumerate(nodes):
                add_node(client, name, f"10.0.9.{index + 1}", cpus=4, memory="24GB")
            image = add_image(client, tmp_path)
        stop = threading.Event()
        workers = [threading.Thread(target=_burst, args=(first, image, stop, seed)) for seed in range(6)]
        for worker in workers:
            worker.start()
        # Kill when a launch is seen mid-way, not after a fixed time: on a loaded machine a fixed
        # moment may fall between launches.
        with first.ams_local() as client:
            time.sleep(1.0)
            wait_until(lambda: any(
                c["status"] in ("prepared", "started")
                for c in client.get("/1.0/containers", params={"recursion": "1"}).json()["metadata"]
            ), timeout=30, interval=0.01)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        stop.set()
        for worker in workers:
            worker.join(30)

    with running_server(data) as second, second.ams_local() as client:
        listed = client.get("/1.0/containers", params={"recursion": "1"}).json()["metadata"]
        assert listed, "the burst launched nothing before the kill"
        assert any(c["status"] == "error" for c in listed), "the kill caught no launch in flight"
        # Nothing is left half-way: containers caught mid-launch are in error.
        assert {c["status"] for c in listed} <= {"running", "stopped", "error"}
        assert_books_balance(client, nodes)
        # The rebuilt books keep working: launch one, remove everything, nothing is held.
        assert finish(client, client.post("/1.0/containers", json={"image_id": image}))["status"] == "Success"
        ids = [c["id"] for c in client.get("/1.0/containers", params={"recursion": "1"}).json()["metadata"]]
        final = finish(client, client.request("DELETE", "/1.0/containers", json={"ids": ids, "force": True}))
        assert final["status"] == "Success", final
        assert_books_balance(client, nodes)
        assert all(sum(values.values()) == 0 for values in reserved(client).values())
