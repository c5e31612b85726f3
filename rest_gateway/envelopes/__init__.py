"""One envelope module per API: each writes its document's success and error bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import web

from rest_gateway.status import Failure


class Envelope(Protocol):
    def failure(self, failure: Failure) -> web.Response: ...


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )
