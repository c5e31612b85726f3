"""Route tables: a route is one line naming method, path, RPC, reply and envelope.

The gateway does its own matching so that doubled and trailing slashes are tolerated without
redirects, and so that a known path with the wrong method is told apart from an unknown path.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.message import Message

from rest_gateway.core_client import DEFAULT_TIMEOUT, Rpc
from rest_gateway.envelopes import Envelope

Reply = Callable[[Message, web.Request], web.StreamResponse]
# Serves a server-streaming call (e.g. as a websocket); errors go out through the envelope.
Bridge = Callable[[grpc.aio.UnaryStreamCall, web.Request, Envelope], Awaitable[web.StreamResponse]]
KeyRule = Callable[[Any, type[Message]], Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/1.0/nodes/{name}": each {name} matches one path segment
    rpc: Rpc
    reply: Reply
    envelope: Envelope
    # None: the request has no body; "*": the JSON object is the request message; otherwise
    # the JSON value goes into the field of that name.
    body: str | None = None
    # An absent or empty body binds as {} instead of being refused.
    optional_body: bool = False
    # Rewrites the JSON body's keys before binding (MarbleRun accepts any key casing).
    keys: KeyRule | None = None
    # HTTP header → request field, e.g. {"If-Match": "if_match"}.
    headers: Mapping[str, str] = field(default_factory=dict)
    # None lets the call run until the core answers (long waits bound their own time).
    timeout: float | None = DEFAULT_TIMEOUT
    # Set for server-streaming RPCs; `reply` is then unused.
    bridge: Bridge | None = None
    # The body streams to a client-streaming RPC: a `header` message bound from the path, query
    # and `headers`, then the bytes as `data` messages.
    upload: bool = False
    # A bidirectional RPC bridged as a whole by `bridge`: its first message's `connect` part is
    # bound from the path and query.
    duplex: bool = False
    # The request's bytes, as sent, go into this bytes field (bodies that are not JSON, e.g. a
    # signed document); the 4 MiB body limit applies. Pair with `headers` for Content-Type.
    raw_body: str | None = None
    # Error reason → HTTP status, where a document gives a reason a status of its own (e.g. 410).
    statuses: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    route: Route
    params: Mapping[str, str]


class NoSuchPath(LookupError):
    pass


class WrongMethod(LookupError):
    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = list(allowed)


_SLASHES = re.compile(r"/{2,}")
UPLOAD_CONTENT_TYPE = "application/octet-stream"


def normalize_path(path: str) -> str:
    path = _SLASHES.sub("/", path)
    return path.rstrip("/") or "/"


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = [(_compile(route.path), route) for route in routes]

    def match(self, method: str, path: str, content_type: str = "") -> Match:
        """The route for `method` on `path`. Where an upload route and a JSON route share both,
        a body sent as application/octet-stream goes to the upload."""
        path = normalize_path(path)
        allowed, candidates = [], []
        for pattern, route in self._routes:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method:
                candidates.append(Match(route, found.groupdict()))
            allowed.append(route.method)
        if candidates:
            is_upload = content_type == UPLOAD_CONTENT_TYPE
            return next((c for c in candidates if c.route.upload == is_upload), candidates[0])
        if allowed:
            raise WrongMethod(sorted(set(allowed)))
        raise NoSuchPath(path)


def _compile(template: str) -> re.Pattern[str]:
    pattern = ""
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>[^/]+)"
    return re.compile(pattern)
