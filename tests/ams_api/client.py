"""AMS clients for tests: the trusted unix socket, TLS with a client certificate, events."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx

from tests.server import RunningServer


def finish(client: httpx.Client, response: httpx.Response, timeout: float = 30) -> dict[str, Any]:
    """Follow an async answer to its final operation (as `amc` does), checking the envelope."""
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["type"] == "async" and body["status_code"] == 100
    assert response.headers["location"] == body["operation"]
    # The client must outwait the server, which answers when the operation ends or `timeout` passes.
    waited = client.get(body["operation"] + "/wait", params={"timeout": str(timeout)}, timeout=timeout + 30)
    assert waited.status_code == 200, waited.text
    return waited.json()["metadata"]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@asynccontextmanager
async def events(server: RunningServer, types: str | None = None):
    """The events websocket over the trusted unix socket."""
    connector = aiohttp.UnixConnector(path=str(server.data_dir / "ams.sock"))
    async with aiohttp.ClientSession(connector=connector) as session:
        params = {"type": types} if types is not None else {}
        async with session.ws_connect("http://unix/1.0/events", params=params) as socket:
            yield socket


async def next_event(socket: aiohttp.ClientWebSocketResponse, timeout: float = 30.0) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive(), timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def operation_events(socket, operation_id: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every `operation` event of one operation, up to and including its final one."""
    seen = []
    while True:
        event = await next_event(socket, timeout)
        if event["type"] == "operation" and event["metadata"]["id"] == operation_id:
            seen.append(event)
            if event["metadata"]["status_code"] >= 200:
                return seen
