"""Server-streaming RPCs bridged to websockets.

The stream is refused in the API's envelope (before any upgrade) when the core turns it down;
once upgraded, every streamed message becomes one text frame. Pings keep idle connections
alive and drop peers that stop answering; a client that stops reading is cut off by the core's
bounded queue, never by blocking anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import grpc
from aiohttp import WSCloseCode, WSMsgType, web
from google.protobuf.message import Message

from rest_gateway.envelopes import Envelope
from rest_gateway.router import Bridge
from rest_gateway.status import Failure, failure_from_rpc_error

HEARTBEAT = 10.0
CLOSE_TIMEOUT = 2.0


def websocket_bridge(frame: Callable[[Message], Any]) -> Bridge:
    """A bridge that writes `frame(message)` as JSON for every streamed message."""

    async def bridge(call: grpc.aio.UnaryStreamCall, request: web.Request, envelope: Envelope) -> web.StreamResponse:
        refusal = await _refusal(call)
        if refusal is not None:
            return envelope.failure(refusal)
        socket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await socket.prepare(request)
        pump = asyncio.create_task(_pump(call, socket, frame))
        listen = asyncio.create_task(_listen(socket))
        done, _ = await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        call.cancel()
        for task in (pump, listen):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pump, listen, return_exceptions=True)
        if pump in done and not pump.cancelled() and isinstance(pump.exception(), grpc.aio.AioRpcError):
            error = failure_from_rpc_error(pump.exception())
            await _close(socket, request, WSCloseCode.TRY_AGAIN_LATER, error.message)
        else:
            await _close(socket, request, WSCloseCode.OK, "")
        return socket

    return bridge


def duplex_websocket_bridge(to_frame: Callable[[Message], str | bytes | None],
                            from_frame: Callable[[str | bytes], Message]) -> Bridge:
    """A bridge for a bidirectional call: every message becomes a text or binary frame and every
    frame from the client a message, until either side ends."""

    async def bridge(call, request: web.Request, envelope: Envelope) -> web.StreamResponse:
        refusal = await _refusal(call)
        if refusal is not None:
            return envelope.failure(refusal)
        socket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await socket.prepare(request)

        async def outbound() -> None:
            async for message in call:
                data = to_frame(message)
                if isinstance(data, str):
                    await socket.send_str(data)
                elif data is not None:
                    await socket.send_bytes(data)

        async def inbound() -> None:
            async for frame in socket:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await call.write(from_frame(frame.data))
            await call.done_writing()

        pump = asyncio.create_task(outbound())
        listen = asyncio.create_task(inbound())
        done, _ = await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        if listen in done and not listen.cancelled() and listen.exception() is None:
            # The client finished sending: let the operation's answers drain, then close.
            await asyncio.wait({pump})
        call.cancel()
        for task in (pump, listen):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pump, listen, return_exceptions=True)
        await _close(socket, request, WSCloseCode.OK, "")
        return socket

    return bridge


async def _close(socket: web.WebSocketResponse, request: web.Request, code: int, reason: str) -> None:
    """Close politely; a peer that does not read its socket cannot take a close frame, so it is
    dropped instead of being waited on."""
    try:
        await asyncio.wait_for(socket.close(code=code, message=reason[:120].encode()), CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        if request.transport is not None:
            request.transport.abort()


async def _refusal(call: grpc.aio.UnaryStreamCall) -> Failure | None:
    """Wait for the core to accept the stream (initial metadata) or refuse it."""
    try:
        await call.initial_metadata()
        if call.done():
            code = await call.code()
            if code != grpc.StatusCode.OK:
                await call.read()  # raises the call's error with its details
    except grpc.aio.AioRpcError as error:
        return failure_from_rpc_error(error)
    return None


async def _pump(call: grpc.aio.UnaryStreamCall, socket: web.WebSocketResponse, frame) -> None:
    async for message in call:
        await socket.send_str(json.dumps(frame(message), separators=(",", ":")))


async def _listen(socket: web.WebSocketResponse) -> None:
    # Reading is what lets aiohttp answer pings, see pongs and notice the peer closing.
    async for _ in socket:
        pass
