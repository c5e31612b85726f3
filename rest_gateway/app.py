"""The gateway's listeners: one aiohttp application per listener, each with its TLS identity."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from OpenSSL import SSL

from rest_gateway.apis import ams, confdb, coordinator
from rest_gateway.core_client import CoreClient
from rest_gateway.dispatch import Api
from rest_gateway.router import Router
from rest_gateway.tls import TlsSite

log = logging.getLogger("switchyard.gateway")

APIS: dict[str, ModuleType] = {"ams": ams, "coordinator": coordinator, "confdb": confdb}
# Bodies above this are refused with 413 unless a route streams them.
MAX_BODY = 4 * 1024 * 1024


class _QuietMalformedRequests(logging.Filter):
    """aiohttp logs a request it cannot parse (a bad header, a line too long) as an error with
    a traceback. The client is answered 400 and nothing of ours failed: one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "malformed HTTP request answered 400: %s", (error.message.splitlines()[0],)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


logging.getLogger("aiohttp.server").addFilter(_QuietMalformedRequests())


@dataclass(frozen=True)
class Listener:
    """Where one API is served: TCP with TLS, or a unix socket (trusted local access)."""

    name: str  # the identity listener name forwarded to the core
    api: str  # a key of APIS
    host: str = ""
    port: int = 0
    tls: SSL.Context | None = None
    unix_path: Path | None = None


class Gateway:
    def __init__(self, core_target: str, listeners: list[Listener], shutdown_grace: float = 10.0) -> None:
        self._core = CoreClient(core_target)
        self._listeners = listeners
        self._grace = shutdown_grace
        self._runners: list[web.AppRunner] = []
        self.ports: dict[str, int] = {}

    async def start(self) -> dict[str, int]:
        for listener in self._listeners:
            module = APIS[listener.api]
            api = Api(Router(module.ROUTES), self._core, listener.name, module.envelope_for_path)
            app = web.Application(client_max_size=MAX_BODY)
            app.router.add_route("*", "/{tail:.*}", api)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=self._grace)
            await runner.setup()
            self._runners.append(runner)
            if listener.unix_path is not None:
                listener.unix_path.unlink(missing_ok=True)
                site: web.BaseSite = web.UnixSite(runner, str(listener.unix_path))
                await site.start()
                listener.unix_path.chmod(0o600)
            else:
                assert listener.tls is not None
                site = TlsSite(runner, listener.host, listener.port, listener.tls)
                await site.start()
                self.ports[listener.name] = site.port
        return self.ports

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        await self._core.close()
