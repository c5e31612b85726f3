"""The REST listeners' sites: aiohttp served over `core.tls_termination`."""

from __future__ import annotations

import asyncio

from aiohttp import web
from OpenSSL import SSL

from core.tls_termination import TlsServerProtocol


class TlsSite(web.BaseSite):
    """An aiohttp site whose connections are terminated by `TlsServerProtocol`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, context: SSL.Context) -> None:
        super().__init__(runner)
        self._host, self._port, self._context = host, port, context

    @property
    def name(self) -> str:
        return f"https://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        http = self._runner.server
        assert http is not None
        self._server = await loop.create_server(
            lambda: TlsServerProtocol(self._context, http), self._host, self._port, reuse_address=True
        )
