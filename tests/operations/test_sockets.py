"""Websocket-class operations through a real gRPC server: secrets, frames both ways, close."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from switchyard.operations.v1 import operations_pb2 as pb
from switchyard.operations.v1 import operations_pb2_grpc as pb_grpc

from core.interceptor import CallInterceptor
from core.operations.engine import OperationsEngine
from core.operations.events import EventHub
from core.operations.schema import MIGRATIONS
from core.operations.servicer import OperationsServicer
from core.storage import Database
from core.storage.migrations import migrate


async def allow_everyone(caller) -> None:
    return None


async def echo(progress) -> None:
    """An operation that answers every frame on socket "0" in upper case until it closes."""
    pipe = await progress.sockets.connected("0")
    while (frame := await pipe.receive()) is not None:
        await pipe.send(frame.data.upper())
    await pipe.close()


async def scenario(tmp_path) -> dict:
    db = Database(tmp_path / "ops.db")
    db.run_sync(lambda conn: migrate(conn, {"operations": MIGRATIONS}))
    engine = OperationsEngine(db, EventHub())
    server = grpc.aio.server(interceptors=[CallInterceptor("grpc")])
    pb_grpc.add_OperationsServicer_to_server(OperationsServicer(engine, EventHub(), allow_everyone), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        operation = await engine.launch("Echoing", echo, sockets=("0", "control"))
        secrets = operation.metadata["fds"]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.OperationsStub(channel)
            wrong = stub.ConnectOperation()
            await wrong.write(pb.SocketFrame(connect=pb.SocketConnect(id=operation.id, secret="nope")))
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await wrong.read()
            call = stub.ConnectOperation()
            await call.write(pb.SocketFrame(connect=pb.SocketConnect(id=operation.id, secret=secrets["0"])))
            await call.write(pb.SocketFrame(text="hello"))
            await call.write(pb.SocketFrame(binary=b"bytes"))
            replies = [await call.read(), await call.read()]
            await call.done_writing()
            tail = await call.read()
        final = await engine.wait(operation.id, 5)
        return {"operation": operation, "refused": refused.value.code(), "replies": replies, "tail": tail,
                "final": final}
    finally:
        await server.stop(None)
        await engine.stop()
        db.close()


def test_a_websocket_operation_relays_frames_both_ways(tmp_path):
    seen = asyncio.run(scenario(tmp_path))
    operation = seen["operation"]
    assert operation.class_ == "websocket"
    assert set(operation.metadata["fds"]) == {"0", "control"}
    assert seen["refused"] == grpc.StatusCode.PERMISSION_DENIED
    assert [r.WhichOneof("part") for r in seen["replies"]] == ["text", "binary"]
    assert (seen["replies"][0].text, seen["replies"][1].binary) == ("HELLO", b"BYTES")
    assert seen["tail"] is grpc.aio.EOF
    assert seen["final"].status == "Success"
