"""The AMS/LXD envelope: `sync`, `async` (202 + Location) and `error` with `error_code` = HTTP status.

Every field is always written, as LXD's renderer does and the AMS document shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from rest_gateway.envelopes import json_response
from rest_gateway.status import Failure

# The document allows 400, 401, 403, 404, 409, 412 and 500; 405 (wrong method) and 413
# (upload too large) are added because their meaning has no better home among those.
ALLOWED_ERRORS = frozenset({400, 401, 403, 404, 405, 409, 412, 413, 500})


def sync(metadata: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    body = {
        "type": "sync",
        "status": "Success",
        "status_code": 200,
        "operation": "",
        "error_code": 0,
        "error": "",
        "metadata": metadata,
    }
    return json_response(body, status, headers)


def async_operation(operation: Mapping[str, Any]) -> web.Response:
    url = f"/1.0/operations/{operation['id']}"
    body = {
        "type": "async",
        "status": "Operation created",
        "status_code": 100,
        "operation": url,
        "error_code": 0,
        "error": "",
        "metadata": operation,
    }
    return json_response(body, 202, {"Location": url})


def error(status: int, message: str, metadata: Any = None) -> web.Response:
    if status not in ALLOWED_ERRORS:
        status = 500 if status >= 500 else 400
    body = {
        "type": "error",
        "status": "",
        "status_code": 0,
        "operation": "",
        "error_code": status,
        "error": message,
        "metadata": metadata,
    }
    return json_response(body, status, {"X-Content-Type-Options": "nosniff"})


class AmsEnvelope:
    def failure(self, failure: Failure) -> web.Response:
        return error(failure.http_status, failure.message)


ENVELOPE = AmsEnvelope()


def event(kind: str, timestamp: str, metadata: Any) -> dict[str, Any]:
    """One frame of the events websocket."""
    return {"type": kind, "timestamp": timestamp, "metadata": metadata}
