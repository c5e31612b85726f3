"""Operations and events over the wire: async answers, wait, cancel, the events websocket."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from tests.ams_api.client import events, finish, next_event, operation_events, wait_until

OPERATION_KEYS = {
    "id", "class", "description", "created_at", "updated_at", "status", "status_code",
    "resources", "metadata", "may_cancel", "err", "server_address",
}


def rfc3339(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"{text} has no zone"
    return parsed


def test_an_async_call_answers_202_with_location_and_the_operation(server):
    with server.ams_local() as client:
        response = client.patch("/1.0/config", json={"name": "scheduler.strategy", "value": "binpack"})
        assert response.status_code == 202
        body = response.json()
        assert list(body) == ["type", "status", "status_code", "operation", "error_code", "error", "metadata"]
        operation = body["metadata"]
        assert body["type"] == "async" and body["status"] == "Operation created" and body["status_code"] == 100
        assert body["operation"] == f"/1.0/operations/{operation['id']}" == response.headers["location"]
        assert set(operation) == OPERATION_KEYS
        uuid.UUID(operation["id"])
        assert operation["class"] == "task"
        assert operation["description"] == "Applying configuration"
        rfc3339(operation["created_at"]), rfc3339(operation["updated_at"])
        final = finish(client, response)
        assert (final["status"], final["status_code"], final["err"]) == ("Success", 200, "")
        assert client.get("/1.0/config").json()["metadata"]["config"]["scheduler.strategy"] == "binpack"


def test_get_and_list_operations(server):
    with server.ams_local() as client:
        operation = finish(client, client.patch("/1.0/config", json={"name": "registry.filter", "value": "a"}))
        shown = client.get(f"/1.0/operations/{operation['id']}")
        assert shown.status_code == 200 and shown.json()["metadata"] == operation
        urls = client.get("/1.0/operations").json()["metadata"]
        assert f"/1.0/operations/{operation['id']}" in urls["success"]
        objects = client.get("/1.0/operations", params={"recursion": "1"}).json()["metadata"]
        assert operation in objects["success"]


def test_unknown_operation_is_404(server):
    with server.ams_local() as client:
        response = client.get(f"/1.0/operations/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["error"] == "Operation not found"


def test_events_websocket_sees_every_transition_of_an_operation(server):
    async def scenario():
        async with events(server, "operation") as socket:
            with server.ams_local() as client:
                response = client.patch("/1.0/config", json={"name": "container.features", "value": "x"})
                operation_id = response.json()["metadata"]["id"]
            seen = await operation_events(socket, operation_id)
        return seen

    seen = asyncio.run(scenario())
    assert [event["metadata"]["status"] for event in seen] == ["Operation created", "Running", "Success"]
    for event in seen:
        assert list(event) == ["type", "timestamp", "metadata"]
        assert event["type"] == "operation"
        rfc3339(event["timestamp"])
        assert set(event["metadata"]) == OPERATION_KEYS


def test_final_event_carries_the_resources(slow_server):
    async def scenario():
        async with events(slow_server, "operation") as socket:
            with slow_server.ams_local() as client:
                response = client.post("/1.0/nodes", json={"name": "res-node", "address": "10.1.0.1"})
            return await operation_events(socket, response.json()["metadata"]["id"])

    final = asyncio.run(scenario())[-1]["metadata"]
    assert final["status"] == "Success"
    assert final["resources"] == {"nodes": ["/1.0/nodes/res-node"]}


def test_logging_events_carry_the_service_log(server):
    async def scenario():
        async with events(server, "logging") as socket:
            with server.ams_local() as client:
                client.get("/1.0/version")
            return await next_event(socket)

    event = asyncio.run(scenario())
    assert event["type"] == "logging"
    assert set(event["metadata"]) == {"message", "level", "context"}
    assert event["metadata"]["level"] in ("info", "warning", "error", "debug")


def test_unknown_event_type_is_refused_before_the_upgrade(server):
    with server.ams_local() as client:
        response = client.get("/1.0/events", params={"type": "operation,bogus"})
    assert response.status_code == 400
    assert response.json()["error"] == '"bogus" is not a supported event type'


def test_events_need_a_trusted_caller(server, client_cert):
    with server.http("ams", cert=client_cert) as client:
        response = client.get("/1.0/events")
    assert response.status_code == 403


def test_wait_with_a_timeout_returns_the_operation_as_it_stands(slow_server):
    with slow_server.ams_local() as client:
        response = client.post("/1.0/nodes", json={"name": "wait-node", "address": "10.1.0.2"})
        url = response.json()["operation"]
        for timeout in ("0.5", "500ms"):
            waited = client.get(url + "/wait", params={"timeout": timeout})
            assert waited.status_code == 200
            assert waited.json()["metadata"]["status"] == "Running"
        final = client.get(url + "/wait").json()["metadata"]
        assert final["status"] == "Success"


@pytest.mark.parametrize("timeout", ["soon", "-2", "nan", "inf", "1e999"])
def test_wait_timeout_must_be_a_duration(server, timeout):
    with server.ams_local() as client:
        operation = finish(client, client.patch("/1.0/config", json={"name": "registry.filter", "value": "b"}))
        response = client.get(f"/1.0/operations/{operation['id']}/wait", params={"timeout": timeout})
    assert response.status_code == 400
    assert response.json()["error"] == f"argument timeout is invalid: {timeout!r}"


def test_cancel_stops_a_cancellable_operation(slow_server):
    with slow_server.ams_local() as client:
        response = client.post("/1.0/nodes", json={"name": "cancel-node", "address": "10.1.0.3"})
        operation = response.json()["metadata"]
        assert operation["may_cancel"] is True
        wait_until(lambda: client.get(response.json()["operation"]).json()["metadata"]["status"] == "Running")
        cancelled = client.delete(response.json()["operation"])
        assert cancelled.status_code == 202
        assert cancelled.json()["type"] == "sync"
        final = client.get(response.json()["operation"] + "/wait").json()["metadata"]
        assert (final["status"], final["status_code"]) == ("Cancelled", 401)
        assert final["err"]
        assert client.get("/1.0/nodes/cancel-node").status_code == 404


def test_an_operation_that_cannot_be_cancelled_says_so(server):
    with server.ams_local() as client:
        operation = finish(client, client.patch("/1.0/config", json={"name": "registry.filter", "value": "c"}))
        response = client.delete(f"/1.0/operations/{operation['id']}")
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["error"] == "Only running operations can be cancelled"


def test_tasks_show_work_in_progress(slow_server):
    with slow_server.ams_local() as client:
        response = client.post("/1.0/nodes", json={"name": "task-node", "address": "10.1.0.4"})
        operation_id = response.json()["metadata"]["id"]
        expected = {"id": operation_id, "status": "running", "object_id": "task-node", "object_type": "node"}
        wait_until(lambda: expected in client.get("/1.0/tasks").json()["metadata"])
        finish(client, response)
        assert all(task["id"] != operation_id for task in client.get("/1.0/tasks").json()["metadata"])


@pytest.mark.parametrize("path", ["/1.0/operations", "/1.0/tasks", "/1.0/config", "/1.0/nodes", "/1.0/certificates"])
def test_protected_endpoints_refuse_guests_and_untrusted_callers(server, client_cert, path):
    for cert in (None, client_cert):
        with server.http("ams", cert=cert) as client:
            response = client.get(path)
        assert response.status_code == 403
        assert response.json() == {
            "type": "error", "status": "", "status_code": 0, "operation": "",
            "error_code": 403, "error": "not authorized", "metadata": None,
        }
