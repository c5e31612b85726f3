"""gRPC face of the operations engine and the event hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
from switchyard.operations.v1 import operations_pb2 as pb
from switchyard.operations.v1 import operations_pb2_grpc as pb_grpc

from core.errors import InvalidArgument
from core.identity import Caller, current_caller
from core.operations.engine import OperationsEngine
from core.operations.events import EventHub, parse_event_types
from core.operations.sockets import Frame, Pipe
from core.operations.timeouts import parse_wait_timeout

# Answer a wait this long before the caller's deadline, so it gets the operation, not an error.
DEADLINE_MARGIN = 0.25

Authorize = Callable[[Caller], Awaitable[None]]


class OperationsServicer(pb_grpc.OperationsServicer):
    """`authorize` is the policy of the API that exposes operations (AMS: trusted callers)."""

    def __init__(self, engine: OperationsEngine, events: EventHub, authorize: Authorize) -> None:
        self._engine = engine
        self._events = events
        self._authorize = authorize

    async def GetOperation(self, request: pb.GetOperationRequest, context) -> pb.Operation:
        await self._authorize(current_caller())
        return (await self._engine.get(request.id)).to_proto()

    async def ListOperations(self, request: pb.ListOperationsRequest, context) -> pb.OperationList:
        await self._authorize(current_caller())
        return pb.OperationList(operations=[op.to_proto() for op in await self._engine.list()])

    async def WaitOperation(self, request: pb.WaitOperationRequest, context) -> pb.Operation:
        await self._authorize(current_caller())
        timeout = parse_wait_timeout(request.timeout)
        remaining = context.time_remaining()
        if remaining is not None:
            bounded = max(remaining - DEADLINE_MARGIN, 0.0)
            timeout = bounded if timeout is None else min(timeout, bounded)
        return (await self._engine.wait(request.id, timeout)).to_proto()

    async def CancelOperation(self, request: pb.CancelOperationRequest, context) -> pb.CancelOperationResponse:
        await self._authorize(current_caller())
        await self._engine.cancel(request.id)
        return pb.CancelOperationResponse()

    async def WatchEvents(self, request: pb.WatchEventsRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.Event]:
        await self._authorize(current_caller())
        subscription = self._events.subscribe(parse_event_types(request.type))
        try:
            await context.send_initial_metadata(())
            async for event in subscription:
                yield event
        finally:
            subscription.close()


    async def ConnectOperation(self, request_iterator, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.SocketFrame]:
        # Guests may connect: the secret is the credential, as in LXD.
        first = await anext(request_iterator, None)
        if first is None or first.WhichOneof("part") != "connect":
            raise InvalidArgument("a socket connection starts with its operation and secret",
                                  reason="MISSING_CONNECT")
        pipe = await self._engine.connect(first.connect.id, first.connect.secret)
        await context.send_initial_metadata(())
        inbound = asyncio.create_task(_deliver(request_iterator, pipe))
        try:
            while (frame := await pipe.collect()) is not None:
                yield pb.SocketFrame(text=frame.data) if frame.is_text else pb.SocketFrame(binary=frame.data)
        finally:
            inbound.cancel()


async def _deliver(request_iterator, pipe: Pipe) -> None:
    """Client frames into the operation's pipe; the end of the client's stream closes it."""
    try:
        async for message in request_iterator:
            part = message.WhichOneof("part")
            if part in ("binary", "text"):
                await pipe.deliver(Frame(getattr(message, part)))
    finally:
        await pipe.deliver(None)


def register(server: grpc.aio.Server, servicer: OperationsServicer) -> str:
    pb_grpc.add_OperationsServicer_to_server(servicer, server)
    return pb.DESCRIPTOR.services_by_name["Operations"].full_name
