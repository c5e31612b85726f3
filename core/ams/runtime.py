"""The container runtime: placement, node driver and rows kept in step for one container.

Shared by container launches and by the application bootstrap (a `base` container is created,
started, has its bootstrap steps run, is published as an image and deleted). Every status
change is written first, then published as a `lifecycle` event with the container as source.
Calls on one container are serialised: a delete waits for a start in flight to end.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core.ams import containers, nodes
from core.ams.containers import (BASE, ERROR, PREPARED, REGULAR, RUNNING, STARTED, STOPPED,
                                 Container, container_url)
from core.ams.driver import ContainerRequest, NodeDriver
from core.ams.ids import new_id
from core.ams.instance_types import Resources
from core.ams.placement import Placement
from core.ams.scheduler import NO_SUITABLE_NODE_REASON, Requirements, Usage
from core.errors import FailedPrecondition, InvalidArgument, PermissionDenied, ResourceExhausted, SwitchyardError
from core.operations.events import EventHub
from core.storage import Database

log = logging.getLogger("switchyard.ams.runtime")
# The environment variable a container finds its token in (with the AMS address beside it).
TOKEN_VARIABLE = "AMS_CONTAINER_TOKEN"


@dataclass(frozen=True)
class LaunchSpec:
    type: str                      # "regular" or "base"
    resources: Resources
    image_id: str = ""
    image_version: int = 0
    app_id: str = ""
    app_version: int = 0
    node: str = ""                 # "" lets the scheduler choose
    node_selector: frozenset[str] = frozenset()
    services: tuple = ()           # [{name, port, port_end?, protocols, expose}]
    config: Mapping[str, Any] = field(default_factory=dict)
    user_data: str = ""
    tags: tuple[str, ...] = ()
    architecture: str = ""
    video_encoder: str = ""        # an application's `video-encoder`; "" for raw images


# AMS's video encoders: `gpu` needs a GPU slot and one of its node's GPU encoder slots,
# `gpu-preferred` takes both where a node has them free and otherwise encodes in software; the
# others need neither.
GPU_ENCODER, GPU_PREFERRED = "gpu", "gpu-preferred"


def resource_choices(resources: Resources, video_encoder: str) -> list[Usage]:
    """What to hold on a node, in order of preference: the next is tried only when nothing fits."""
    software = containers.usage_of(resources)
    hardware = containers.usage_of(replace(resources, gpu_slots=max(resources.gpu_slots, 1)),
                                   gpu_encoder_slots=1)
    if video_encoder == GPU_ENCODER:
        return [hardware]
    if video_encoder == GPU_PREFERRED:
        return [hardware, software]
    return [software]


class ContainerRuntime:
    def __init__(self, db: Database, events: EventHub, placement: Placement,
                 driver: NodeDriver) -> None:
        self._db = db
        self._events = events
        self._placement = placement
        self._driver = driver
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def driver(self) -> NodeDriver:
        return self._driver

    @property
    def placement(self) -> Placement:
        return self._placement

    async def create(self, spec: LaunchSpec, container_id: str = "") -> str:
        """Place the container and create it on its node, `prepared`. ResourceExhausted
        (NO_SUITABLE_NODE) when nothing fits; `container_id` lets a caller name it first."""
        if spec.type not in (REGULAR, BASE):
            raise InvalidArgument(f"argument type is invalid: {spec.type!r}",
                                  metadata={"field": "type"})
        container_id = container_id or new_id()
        services = containers.checked_services(spec.services)
        config = containers.checked_config(spec.config)
        token = secrets.token_urlsafe(32)
        container = await self._place_first_fitting(spec, container_id, services, config, token)
        r = container.resources
        self._publish("container-created", container.id)
        self._publish("container-scheduled", container.id)
        log.info("container %s placed on %s (%s)", container.id, container.node,
                 self._placement.strategy)
        async with self._lock(container.id):
            try:
                await self._driver.create_container(ContainerRequest(
                    id=container.id, name=container.name, node=container.node, type=container.type,
                    image=container.image_id or container.app_id, address=container.address,
                    cpus=r.cpus, memory=r.memory, disk_size=r.disk_size, gpu_slots=r.gpu_slots,
                    services=container.services, environment={TOKEN_VARIABLE: token},
                    user_data=container.user_data,
                ))
            except SwitchyardError as error:
                await self._move(container.id, ERROR, error.message)
                raise
        return container.id

    async def _place_first_fitting(self, spec: LaunchSpec, container_id: str, services: tuple,
                                   config: Mapping[str, Any], token: str) -> Container:
        *preferred, last = resource_choices(spec.resources, spec.video_encoder)
        for held in preferred:
            try:
                return await self._place(spec, held, container_id, services, config, token)
            except ResourceExhausted as error:
                if error.reason != NO_SUITABLE_NODE_REASON:
                    raise
        return await self._place(spec, last, container_id, services, config, token)

    async def _place(self, spec: LaunchSpec, held: Usage, container_id: str, services: tuple,
                     config: Mapping[str, Any], token: str) -> Container:
        req = Requirements(*held.amounts, node=spec.node, node_selector=spec.node_selector,
                           architecture=spec.architecture)
        draft = Container(
            id=container_id, name=f"ams-{container_id}", type=spec.type,
            status_code=PREPARED, node="", app_id=spec.app_id, app_version=spec.app_version,
            image_id=spec.image_id, image_version=spec.image_version,
            created_at=containers.now(), address="", services=services, error_message="",
            config=config, user_data=spec.user_data, tags=tuple(spec.tags),
            architecture=spec.architecture, held=held,
            resources=replace(spec.resources, gpu_slots=held.gpu_slots),
            token_hash=containers.hash_token(token),
        )

        def persist(node: str):
            def write(db) -> Container:
                subnet = nodes.load_node(db, node).network_subnet
                placed = replace(draft, node=node)
                return containers.insert_placed(db, placed, subnet)
            return write

        return await self._placement.place(req, persist)

    async def start(self, container_id: str) -> None:
        """started → running; a driver failure leaves it in `error` and is raised."""
        async with self._lock(container_id):
            container = await self.get(container_id)
            if container.status_code not in (PREPARED, STOPPED):
                raise _wrong_status(container, "started")
            await self._move(container.id, STARTED)
            await self._driven(container, self._driver.start_container(container.node, container.id))
            await self._move(container.id, RUNNING)

    async def run_step(self, container_id: str, step: str) -> None:
        async with self._lock(container_id):
            container = await self.get(container_id)
            if container.status_code != RUNNING:
                raise _wrong_status(container, f"run {step!r} in")
            await self._driven(container, self._driver.run_step(container.node, container.id, step))

    async def publish(self, container_id: str) -> str:
        """Stop the container and publish it as an image; answers the image's fingerprint."""
        async with self._lock(container_id):
            container = await self._stopped(await self.get(container_id))
            return await self._driven(
                container, self._driver.publish_container(container.node, container.id))

    async def stop(self, container_id: str) -> None:
        async with self._lock(container_id):
            await self._stopped(await self.get(container_id))

    async def delete(self, container_id: str, force: bool = False) -> None:
        """Remove the container from its node and free its resources, address and ports.
        `force` goes on when the node fails to stop or remove it."""
        async with self._lock(container_id):
            container = await self.get(container_id)
            try:
                if container.status_code in (STARTED, RUNNING):
                    await self._stopped(container)
                await self._driver.delete_container(container.node, container.id)
            except SwitchyardError as error:
                if not force:
                    raise
                log.warning("container %s: node failed to remove it (%s); removed anyway",
                            container.id, error.message)

            def remove(db):
                gone = containers.remove(db, container.id)
                return gone, (gone.held if gone else Usage())

            gone = await self._placement.write_then_release(container.node, remove)
            self._locks.pop(container.id, None)
        if gone is not None:
            self._publish("container-removed", container.id)

    async def report(self, container_id: str, token: str, status: str, error_message: str = "") -> None:
        """The container tells its own status, proving itself with its token."""
        container = await self.get(container_id)
        if not token or not containers.token_matches(container, token):
            raise PermissionDenied("invalid container token", reason="INVALID_CONTAINER_TOKEN")
        code = containers.STATUS_CODE.get(status)
        if code not in (STARTED, RUNNING, STOPPED, ERROR):
            raise InvalidArgument(f"argument status is invalid: {status!r} is not one of "
                                  "started, running, stopped, error", metadata={"field": "status"})
        async with self._lock(container_id):
            container = await self.get(container_id)
            if container.status_code == ERROR:
                raise _wrong_status(container, f"report {status} for")
            if container.status_code != code:
                await self._move(container.id, code, error_message if code == ERROR else "")

    async def get(self, container_id: str) -> Container:
        return await self._db.read(lambda db: containers.load(db, container_id))

    # Helpers.

    async def _stopped(self, container: Container) -> Container:
        if container.status_code == STOPPED:
            return container
        if container.status_code not in (STARTED, RUNNING):
            raise _wrong_status(container, "stopped")
        await self._driven(container, self._driver.stop_container(container.node, container.id))
        return await self._move(container.id, STOPPED)

    async def _driven(self, container: Container, call):
        """Await a driver call; when it fails the container is in error, with the reason."""
        try:
            return await call
        except SwitchyardError as error:
            await self._move(container.id, ERROR, error.message)
            raise

    async def _move(self, container_id: str, status_code: int, error_message: str = "") -> Container:
        current = await self.get(container_id)
        moved = await self._placement.write_then_release(
            current.node, lambda db: containers.set_status(db, container_id, status_code, error_message))
        self._publish(containers.LIFECYCLE_ACTION[status_code], container_id)
        if status_code == ERROR:
            log.warning("container %s failed: %s", container_id, error_message)
        return moved

    def _publish(self, action: str, container_id: str) -> None:
        self._events.publish_lifecycle(action, container_url(container_id))

    def _lock(self, container_id: str) -> asyncio.Lock:
        return self._locks.setdefault(container_id, asyncio.Lock())


def _wrong_status(container: Container, what: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"container {container.id} is {container.status} and cannot be {what}",
        reason="INVALID_CONTAINER_STATUS", metadata={"id": container.id, "status": container.status})
