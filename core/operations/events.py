"""The event hub: publishing never waits, and a subscriber that falls behind is cut off.

Each subscriber has a bounded queue. When it is full the subscriber is marked overflowed and
closed: it learns it missed events instead of silently skipping them, and the publisher and the
other subscribers never wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable

from switchyard.operations.v1 import operations_pb2 as pb

from core.errors import InvalidArgument, ResourceExhausted
from core.operations.model import now, timestamp

OPERATION, LIFECYCLE, LOGGING = "operation", "lifecycle", "logging"
EVENT_TYPES = (OPERATION, LOGGING, LIFECYCLE)
QUEUE_LIMIT = 4096

log = logging.getLogger("switchyard.events")


def parse_event_types(raw: str) -> frozenset[str]:
    """`operation,logging` → the set; empty (or LXD's "all") means every type."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names or names == ["all"]:
        return frozenset(EVENT_TYPES)
    for name in names:
        if name not in EVENT_TYPES:
            raise InvalidArgument(f'"{name}" is not a supported event type', reason="UNSUPPORTED_EVENT_TYPE")
    return frozenset(names)


class Subscription:
    def __init__(self, hub: EventHub, types: frozenset[str], limit: int) -> None:
        self._hub = hub
        self.types = types
        self._queue: asyncio.Queue[pb.Event | None] = asyncio.Queue(limit)
        self.overflowed = False

    def offer(self, event: pb.Event) -> None:
        if self.overflowed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self._hub.unsubscribe(self)
            # Wake the reader so it ends now rather than after draining a stale backlog.
            self._queue = asyncio.Queue(1)
            self._queue.put_nowait(None)

    def close(self) -> None:
        self._hub.unsubscribe(self)
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            pass  # the reader is behind and will see the end after the backlog

    async def __aiter__(self) -> AsyncIterator[pb.Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                if self.overflowed:
                    raise ResourceExhausted(
                        "event subscriber fell too far behind and was disconnected",
                        reason="SUBSCRIBER_TOO_SLOW",
                    )
                return
            yield event


class EventHub:
    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self._subscribers: set[Subscription] = set()
        self._limit = limit

    def subscribe(self, types: Iterable[str]) -> Subscription:
        subscription = Subscription(self, frozenset(types), self._limit)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: pb.Event) -> None:
        for subscription in list(self._subscribers):
            if event.type in subscription.types:
                subscription.offer(event)

    def publish_operation(self, operation: pb.Operation) -> None:
        self.publish(pb.Event(type=OPERATION, timestamp=timestamp(now()), operation=operation))

    def publish_lifecycle(self, action: str, source: str) -> None:
        lifecycle = pb.LifecycleEvent(action=action, source=source)
        self.publish(pb.Event(type=LIFECYCLE, timestamp=timestamp(now()), lifecycle=lifecycle))

    def close(self) -> None:
        for subscription in list(self._subscribers):
            subscription.close()


class LoggingEvents(logging.Handler):
    """Publishes the service's own log records as `logging` events."""

    def __init__(self, hub: EventHub, loop: asyncio.AbstractEventLoop, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._hub = hub
        self._loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break logging itself
            self.handleError(record)
            return
        event = pb.Event(
            type=LOGGING,
            timestamp=timestamp(now()),
            logging=pb.LogRecord(
                message=message,
                level=record.levelname.lower(),
                context={"logger": record.name},
            ),
        )
        # Records come from any thread (the database worker, gRPC's); the hub lives on the loop.
        try:
            self._loop.call_soon_threadsafe(self._hub.publish, event)
        except RuntimeError:
            pass  # the loop has closed: the service is stopping
