"""Websocket-class operations: each named socket of an operation is reached with its own secret.

The operation's work talks to its sockets through `Pipe`s; a client connects through the
gateway (GET /1.0/operations/<id>/websocket?secret=…), which the core bridges into the pipe.
Both directions are bounded: a side that stops reading makes the other side wait, not grow.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import FailedPrecondition

FRAME_LIMIT = 64


@dataclass(frozen=True)
class Frame:
    data: bytes | str

    @property
    def is_text(self) -> bool:
        return isinstance(self.data, str)


class Pipe:
    """One socket of an operation. The operation uses `send`/`receive`; the client side uses
    `deliver`/`collect`. `None` from `receive`/`collect` means the other side closed."""

    def __init__(self) -> None:
        self._to_operation: asyncio.Queue[Frame | None] = asyncio.Queue(FRAME_LIMIT)
        self._to_client: asyncio.Queue[Frame | None] = asyncio.Queue(FRAME_LIMIT)
        self.connected = asyncio.Event()

    async def send(self, data: bytes | str) -> None:
        await self._to_client.put(Frame(data))

    async def receive(self) -> Frame | None:
        return await self._to_operation.get()

    async def close(self) -> None:
        await self._to_client.put(None)

    async def deliver(self, frame: Frame | None) -> None:
        await self._to_operation.put(frame)

    async def collect(self) -> Frame | None:
        return await self._to_client.get()


class Sockets:
    """The sockets of one operation, by name (LXD names them "0", "1", "2", "control")."""

    def __init__(self, names: Iterable[str]) -> None:
        self.secrets = {name: secrets.token_hex(32) for name in names}
        self._pipes = {name: Pipe() for name in self.secrets}

    async def connected(self, name: str) -> Pipe:
        """The pipe of `name` once a client has connected to it."""
        pipe = self._pipes[name]
        await pipe.connected.wait()
        return pipe

    def claim(self, secret: str) -> Pipe | None:
        """The pipe this secret opens, once: a second connection with it is refused."""
        for name, known in self.secrets.items():
            if secrets.compare_digest(known, secret):
                pipe = self._pipes[name]
                if pipe.connected.is_set():
                    raise FailedPrecondition("websocket already connected", reason="SOCKET_IN_USE")
                pipe.connected.set()
                return pipe
        return None
