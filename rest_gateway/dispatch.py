"""Serving one API: match the route, bind the request message, call the core, write the envelope."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import grpc
from aiohttp import web
from google.protobuf.message import Message

from rest_gateway.core_client import CoreClient
from rest_gateway.envelopes import Envelope
from rest_gateway.identity import forwarded_identity
from rest_gateway.metrics import UNMATCHED, record_request
from rest_gateway.router import NoSuchPath, Route, Router, WrongMethod, normalize_path
from rest_gateway.status import Failure, failure_from_rpc_error
from rest_gateway.translate import BindError, from_json, query_value

log = logging.getLogger("switchyard.gateway")


class Api:
    """One REST API on one listener."""

    def __init__(
        self,
        router: Router,
        core: CoreClient,
        listener: str,
        envelope_for_path: Callable[[str], Envelope],
    ) -> None:
        self._router = router
        self._core = core
        self._listener = listener
        self._envelope_for_path = envelope_for_path

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        route, response = await self._serve(request)
        record_request(self._listener, route, request.method, response.status, time.perf_counter() - started)
        return response

    async def _serve(self, request: web.Request) -> tuple[str, web.StreamResponse]:
        """The route template that answered (for metrics) and the response."""
        path = request_path(request)
        try:
            match = self._router.match(request.method, path, request.content_type)
        except WrongMethod as wrong:
            response = self._envelope_for_path(path).failure(
                Failure(405, f"method {request.method} not allowed for {normalize_path(path)}")
            )
            response.headers["Allow"] = ", ".join(wrong.allowed)
            return UNMATCHED, response
        except NoSuchPath:
            return UNMATCHED, self._envelope_for_path(path).failure(Failure(404, "not found"))
        route = match.route
        return route.path, await self._answer(route, request, match.params)

    async def _answer(self, route: Route, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        try:
            identity = forwarded_identity(request, self._listener)
            if route.upload:
                header = await bind(route, request, params, _opening_type(route, "header"))
                reply = await _upload(self._core.client_stream(route.rpc, identity), route, header, request)
                return route.reply(reply, request)
            if route.duplex:
                connect = await bind(route, request, params, _opening_type(route, "connect"))
                call = self._core.duplex(route.rpc, identity)
                await call.write(route.rpc.request_type(connect=connect))
                return await route.bridge(call, request, route.envelope)
            message = await bind(route, request, params, route.rpc.request_type)
            if route.bridge is not None:
                call = self._core.server_stream(route.rpc, message, identity)
                return await route.bridge(call, request, route.envelope)
            reply = await self._core.unary(route.rpc, message, identity, route.timeout)
            return route.reply(reply, request)
        except BindError as error:
            return route.envelope.failure(Failure(400, str(error), grpc.StatusCode.INVALID_ARGUMENT))
        except grpc.aio.AioRpcError as error:
            failure = failure_from_rpc_error(error)
            if failure.reason in route.statuses:
                failure = replace(failure, http_status=route.statuses[failure.reason])
            return route.envelope.failure(failure)
        except web.HTTPException as error:
            # aiohttp's own refusals (a body over the size limit, ...) in the API's envelope.
            return route.envelope.failure(Failure(error.status, error.reason))
        except Exception:
            log.exception("unexpected failure serving %s %s", request.method, request.path)
            return route.envelope.failure(Failure(500, "internal error", grpc.StatusCode.INTERNAL))


def request_path(request: web.Request) -> str:
    """The decoded path as sent: a leading `//` would otherwise be read as a host name."""
    return unquote(request.raw_path.split("?", 1)[0])


async def bind(route: Route, request: web.Request, params: dict[str, str], message_type: type[Message]) -> Message:
    """A request message from path parameters, known query parameters, headers and the body."""
    fields = message_type.DESCRIPTOR.fields_by_name
    values: dict[str, Any] = {}
    for name, raw in request.query.items():
        if name in fields and name not in values:
            if fields[name].is_repeated:  # ?s=a&s=b binds every value
                values[name] = [query_value(fields[name], v) for v in request.query.getall(name)]
            else:
                values[name] = query_value(fields[name], raw)
    for name, raw in params.items():
        values[name] = query_value(fields[name], raw)
    for header, name in route.headers.items():
        if header in request.headers:
            values[name] = query_value(fields[name], request.headers[header])
    if route.body is not None:
        document = await read_json(request, route.optional_body)
        if route.keys is not None:
            document = route.keys(document, route.rpc.request_type)
        if route.body == "*":
            if not isinstance(document, dict):
                raise BindError("request body must be a JSON object")
            values.update(document)
        else:
            values[route.body] = document
    message = from_json(values, message_type())
    if route.raw_body is not None:
        raw = await request.read()
        if len(raw) > RAW_BODY_MAX:
            raise web.HTTPRequestEntityTooLarge(max_size=RAW_BODY_MAX, actual_size=len(raw))
        # Set directly: the JSON mapping would want the bytes base64-encoded first.
        setattr(message, route.raw_body, raw)
    return message


# A raw body reaches the core inside one gRPC message, which the core refuses beyond 4 MiB;
# leaving room for the other fields keeps a body near the listener's 4 MiB limit a 413, not a 429.
RAW_BODY_MAX = 4 * 1024 * 1024 - 64 * 1024


UPLOAD_CHUNK = 256 * 1024


def _opening_type(route: Route, part: str) -> type[Message]:
    """The message type of the `part` a stream's first message carries (an upload's header…)."""
    return type(getattr(route.rpc.request_type(), part))


async def _upload(call: grpc.aio.StreamUnaryCall, route: Route, header: Message, request: web.Request) -> Message:
    """Feed the header, then the body in chunks as it arrives (nothing holds the whole upload),
    and answer the core's reply. If the body cannot be read to its end (the client went away,
    the body is shorter than it said), the call is cancelled so the core drops what it has."""
    try:
        await call.write(route.rpc.request_type(header=header))
        async for chunk in request.content.iter_chunked(UPLOAD_CHUNK):
            await call.write(route.rpc.request_type(data=chunk))
    except BaseException as error:
        if call.done():
            return await call  # the core ended the call first (it stopped…): its status says why
        call.cancel()
        if isinstance(error, Exception):
            raise BindError(f"upload interrupted before its end: {error}") from None
        raise
    await call.done_writing()
    return await call


async def read_json(request: web.Request, optional: bool = False) -> Any:
    raw = await request.read()
    if not raw.strip():
        if optional:
            return {}
        raise BindError("request body is empty")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BindError(f"malformed JSON: {error}") from None
    except RecursionError:  # the decoder recurses per level, valid or not
        raise BindError("malformed JSON: nested too deeply") from None
