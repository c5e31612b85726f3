"""Every store route refuses hostile input in the store's error list (see tests/hostile.py)."""

from __future__ import annotations

import httpx

from rest_gateway.apis import confdb
from tests.hostile import misanswered, new_log_lines


def in_envelope(response: httpx.Response) -> bool:
    if response.status_code < 400:
        return True
    errors = response.json()["error_list"]
    return len(errors) >= 1 and all(entry["code"] and entry["message"] for entry in errors)


def test_every_route_refuses_hostile_input_in_its_envelope(publisher):
    logged = new_log_lines(publisher.server.log)
    with publisher.client() as client:
        assert misanswered(client, confdb.ROUTES, in_envelope) == []
    assert "Traceback" not in logged()
