"""JSend, as the Coordinator writes it: `success` with `data`; `fail` (v2 only) for requests the
client got wrong; `error` with `message` otherwise. `data` is always present."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rest_gateway.envelopes import json_response
from rest_gateway.status import Failure


def success(data: Any) -> web.Response:
    return json_response({"status": "success", "data": data})


def fail(status: int, message: str, data: Any = None) -> web.Response:
    return json_response({"status": "fail", "data": data, "message": message}, status)


def error(status: int, message: str) -> web.Response:
    return json_response({"status": "error", "data": None, "message": message}, status)


class JSendEnvelope:
    def __init__(self, version: int) -> None:
        self.version = version

    def failure(self, failure: Failure) -> web.Response:
        if self.version >= 2 and failure.client_error:
            return fail(failure.http_status, failure.message)
        return error(failure.http_status, failure.message)


V1 = JSendEnvelope(1)
V2 = JSendEnvelope(2)
