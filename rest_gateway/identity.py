"""What a REST listener verified about its caller, forwarded to the core as gRPC metadata."""

from __future__ import annotations

from aiohttp import web

from core.identity import AUTHORIZATION_KEY, CLIENT_CERT_KEY, LISTENER_KEY, PEER_KEY
from rest_gateway.core_client import Metadata
from core.tls_termination import PEER_CERTIFICATE


def forwarded_identity(request: web.Request, listener: str) -> Metadata:
    metadata: list[tuple[str, str | bytes]] = [(LISTENER_KEY, listener)]
    transport = request.transport
    if transport is not None:
        peer = transport.get_extra_info("peername")
        if peer:
            metadata.append((PEER_KEY, f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)))
        certificate = transport.get_extra_info(PEER_CERTIFICATE)
        if certificate:
            metadata.append((CLIENT_CERT_KEY, certificate))
    authorization = request.headers.get("Authorization")
    if authorization:
        metadata.append((AUTHORIZATION_KEY, authorization.encode("utf-8", "surrogateescape")))
    return tuple(metadata)
