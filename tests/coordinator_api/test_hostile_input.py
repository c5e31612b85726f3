"""Every Coordinator route refuses hostile input in JSend (see tests/hostile.py), here with a
manifest set and a user whose roles reach the deeper checks."""

from __future__ import annotations

import httpx

from rest_gateway.apis import coordinator
from tests.coordinator_api.conftest import client, manifest, set_manifest
from tests.hostile import misanswered, new_log_lines


def in_envelope(response: httpx.Response) -> bool:
    body = response.json()
    if response.status_code >= 400:
        expected = ("fail", "error") if response.url.path.startswith("/api/v2") else ("error",)
        return body["status"] in expected and isinstance(body["message"], str)
    return body["status"] == "success"


def test_every_route_refuses_hostile_input_in_its_envelope(fresh_server, users):
    set_manifest(fresh_server, manifest(users))
    logged = new_log_lines(fresh_server.log)
    with client(fresh_server, users["alice"]) as alice:
        assert misanswered(alice, coordinator.ROUTES, in_envelope) == []
    assert "Traceback" not in logged()
