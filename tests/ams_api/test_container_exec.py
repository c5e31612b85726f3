"""POST /1.0/containers/<id>/exec over the wire: a websocket-class operation whose sockets carry
the command's stdin, stdout, stderr and control, as the AMS Go SDK's ExecuteContainer uses it.
The commands are those the simulated driver imitates."""

from __future__ import annotations

import asyncio
import json
import signal
from contextlib import asynccontextmanager

import aiohttp
import pytest

from tests.ams_api.client import finish
from tests.ams_api.test_containers import add_image, add_node, launched
from tests.server import running_server

FDS = {"0", "1", "2", "control"}


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """A server of its own with a node, an image and one running container."""
    with running_server(tmp_path_factory.mktemp("exec") / "data") as server:
        with server.ams_local() as client:
            add_node(client, "lxd0", "10.0.0.10")
            image = add_image(client, tmp_path_factory.mktemp("images"))
            container = launched(client, image_id=image, instance_type="a2.3")
            assert container["status"] == "running"
            yield server, client, container["id"]


def execute(client, container_id: str, command: list[str], **fields):
    """The SDK's body: every key written, an unset environment as null."""
    body = {"command": command, "environment": None, "interactive": False, "width": 0, "height": 0}
    return client.post(f"/1.0/containers/{container_id}/exec", json={**body, **fields})


def started(response) -> dict:
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["type"] == "async"
    return body["metadata"]


@asynccontextmanager
async def connected(server, operation: dict, names=None):
    """Every socket of the operation (or `names`), each with its own secret."""
    connector = aiohttp.UnixConnector(path=str(server.data_dir / "ams.sock"))
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"http://unix/1.0/operations/{operation['id']}/websocket"
        sockets = {}
        try:
            for name, secret in operation["metadata"]["fds"].items():
                if names is None or name in names:
                    sockets[name] = await session.ws_connect(url, params={"secret": secret})
            yield sockets
        finally:
            for socket in sockets.values():
                await socket.close()


async def drain(socket: aiohttp.ClientWebSocketResponse, timeout: float = 10.0) -> bytes:
    """Every byte the server sends on one socket until it closes it."""
    out = b""
    while True:
        message = await asyncio.wait_for(socket.receive(), timeout)
        if message.type == aiohttp.WSMsgType.BINARY:
            out += message.data
        elif message.type == aiohttp.WSMsgType.TEXT:
            out += message.data.encode()
        else:
            return out


async def non_interactive(server, operation: dict, stdin: list[bytes] = ()) -> tuple[bytes, bytes]:
    """Write stdin on "0" and close it (EOF), read stdout and stderr to their end."""
    async with connected(server, operation) as sockets:
        for chunk in stdin:
            await sockets["0"].send_bytes(chunk)
        await sockets["0"].close()
        return await asyncio.gather(drain(sockets["1"]), drain(sockets["2"]))


def returned(client, operation: dict) -> dict:
    waited = client.get(f"/1.0/operations/{operation['id']}/wait", params={"timeout": "10"})
    assert waited.status_code == 200, waited.text
    final = waited.json()["metadata"]
    assert final["status"] == "Success", final
    return final


def test_exec_answers_a_websocket_operation_with_a_secret_per_socket(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["true"]))
    assert operation["class"] == "websocket"
    assert operation["description"] == "Executing command"
    assert set(operation["metadata"]["fds"]) == FDS
    assert len(set(operation["metadata"]["fds"].values())) == 4
    assert operation["resources"] == {"containers": [f"/1.0/containers/{container_id}"]}
    asyncio.run(non_interactive(server, operation))
    final = returned(client, operation)
    assert final["metadata"] == {"return": 0}
    assert final["resources"] == {"containers": [f"/1.0/containers/{container_id}"]}


def test_echo_writes_its_arguments_on_stdout(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["echo", "hello", "anbox"]))
    stdout, stderr = asyncio.run(non_interactive(server, operation))
    assert (stdout, stderr) == (b"hello anbox\n", b"")
    assert returned(client, operation)["metadata"] == {"return": 0}


def test_cat_copies_stdin_to_stdout_until_eof(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["cat"]))
    stdout, stderr = asyncio.run(non_interactive(server, operation, [b"first line\n", b"\x00\xffbinary"]))
    assert (stdout, stderr) == (b"first line\n\x00\xffbinary", b"")
    assert returned(client, operation)["metadata"] == {"return": 0}


def test_env_shows_the_environment_given(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["env"], environment={"GREETING": "hi there"}))
    stdout, _ = asyncio.run(non_interactive(server, operation))
    lines = stdout.decode().splitlines()
    assert "GREETING=hi there" in lines and "HOME=/root" in lines
    # The container's own token is not in a command's environment.
    assert not any(line.startswith("AMS_CONTAINER_TOKEN") for line in lines)


def test_getprop_reads_an_android_property(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["getprop", "ro.build.version.sdk"]))
    stdout, _ = asyncio.run(non_interactive(server, operation))
    assert stdout == b"33\n"


@pytest.mark.parametrize("command, code", [
    (["sh", "-c", "exit 3"], 3), (["false"], 1), (["true"], 0), (["/bin/sh", "-c", "exit 0"], 0),
    (["sleep", "nan"], 1), (["sleep", "-1"], 1), (["sleep", "0.01"], 0),
])
def test_the_exit_code_is_the_operations_return(running, command, code):
    server, client, container_id = running
    operation = started(execute(client, container_id, command))
    asyncio.run(non_interactive(server, operation))
    assert returned(client, operation)["metadata"] == {"return": code}


def test_an_unknown_command_is_127_with_a_message_on_stderr(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["adb", "shell"]))
    stdout, stderr = asyncio.run(non_interactive(server, operation))
    assert (stdout, stderr) == (b"", b"adb: command not found\n")
    assert returned(client, operation)["metadata"] == {"return": 127}


async def terminal_session(server, operation: dict) -> tuple[bytes, bytes]:
    async with connected(server, operation) as sockets:
        assert set(sockets) == {"0", "control"}
        await sockets["control"].send_str(json.dumps(
            {"command": "window-resize", "args": {"width": "132", "height": "43"}}))
        await sockets["0"].send_bytes(b"typed\n")
        typed = b""
        while typed != b"typed\n":
            message = await asyncio.wait_for(sockets["0"].receive(), 10)
            assert message.type == aiohttp.WSMsgType.BINARY, message
            typed += message.data
        await sockets["0"].send_bytes(b"\x04")  # Ctrl-D: the end of input on a terminal
        return typed, await drain(sockets["0"])


def test_interactive_exec_is_a_terminal_on_0_with_a_control_socket(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["cat"], interactive=True, width=80, height=24))
    assert set(operation["metadata"]["fds"]) == {"0", "control"}
    typed, tail = asyncio.run(terminal_session(server, operation))
    assert (typed, tail) == (b"typed\n", b"")
    assert returned(client, operation)["metadata"] == {"return": 0}


def test_interactive_window_size_follows_the_request(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["stty", "size"], interactive=True, width=100, height=30))

    async def session():
        async with connected(server, operation) as sockets:
            return await drain(sockets["0"])

    assert asyncio.run(session()) == b"30 100\n"
    assert returned(client, operation)["metadata"] == {"return": 0}


def test_a_signal_on_the_control_socket_ends_the_command(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["sleep", "30"], interactive=True))

    async def session():
        async with connected(server, operation) as sockets:
            await sockets["control"].send_str(json.dumps({"command": "signal", "signal": int(signal.SIGTERM)}))
            return await drain(sockets["0"])

    assert asyncio.run(session()) == b""
    assert returned(client, operation)["metadata"] == {"return": 128 + signal.SIGTERM}


def test_a_wrong_secret_is_403_and_the_right_one_still_works(running):
    server, client, container_id = running
    operation = started(execute(client, container_id, ["echo", "still here"]))
    refused = client.get(f"/1.0/operations/{operation['id']}/websocket", params={"secret": "0" * 64})
    assert refused.status_code == 403
    assert refused.json()["type"] == "error"
    stdout, _ = asyncio.run(non_interactive(server, operation))
    assert stdout == b"still here\n"


def test_exec_in_a_stopped_container_is_400(running):
    server, client, _ = running
    container = launched(client, image_id="android", instance_type="a2.3")
    stopped = finish(client, client.patch(f"/1.0/containers/{container['id']}", json={"desired_status": "stopped"}))
    assert stopped["status"] == "Success", stopped
    response = execute(client, container["id"], ["echo", "hi"])
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error" and body["error_code"] == 400
    assert body["error"] == f"container {container['id']} is stopped: commands run only in a running container"


def test_exec_in_a_container_never_started_is_400(running):
    server, client, _ = running
    container = launched(client, image_id="android", instance_type="a2.3", no_start=True)
    assert execute(client, container["id"], ["echo", "hi"]).status_code == 400


def test_exec_without_a_command_is_400_and_an_unknown_container_404(running):
    server, client, container_id = running
    assert execute(client, container_id, []).status_code == 400
    assert execute(client, "c0ffee0000000000000000", ["true"]).status_code == 404


def test_the_container_exec_extension_is_advertised(running):
    server, client, _ = running
    assert "container_exec" in client.get("/1.0").json()["metadata"]["api_extensions"]
