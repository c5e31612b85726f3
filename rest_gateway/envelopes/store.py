"""The Snap Store dashboard's JSON: plain bodies, errors as an `error_list` of coded entries."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rest_gateway.envelopes import json_response
from rest_gateway.status import Failure

# Store codes for failures whose domain reason is not already one (see notes/confdb.md 3.6).
CODE_BY_STATUS = {
    400: "bad-request",
    401: "macaroon-permission-required",
    403: "resource-forbidden",
    404: "resource-not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "request-too-large",
}


def ok(data: Any, status: int = 200) -> web.Response:
    return json_response(data, status)


def error(status: int, code: str, message: str, extra: dict[str, str] | None = None) -> web.Response:
    entry: dict[str, Any] = {"code": code, "message": message}
    if extra:
        entry["extra"] = extra
    return json_response({"error_list": [entry]}, status)


def _is_store_code(reason: str) -> bool:
    return bool(reason) and reason == reason.lower()


class StoreEnvelope:
    def failure(self, failure: Failure) -> web.Response:
        """The code is the domain's `metadata["code"]`, else a store-style reason, else the
        status's usual code; the remaining metadata (e.g. the field at fault) goes in `extra`."""
        extra = dict(failure.metadata)
        code = extra.pop("code", "")
        if not code:
            code = failure.reason if _is_store_code(failure.reason) else CODE_BY_STATUS.get(
                failure.http_status, "internal-error")
        return error(failure.http_status, code, failure.message, extra or None)


ENVELOPE = StoreEnvelope()
