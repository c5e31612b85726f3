"""The node-driver interface AMS drives its nodes through, and the simulated driver.

No LXD is reachable here, so nodes are run by `SimulatedDriver`: it takes the time a join
takes, reports the facts a node would (CPUs, memory, disk, architecture), and says it is
simulated wherever a node is shown. A real LXD driver implements the same interface.

Containers: the simulated driver keeps what LXD would keep on the node (the container's
configuration, its environment with the container token, its logs) under the data directory,
`containers/<id>/`, and takes a configurable time for each step, as real ones take time.
Exec runs no process: a few commands are imitated (`core.ams.exec_simulated`).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.ams.exec_io import DEFAULT_HEIGHT, DEFAULT_WIDTH, ExecRequest, ExecStreams
from core.ams.exec_simulated import Session, run_simulated
from core.errors import FailedPrecondition, NotFound, Unavailable

log = logging.getLogger("switchyard.ams.driver")


@dataclass(frozen=True)
class NodeFacts:
    """What joining a node tells about it, where the operator left it open."""

    cpus: int
    memory: str
    disk_size: str
    architecture: str


@dataclass(frozen=True)
class JoinRequest:
    name: str
    address: str
    trust_password: str
    storage_device: str
    storage_pool: str
    network_name: str
    network_subnet: str
    managed: bool


@dataclass(frozen=True)
class ContainerRequest:
    """What a node needs to create a container."""

    id: str
    name: str
    node: str
    type: str  # regular | base
    image: str  # the image (id or fingerprint) the root file system comes from
    address: str
    cpus: int
    memory: int
    disk_size: int
    gpu_slots: int
    services: tuple[Mapping, ...] = ()
    # Handed to the container's init (the container token among them); never logged.
    environment: Mapping[str, str] = field(default_factory=dict)
    user_data: str = ""


# Logs every container has; a regular container also has Android's.
BASE_LOGS = ("console.log", "container.log", "system.log")
ANDROID_LOG = "android.log"
# A simulated container whose user data holds this line fails to boot: how tests reach the
# error path of a real driver.
SIMULATED_BOOT_FAILURE = "#simulate: boot-failure"


class NodeDriver(Protocol):
    name: str

    async def join(self, request: JoinRequest) -> NodeFacts:
        """Bring the node into the cluster and report what it has."""

    async def leave(self, name: str, keep_in_cluster: bool) -> None:
        """Take the node out of AMS (and of the LXD cluster unless `keep_in_cluster`)."""

    async def create_container(self, request: ContainerRequest) -> None:
        """Create the container on its node from its image, stopped."""

    async def start_container(self, node: str, container_id: str) -> None:
        """Boot the container; returns once it is up (its init reports itself later)."""

    async def stop_container(self, node: str, container_id: str) -> None:
        """Stop a running container (a stopped one stays stopped)."""

    async def delete_container(self, node: str, container_id: str) -> None:
        """Remove the container and everything the node keeps of it, logs included."""

    async def run_step(self, node: str, container_id: str, step: str) -> None:
        """Run one named bootstrap step inside the running container; it goes to its logs."""

    async def publish_container(self, node: str, container_id: str) -> str:
        """Publish the stopped container as an image; answers the image's fingerprint."""

    async def exec_command(self, node: str, container_id: str, request: ExecRequest,
                           streams: ExecStreams) -> int:
        """Run a command in the running container with these streams (LXD's exec); answers its
        exit code once it has ended. A real driver hands this to LXD on the node."""

    def log_names(self, container_id: str) -> list[str]:
        """Names of the container's stored logs (empty when it has none)."""

    def log_path(self, container_id: str, name: str) -> Path:
        """Where one stored log is; NotFound when there is no such log."""


class SimulatedDriver:
    name = "simulated"

    def __init__(self, join_delay: float = 0.05, container_delay: float = 0.01,
                 data_dir: Path | None = None) -> None:
        self._join_delay = join_delay
        self._container_delay = container_delay
        self._root = (data_dir or Path(".switchyard")) / "containers"
        self._images = (data_dir or Path(".switchyard")) / "simulated-images"

    async def join(self, request: JoinRequest) -> NodeFacts:
        log.info("simulated driver: joining node %s at %s", request.name, request.address)
        await asyncio.sleep(self._join_delay)
        return NodeFacts(cpus=4, memory="8GB", disk_size="100GB", architecture="x86_64")

    async def leave(self, name: str, keep_in_cluster: bool) -> None:
        log.info("simulated driver: node %s left (keep_in_cluster=%s)", name, keep_in_cluster)

    # Containers.

    async def create_container(self, request: ContainerRequest) -> None:
        await asyncio.sleep(self._container_delay)
        await asyncio.to_thread(self._create, request)

    async def start_container(self, node: str, container_id: str) -> None:
        state = await asyncio.to_thread(self._state, container_id)
        await asyncio.sleep(self._container_delay)
        if SIMULATED_BOOT_FAILURE in state["user_data"].splitlines():
            await self._log(container_id, "console.log", "init: /var/lib/anbox/init failed: exit status 1")
            raise Unavailable("container failed to boot: init exited with status 1",
                              reason="CONTAINER_BOOT_FAILED", metadata={"id": container_id})
        await self._set_state(container_id, "running")
        await self._log(container_id, "console.log", f"booting container {container_id} on {node}")
        await self._log(container_id, "system.log", "systemd: reached target multi-user")
        if state["type"] == "regular":
            await self._log(container_id, ANDROID_LOG, "I init: starting service 'anbox'")
        await self._log(container_id, "container.log", "started")

    async def stop_container(self, node: str, container_id: str) -> None:
        await asyncio.to_thread(self._state, container_id)
        await asyncio.sleep(self._container_delay)
        await self._set_state(container_id, "stopped")
        await self._log(container_id, "container.log", "stopped")

    async def delete_container(self, node: str, container_id: str) -> None:
        await asyncio.sleep(self._container_delay)
        await asyncio.to_thread(shutil.rmtree, self._root / container_id, True)

    async def run_step(self, node: str, container_id: str, step: str) -> None:
        state = await asyncio.to_thread(self._state, container_id)
        if state["state"] != "running":
            raise FailedPrecondition(f"container {container_id} is not running",
                                     reason="CONTAINER_NOT_RUNNING", metadata={"id": container_id})
        await asyncio.sleep(self._container_delay)
        await asyncio.to_thread(self._record_step, container_id, step)
        await self._log(container_id, "container.log", f"bootstrap step {step}: done")

    async def publish_container(self, node: str, container_id: str) -> str:
        state = await asyncio.to_thread(self._state, container_id)
        if state["state"] != "stopped":
            raise FailedPrecondition(f"container {container_id} must be stopped to publish it",
                                     reason="CONTAINER_NOT_STOPPED", metadata={"id": container_id})
        await asyncio.sleep(self._container_delay)
        fingerprint = await asyncio.to_thread(self._publish, container_id, state)
        await self._log(container_id, "container.log", f"published as image {fingerprint}")
        return fingerprint

    async def exec_command(self, node: str, container_id: str, request: ExecRequest,
                           streams: ExecStreams) -> int:
        """SIMULATED: no process runs; the few commands of `core.ams.exec_simulated` (echo, cat,
        env, getprop, sh -c, sleep, stty, true, false) are imitated against the streams."""
        state = await asyncio.to_thread(self._state, container_id)
        if state["state"] != "running":
            raise FailedPrecondition(f"container {container_id} is not running",
                                     reason="CONTAINER_NOT_RUNNING", metadata={"id": container_id})
        # Only the program's name: its arguments and environment may hold secrets.
        await self._log(container_id, "container.log", f"exec {request.command[0]!r} (simulated)")
        session = Session(request, streams, architecture="x86_64",
                          width=request.width or DEFAULT_WIDTH, height=request.height or DEFAULT_HEIGHT)
        return await run_simulated(session)

    def log_names(self, container_id: str) -> list[str]:
        logs = self._root / container_id / "logs"
        return sorted(p.name for p in logs.iterdir()) if logs.is_dir() else []

    def log_path(self, container_id: str, name: str) -> Path:
        if name not in self.log_names(container_id):
            raise NotFound("log not found", reason="LOG_NOT_FOUND",
                           metadata={"id": container_id, "name": name})
        return self._root / container_id / "logs" / name

    # On-disk state, as the node would keep it (run in a worker thread).

    def _create(self, request: ContainerRequest) -> None:
        home = self._root / request.id
        (home / "logs").mkdir(parents=True, exist_ok=True)
        state = {"id": request.id, "node": request.node, "type": request.type,
                 "image": request.image, "address": request.address, "state": "stopped",
                 "user_data": request.user_data, "steps": []}
        _write_private(home / "state.json", json.dumps(state))
        # The environment holds the container's token: only its owner may read it.
        _write_private(home / "environment", "".join(f"{k}={v}\n" for k, v in request.environment.items()))
        for name in BASE_LOGS + ((ANDROID_LOG,) if request.type == "regular" else ()):
            (home / "logs" / name).touch()
        self._append(request.id, "container.log", f"created from image {request.image} on {request.node}")

    def _state(self, container_id: str) -> dict:
        try:
            return json.loads((self._root / container_id / "state.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"container {container_id} does not exist on its node",
                           reason="CONTAINER_NOT_ON_NODE", metadata={"id": container_id}) from None

    async def _set_state(self, container_id: str, value: str) -> None:
        def update() -> None:
            state = self._state(container_id)
            state["state"] = value
            _write_private(self._root / container_id / "state.json", json.dumps(state))

        await asyncio.to_thread(update)

    def _record_step(self, container_id: str, step: str) -> None:
        state = self._state(container_id)
        state["steps"].append(step)
        _write_private(self._root / container_id / "state.json", json.dumps(state))

    def _publish(self, container_id: str, state: dict) -> str:
        # The image holds what the container became (its source and the steps run in it),
        # never its environment: the token must not leave the container.
        manifest = json.dumps({"source_image": state["image"], "container": container_id,
                               "steps": state["steps"]}, sort_keys=True).encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo("rootfs/var/lib/anbox/bootstrap.json")
            info.size = len(manifest)
            tar.addfile(info, io.BytesIO(manifest))
        data = buffer.getvalue()
        fingerprint = hashlib.sha256(data).hexdigest()
        self._images.mkdir(parents=True, exist_ok=True)
        (self._images / f"{fingerprint}.tar").write_bytes(data)
        return fingerprint

    async def _log(self, container_id: str, name: str, line: str) -> None:
        await asyncio.to_thread(self._append, container_id, name, line)

    def _append(self, container_id: str, name: str, line: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(self._root / container_id / "logs" / name, "a") as log_file:
            log_file.write(f"{stamp} {line}\n")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
