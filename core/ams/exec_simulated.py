"""The commands a SIMULATED container runs for `SimulatedDriver.exec_command`.

No process is started anywhere: a few commands are imitated against the streams so that exec
can be driven end to end without LXD. What a shell would do is followed where it shows (exit
codes, messages on stderr, 127 for an unknown command, 128+N after signal N); everything else
is answered "command not found". The Android properties are fixed, simulated values.
"""

from __future__ import annotations

import asyncio
import math
import shlex
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.ams.exec_io import ExecRequest, ExecStreams

# The environment LXD gives a command unless the request overrides it.
DEFAULT_ENVIRONMENT = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "USER": "root",
    "LANG": "C.UTF-8",
}
# Ctrl-D: the end of input a terminal's line discipline turns into EOF.
END_OF_TRANSMISSION = b"\x04"
NOT_FOUND = 127


def android_properties(architecture: str) -> dict[str, str]:
    return {
        "ro.product.cpu.abi": "arm64-v8a" if architecture == "aarch64" else "x86_64",
        "ro.build.version.release": "13",
        "ro.build.version.sdk": "33",
        "ro.product.manufacturer": "Anbox (simulated)",
        "ro.boot.container": "1",
    }


@dataclass
class Session:
    """One simulated command and its terminal."""

    request: ExecRequest
    streams: ExecStreams
    architecture: str
    width: int
    height: int
    killed_by: int = 0

    async def out(self, text: str) -> None:
        await self.streams.write_output(text.encode())

    async def err(self, text: str) -> None:
        # A terminal has one output: stderr lands beside stdout, as with a pty.
        write = self.streams.write_output if self.request.interactive else self.streams.write_error
        await write(text.encode())


Command = Callable[[Session, list[str]], Awaitable[int]]


async def run_simulated(session: Session) -> int:
    """Run the session's command; answers its exit code (128+N when signal N ended it)."""
    command = asyncio.create_task(_run(session, list(session.request.command)))
    control = asyncio.create_task(_follow_control(session, command))
    try:
        return await command
    except asyncio.CancelledError:
        if session.killed_by and not _being_cancelled():
            return 128 + session.killed_by
        raise
    finally:
        control.cancel()


async def _follow_control(session: Session, command: asyncio.Task) -> None:
    """Resizes change the window; a signal other than the harmless ones ends the command."""
    while (message := await session.streams.next_control()) is not None:
        if message.command == "window-resize" and message.width > 0 and message.height > 0:
            session.width, session.height = message.width, message.height
        elif message.command == "signal" and message.signal > 0 and message.signal not in IGNORED_SIGNALS:
            session.killed_by = message.signal
            command.cancel()
            return


def _being_cancelled() -> bool:
    """Whether the caller itself is cancelled (the operation ends), not only the command."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _run(session: Session, argv: list[str]) -> int:
    if not argv:
        return 0
    name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    command = COMMANDS.get(name)
    if command is None:
        await session.err(f"{argv[0]}: command not found\n")
        return NOT_FOUND
    return await command(session, args)


async def _echo(session: Session, args: list[str]) -> int:
    newline = not (args and args[0] == "-n")
    await session.out(" ".join(args[0 if newline else 1:]) + ("\n" if newline else ""))
    return 0


async def _cat(session: Session, args: list[str]) -> int:
    if args and args != ["-"]:
        # The simulated container has no files to show.
        for path in args:
            await session.err(f"cat: {path}: No such file or directory\n")
        return 1
    while (data := await session.streams.read_input()) is not None:
        if session.request.interactive and END_OF_TRANSMISSION in data:
            data = data.split(END_OF_TRANSMISSION, 1)[0]
            if data:
                await session.streams.write_output(data)
            return 0
        await session.streams.write_output(data)
    return 0


async def _env(session: Session, args: list[str]) -> int:
    environment = {**DEFAULT_ENVIRONMENT, **({"TERM": "xterm"} if session.request.interactive else {}),
                   **session.request.environment}
    await session.out("".join(f"{key}={value}\n" for key, value in environment.items()))
    return 0


async def _getprop(session: Session, args: list[str]) -> int:
    properties = android_properties(session.architecture)
    if args:
        # Android prints an empty line for a property nobody set.
        await session.out(properties.get(args[0], args[1] if len(args) > 1 else "") + "\n")
    else:
        await session.out("".join(f"[{key}]: [{value}]\n" for key, value in sorted(properties.items())))
    return 0


async def _sh(session: Session, args: list[str]) -> int:
    if len(args) < 2 or args[0] != "-c":
        await session.err("sh: only `sh -c SCRIPT` is simulated\n")
        return 2
    words = shlex.split(args[1])
    if words and words[0] == "exit":
        try:
            return int(words[1]) % 256 if len(words) > 1 else 0
        except ValueError:
            await session.err(f"sh: 1: exit: Illegal number: {words[1]}\n")
            return 2
    return await _run(session, words)


async def _sleep(session: Session, args: list[str]) -> int:
    if not args:
        await session.err("sleep: missing operand\n")
        return 1
    try:
        seconds = float(args[0])
    except ValueError:
        seconds = math.nan
    if not seconds >= 0:  # as coreutils: NaN and negative intervals are refused, "inf" sleeps on
        await session.err(f"sleep: invalid time interval '{args[0]}'\n")
        return 1
    await asyncio.sleep(seconds)
    return 0


async def _stty(session: Session, args: list[str]) -> int:
    if not session.request.interactive:
        await session.err("stty: 'standard input': Inappropriate ioctl for device\n")
        return 1
    if args == ["size"]:
        await session.out(f"{session.height} {session.width}\n")
    return 0


async def _true(session: Session, args: list[str]) -> int:
    return 0


async def _false(session: Session, args: list[str]) -> int:
    return 1


COMMANDS: dict[str, Command] = {
    "echo": _echo, "cat": _cat, "env": _env, "getprop": _getprop, "sh": _sh, "sleep": _sleep,
    "stty": _stty, "true": _true, "false": _false,
}

# Signals a command takes without dying (a resize tells it the window changed).
IGNORED_SIGNALS = {int(signal.SIGWINCH), int(signal.SIGCHLD)}
