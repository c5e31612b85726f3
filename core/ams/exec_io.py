"""What a node driver is handed to run a command in a container (LXD's exec).

The driver sees plain streams, not websockets: `core.ams.exec` turns the operation's sockets
into an `ExecStreams`, so a real LXD driver can forward them to LXD's own exec sockets and the
simulated one can run its commands against them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_WIDTH = 80
DEFAULT_HEIGHT = 24


@dataclass(frozen=True)
class ExecRequest:
    command: tuple[str, ...]
    environment: Mapping[str, str] = field(default_factory=dict)
    interactive: bool = False
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT


@dataclass(frozen=True)
class Control:
    """One message of the control socket: a window resize or a signal for the command."""

    command: str  # "window-resize" | "signal"
    width: int = 0
    height: int = 0
    signal: int = 0


class ExecStreams(Protocol):
    async def read_input(self) -> bytes | None:
        """The next bytes of the command's stdin; None once it has ended."""

    async def write_output(self, data: bytes) -> None:
        """Bytes the command wrote to stdout (the terminal, when interactive)."""

    async def write_error(self, data: bytes) -> None:
        """Bytes the command wrote to stderr (the terminal, when interactive)."""

    async def next_control(self) -> Control | None:
        """The next control message; None once the control socket has closed."""
