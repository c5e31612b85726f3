"""POST /1.0/containers/<id>/exec: a command's streams over the operation's websockets.

As in LXD: without a terminal, stdin is socket "0", stdout "1" and stderr "2"; with one
(`interactive`), socket "0" is the terminal, input and output. "control" takes JSON text frames:
`{"command": "window-resize", "args": {"width": "80", "height": "24"}}` and
`{"command": "signal", "signal": 15}`. The command starts once every socket is connected, so no
output is lost, and the operation ends with `{"return": <exit code>}`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping

from core.ams.containers import RUNNING, Container
from core.ams.driver import NodeDriver
from core.ams.exec_io import Control, ExecRequest
from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from core.operations.sockets import Frame, Pipe

log = logging.getLogger("switchyard.ams.exec")

# How long the clients have to connect every socket before the command is given up.
CONNECT_TIMEOUT = 60.0
# A client that stopped reading cannot take its close frame; the operation does not wait on it.
CLOSE_TIMEOUT = 5.0


def socket_names(interactive: bool) -> tuple[str, ...]:
    return ("0", "control") if interactive else ("0", "1", "2", "control")


def exec_request(command: list[str], environment: Mapping[str, str], interactive: bool,
                 width: int, height: int) -> ExecRequest:
    """The request as the node driver takes it; a 400 for what no node could run."""
    if not command or not command[0]:
        raise InvalidArgument("command is required", metadata={"field": "command"})
    if width < 0 or height < 0:
        raise InvalidArgument("argument width/height is invalid: must not be negative",
                              metadata={"field": "width" if width < 0 else "height"})
    return ExecRequest(command=tuple(command), environment=dict(environment),
                       interactive=interactive, width=width, height=height)


def require_running(container: Container) -> None:
    if container.status_code != RUNNING:
        raise FailedPrecondition(
            f"container {container.id} is {container.status}: commands run only in a running container",
            reason="CONTAINER_NOT_RUNNING", metadata={"id": container.id, "status": container.status})


async def run_exec(progress, driver: NodeDriver, container: Container, request: ExecRequest) -> dict:
    """The operation's work: wait for the sockets, run the command, close the sockets."""
    names = socket_names(request.interactive)
    try:
        connected = await asyncio.wait_for(
            asyncio.gather(*(progress.sockets.connected(name) for name in names)), CONNECT_TIMEOUT)
    except asyncio.TimeoutError:
        raise Unavailable("websocket connections timed out", reason="EXEC_NOT_CONNECTED") from None
    streams = SocketStreams(dict(zip(names, connected)), request.interactive)
    try:
        code = await driver.exec_command(container.node, container.id, request, streams)
    finally:
        await streams.close()
    return {"return": code}


class SocketStreams:
    """`ExecStreams` over the operation's pipes."""

    def __init__(self, pipes: dict[str, Pipe], interactive: bool) -> None:
        self._pipes = pipes
        self._interactive = interactive
        self._input_ended = False
        self._closed: set[str] = set()

    async def read_input(self) -> bytes | None:
        if self._input_ended:
            return None
        frame = await self._pipes["0"].receive()
        data = _bytes(frame)
        # A closed socket ends stdin; so does an empty frame, LXD's end-of-stream barrier.
        if data is None or (not data and not self._interactive):
            self._input_ended = True
            if not self._interactive:
                await self._close("0")  # nothing else goes out on stdin's socket
            return None
        return data

    async def write_output(self, data: bytes) -> None:
        await self._pipes["0" if self._interactive else "1"].send(data)

    async def write_error(self, data: bytes) -> None:
        await self._pipes["0" if self._interactive else "2"].send(data)

    async def next_control(self) -> Control | None:
        while (frame := await self._pipes["control"].receive()) is not None:
            message = control_message(frame)
            if message is not None:
                return message
        return None

    async def close(self) -> None:
        await asyncio.gather(*(self._close(name) for name in self._pipes))

    async def _close(self, name: str) -> None:
        if name in self._closed:
            return
        self._closed.add(name)
        try:
            await asyncio.wait_for(self._pipes[name].close(), CLOSE_TIMEOUT)
        except asyncio.TimeoutError:
            log.info("exec socket %s: the client stopped reading; not waiting to close it", name)


def control_message(frame: Frame) -> Control | None:
    """One control frame, or None for what is not a control message (it is ignored, as in LXD)."""
    try:
        body = json.loads(frame.data)
        command = body["command"]
        if command == "window-resize":
            args = body.get("args") or {}
            return Control(command, width=int(args["width"]), height=int(args["height"]))
        if command == "signal":
            return Control(command, signal=int(body["signal"]))
    except (ValueError, TypeError, KeyError, RecursionError):
        pass
    log.info("exec control: ignored a frame that is not a resize or a signal")
    return None


def _bytes(frame: Frame | None) -> bytes | None:
    if frame is None:
        return None
    return frame.data.encode() if isinstance(frame.data, str) else frame.data
