"""Server-streamed downloads written as HTTP bodies: a header message, then the bytes."""

from __future__ import annotations

import grpc
from aiohttp import web

from rest_gateway.envelopes import Envelope
from rest_gateway.status import Failure, failure_from_rpc_error


async def download(call: grpc.aio.UnaryStreamCall, request: web.Request, envelope: Envelope) -> web.StreamResponse:
    """Errors before the first byte go out in the API's envelope; after it, the connection ends."""
    # One call is read with read() throughout: gRPC refuses mixing it with `async for`.
    try:
        first = await call.read()
    except grpc.aio.AioRpcError as error:
        return envelope.failure(failure_from_rpc_error(error))
    if first is grpc.aio.EOF or first.WhichOneof("part") != "header":
        return envelope.failure(Failure(500, "download without a header", grpc.StatusCode.INTERNAL))
    header = first.header
    response = web.StreamResponse(headers={"Content-Type": header.content_type})
    if header.size:
        response.content_length = header.size
    if header.filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{header.filename}"'
    await response.prepare(request)
    try:
        while (chunk := await call.read()) is not grpc.aio.EOF:
            await response.write(chunk.data)
    except grpc.aio.AioRpcError:
        # Headers are gone already: cutting the body short is how HTTP says it failed.
        if request.transport is not None:
            request.transport.close()
        return response
    except ConnectionResetError:
        call.cancel()  # the client left: the core stops reading the file
        return response
    await response.write_eof()
    return response
