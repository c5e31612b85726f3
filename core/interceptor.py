"""One server interceptor for every core RPC: it builds the `Caller`, logs the call, and turns
typed domain errors into gRPC statuses carrying a machine-readable reason.

It also parses the request messages itself, so that bytes that are not the method's message
are the client's INVALID_ARGUMENT. Unexpected exceptions are logged with their traceback here
and leave as a bare INTERNAL status, so no traceback ever reaches a client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from core.errors import ERROR_DOMAIN, InvalidArgument, SwitchyardError
from core.identity import bind_caller, caller_from_context, current_caller, unbind_caller
from core.metrics import record_call
from core.mtls_relay import RelayedPeers

log = logging.getLogger("switchyard.rpc")


def status_of(error: SwitchyardError) -> grpc.Status:
    """The rich gRPC status for a domain error (google.rpc.Status with an ErrorInfo detail)."""
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata)
    detail = any_pb2.Any()
    detail.Pack(info)
    status = status_pb2.Status(code=error.code.value[0], message=error.message, details=[detail])
    return rpc_status.to_status(status)


class CallInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, direct_listener: str, relayed: RelayedPeers | None = None) -> None:
        self._listener = direct_listener
        self._relayed = relayed

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], object],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(details)
        if handler is None:
            return None
        method = details.method
        # Requests reach us as bytes and are parsed inside the served scope, so that a malformed
        # message is the client's INVALID_ARGUMENT rather than grpc's UNKNOWN and a traceback.
        parse = _parser(handler.request_deserializer)
        serializer = handler.response_serializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method, parse), None, serializer)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._client_streaming(handler.stream_unary, method, parse), None, serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(handler.unary_stream, method, parse), None, serializer)
        return grpc.stream_stream_rpc_method_handler(
            self._streaming(handler.stream_stream, method, lambda raw: _parsed_stream(raw, parse)),
            None, serializer)

    def _unary(self, behaviour, method: str, parse: Callable[[bytes], object]):
        async def serve(raw: bytes, context: grpc.aio.ServicerContext):
            async with self._served(context, method):
                return await behaviour(parse(raw), context)

        return serve

    def _client_streaming(self, behaviour, method: str, parse: Callable[[bytes], object]):
        async def serve(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext):
            async with self._served(context, method):
                try:
                    return await behaviour(_parsed_stream(requests, parse), context)
                except Exception:
                    # Refused before the client had sent everything: read the rest first. A
                    # grpc.aio client whose write meets an already finished call reports
                    # INTERNAL in place of our status, so it must never write into one.
                    await _discard(requests)
                    raise

        return serve

    def _streaming(self, behaviour, method: str, parse: Callable[[object], object]):
        async def serve(raw, context: grpc.aio.ServicerContext) -> AsyncIterator:
            async with self._served(context, method):
                async for reply in behaviour(parse(raw), context):
                    yield reply

        return serve

    @asynccontextmanager
    async def _served(self, context: grpc.aio.ServicerContext, method: str) -> AsyncIterator[None]:
        """The caller bound for the call's duration, errors turned into statuses, one log line."""
        token = bind_caller(caller_from_context(context, self._listener, self._relayed))
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            yield
        except SwitchyardError as error:
            code = error.code
            await _abort(context, error)
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED  # the client went away or the deadline passed
            raise
        except Exception:
            code = grpc.StatusCode.INTERNAL
            log.exception("unexpected failure in %s", method)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        finally:
            elapsed = time.perf_counter() - started
            record_call(method, code.name, elapsed)
            if log.isEnabledFor(logging.INFO):
                caller = current_caller()
                log.info(
                    "%s %s %.1fms listener=%s peer=%s",
                    method, code.name, elapsed * 1000, caller.listener, caller.peer,
                )
            unbind_caller(token)


def _parser(deserialize: Callable[[bytes], object] | None) -> Callable[[bytes], object]:
    if deserialize is None:
        return lambda raw: raw

    def parse(raw: bytes) -> object:
        try:
            return deserialize(raw)
        except DecodeError as error:
            raise InvalidArgument(f"malformed request message: {error}", reason="MALFORMED_MESSAGE") from None

    return parse


async def _parsed_stream(requests: AsyncIterator[bytes], parse: Callable[[bytes], object]) -> AsyncIterator:
    async for raw in requests:
        yield parse(raw)


# How long a refused client stream is read and dropped before the refusal goes out anyway: as
# long as aiohttp lingers on a request body nobody read, so a client cannot hold a call open.
DISCARD_SECONDS = 10.0


async def _discard(requests: AsyncIterator) -> None:
    try:
        async with asyncio.timeout(DISCARD_SECONDS):
            async for _ in requests:
                pass
    except Exception:  # out of time (TimeoutError), or the stream itself failed
        pass


async def _abort(context: grpc.aio.ServicerContext, error: SwitchyardError) -> None:
    status = status_of(error)
    await context.abort(status.code, status.details, status.trailing_metadata)

