"""Every AMS route refuses hostile input in the LXD-style error envelope (see tests/hostile.py)."""

from __future__ import annotations

import httpx

from rest_gateway.apis import ams
from tests.hostile import misanswered, new_log_lines


def in_envelope(response: httpx.Response) -> bool:
    body = response.json()
    if response.status_code >= 400:
        return body["type"] == "error" and body["error_code"] == response.status_code
    return body["type"] in ("sync", "async")


def test_every_route_refuses_hostile_input_in_its_envelope(fresh_server):
    logged = new_log_lines(fresh_server.log)
    with fresh_server.ams_local() as client:
        assert misanswered(client, ams.ROUTES, in_envelope) == []
    assert "Traceback" not in logged()
