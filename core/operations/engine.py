"""The operations engine: ids, states, persistence, events, waiting and cancellation.

Work runs as an asyncio task. Every transition (created → running → success / failure /
cancelled) is stored, then published as an `operation` event carrying the whole operation.
Finished operations stay readable for `retention`; those left unfinished by a dead process are
failed at the next start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, SwitchyardError
from core.operations import store
from core.operations.events import EventHub
from core.operations.model import (
    CANCELLED, CANCELLING, CREATED, FAILURE, RUNNING, SUCCESS, TASK, WEBSOCKET, Operation, now,
)
from core.operations.sockets import Pipe, Sockets
from core.storage import Database

log = logging.getLogger("switchyard.operations")

RETENTION = dt.timedelta(minutes=10)
SWEEP_INTERVAL = 60.0


@dataclass
class Progress:
    """What running work may change about its own operation, and its websockets if it has any."""

    engine: OperationsEngine
    operation_id: str
    sockets: Sockets | None = None

    async def update(self, *, metadata: dict[str, Any] | None = None,
                     resources: dict[str, list[str]] | None = None) -> None:
        await self.engine._amend(self.operation_id, metadata=metadata, resources=resources)


Work = Callable[[Progress], Awaitable[dict[str, Any] | None]]


@dataclass
class _Running:
    task: asyncio.Task | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    cancellable: bool = False
    sockets: Sockets | None = None


class OperationsEngine:
    def __init__(self, db: Database, events: EventHub, retention: dt.timedelta = RETENTION) -> None:
        self._db = db
        self._events = events
        self._retention = retention
        self._running: dict[str, _Running] = {}
        self._sweeper: asyncio.Task | None = None
        self._stopping = False

    async def start(self) -> None:
        failed = await self._db.write(store.fail_interrupted)
        for operation in failed:
            log.warning("operation %s (%s) failed: %s", operation.id, operation.description, operation.err)
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stop work in flight; it ends failed, since nobody asked to cancel it."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        tasks = [entry.task for entry in self._running.values() if entry.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def launch(
        self,
        description: str,
        work: Work,
        *,
        resources: dict[str, list[str]] | None = None,
        metadata: dict[str, Any] | None = None,
        cancellable: bool = False,
        sockets: tuple[str, ...] = (),
    ) -> Operation:
        """Create the operation, start its work in the background and answer it as created.

        `cancellable` only where cancelling the task really stops the work and undoes nothing
        half-done; the work answers the operation's final metadata (or None). With `sockets`
        the operation is of class websocket: its metadata carries `fds`, a secret per socket.
        """
        created = now()
        entry = _Running(cancellable=cancellable, sockets=Sockets(sockets) if sockets else None)
        if entry.sockets is not None:
            metadata = {**(metadata or {}), "fds": dict(entry.sockets.secrets)}
        operation = Operation(
            id=str(uuid.uuid4()), class_=WEBSOCKET if sockets else TASK, description=description,
            created_at=created, updated_at=created, status_code=CREATED,
            resources=resources or {}, metadata=metadata, may_cancel=cancellable,
        )
        self._running[operation.id] = entry
        await self._record(operation)
        entry.task = asyncio.create_task(self._run(operation, work), name=f"operation {operation.id}")
        return operation

    async def connect(self, operation_id: str, secret: str) -> Pipe:
        """The socket of a running websocket operation that `secret` opens."""
        if not secret:
            raise InvalidArgument("Missing websocket secret", reason="MISSING_SECRET")
        operation = await self.get(operation_id)
        entry = self._running.get(operation_id)
        if operation.class_ != WEBSOCKET or entry is None or entry.sockets is None:
            raise FailedPrecondition("Only running websocket operations can be connected to",
                                     reason="NOT_A_WEBSOCKET_OPERATION")
        pipe = entry.sockets.claim(secret)
        if pipe is None:
            raise PermissionDenied("Wrong websocket secret", reason="WRONG_SECRET")
        return pipe

    async def get(self, operation_id: str) -> Operation:
        operation = await self._db.read(lambda db: store.load(db, operation_id))
        if operation is None:
            raise NotFound("Operation not found", reason="OPERATION_NOT_FOUND", metadata={"id": operation_id})
        return operation

    async def list(self) -> list[Operation]:
        return await self._db.read(store.load_all)

    async def wait(self, operation_id: str, timeout: float | None) -> Operation:
        """The operation once final, or as it stands after `timeout` seconds (None: no limit)."""
        operation = await self.get(operation_id)
        entry = self._running.get(operation_id)
        if operation.final or entry is None:
            return operation
        try:
            await asyncio.wait_for(entry.done.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        return await self.get(operation_id)

    async def cancel(self, operation_id: str) -> Operation:
        operation = await self.get(operation_id)
        entry = self._running.get(operation_id)
        if operation.final or entry is None:
            raise FailedPrecondition(
                "Only running operations can be cancelled", reason="OPERATION_NOT_RUNNING"
            )
        if not entry.cancellable:
            raise FailedPrecondition("This operation can't be cancelled", reason="OPERATION_NOT_CANCELLABLE")
        operation = operation.moved_to(CANCELLING)
        await self._record(operation)
        assert entry.task is not None
        entry.task.cancel()
        await entry.done.wait()
        return await self.get(operation_id)

    async def _run(self, operation: Operation, work: Work) -> None:
        entry = self._running[operation.id]
        try:
            await self._record(await self._outcome(operation, work))
        finally:
            entry.done.set()
            self._running.pop(operation.id, None)

    async def _outcome(self, operation: Operation, work: Work) -> Operation:
        """The final state of the operation, whatever its work did."""
        try:
            await self._record(operation.moved_to(RUNNING))
            result = await work(Progress(self, operation.id, self._running[operation.id].sockets))
        except asyncio.CancelledError:
            current = await self.get(operation.id)
            if self._stopping:
                return current.moved_to(FAILURE, err="interrupted by shutdown", may_cancel=False)
            return current.moved_to(CANCELLED, err="Operation cancelled", may_cancel=False)
        except SwitchyardError as error:
            return (await self.get(operation.id)).moved_to(FAILURE, err=error.message, may_cancel=False)
        except Exception as error:  # the operation fails; the service goes on
            log.exception("operation %s (%s) crashed", operation.id, operation.description)
            return (await self.get(operation.id)).moved_to(
                FAILURE, err=f"internal error: {type(error).__name__}", may_cancel=False
            )
        changes: dict[str, Any] = {"may_cancel": False}
        if result is not None:
            changes["metadata"] = result
        return (await self.get(operation.id)).moved_to(SUCCESS, **changes)

    async def _amend(self, operation_id: str, **changes: Any) -> None:
        current = await self.get(operation_id)
        updates = {key: value for key, value in changes.items() if value is not None}
        await self._record(current.moved_to(current.status_code, **updates))

    async def _record(self, operation: Operation) -> None:
        await self._db.write(lambda db: store.save(db, operation))
        self._events.publish_operation(operation.to_proto())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            cutoff = now() - self._retention
            await self._db.write(lambda db: store.forget_finished_before(db, cutoff))
