"""GET /1.0/operations/<uuid>/websocket: refused in the envelope before any upgrade."""

from __future__ import annotations

import uuid

from tests.ams_api.client import finish


def test_missing_secret_is_400(server):
    with server.ams_local() as client:
        operation = finish(client, client.patch("/1.0/config", json={"name": "registry.filter", "value": "s"}))
        response = client.get(f"/1.0/operations/{operation['id']}/websocket")
    assert response.status_code == 400
    assert response.json()["error"] == "Missing websocket secret"


def test_unknown_operation_is_404(server):
    with server.ams_local() as client:
        response = client.get(f"/1.0/operations/{uuid.uuid4()}/websocket", params={"secret": "x"})
    assert response.status_code == 404


def test_a_task_operation_has_no_websocket(server, client_cert):
    with server.ams_local() as client:
        operation = finish(client, client.patch("/1.0/config", json={"name": "registry.filter", "value": "t"}))
    # Guests may try (the secret is the credential), and are told why it cannot work.
    with server.http("ams") as guest:
        response = guest.get(f"/1.0/operations/{operation['id']}/websocket", params={"secret": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "Only running websocket operations can be connected to"
