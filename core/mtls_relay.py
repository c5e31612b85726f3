"""Mutual TLS that requires *a* client certificate but trusts none, in front of a gRPC server.

MarbleRun's Marble listener demands a client certificate without verifying it: the Marble's
quote binds that certificate, and the TLS handshake proves the Marble holds its key. Python
gRPC can only require certificates it verifies against fixed roots, so such a port is served
here instead: `core.tls_termination` ends the TLS (ALPN h2), and the plaintext HTTP/2 is relayed
to the gRPC server on a loopback port. Every relayed connection leaves from a loopback port of
its own, so the gRPC side learns from `context.peer()` whose certificate stands behind a call.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from core.tls_termination import PEER_CERTIFICATE, TlsServerProtocol, server_context

log = logging.getLogger("switchyard.mtls")

LOOPBACK = "127.0.0.1"
_GRPC_LOOPBACK_PREFIX = f"ipv4:{LOOPBACK}:"
# Bytes a side may queue for the other before it stops reading.
HIGH_WATER = 256 * 1024


@dataclass(frozen=True)
class RelayedPeer:
    address: str  # the client's, as gRPC writes peers ("ipv4:host:port")
    certificate_der: bytes


class RelayedPeers:
    """Which client is behind each relayed connection, by the relay's loopback source port."""

    def __init__(self) -> None:
        self._by_port: dict[int, RelayedPeer] = {}

    def lookup(self, grpc_peer: str) -> RelayedPeer | None:
        """The client behind a call whose gRPC peer is `grpc_peer`; None unless it came through
        the relay (a local process that dials the loopback port directly is nobody)."""
        if not grpc_peer.startswith(_GRPC_LOOPBACK_PREFIX):
            return None
        port = grpc_peer[len(_GRPC_LOOPBACK_PREFIX):]
        return self._by_port.get(int(port)) if port.isdigit() else None

    def add(self, port: int, peer: RelayedPeer) -> None:
        self._by_port[port] = peer

    def remove(self, port: int) -> None:
        self._by_port.pop(port, None)


class _Upstream(asyncio.Protocol):
    """The loopback connection to the gRPC server; what it answers goes back to the client."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay

    def data_received(self, data: bytes) -> None:
        self._relay.to_client(data)

    def pause_writing(self) -> None:
        self._relay.client_reading(False)

    def resume_writing(self) -> None:
        self._relay.client_reading(True)

    def connection_lost(self, exc: Exception | None) -> None:
        self._relay.upstream_lost()


class _Relay(asyncio.Protocol):
    """The plaintext side of one client connection (after the handshake), relayed upstream."""

    def __init__(self, upstream_port: int, peers: RelayedPeers) -> None:
        self._upstream_port = upstream_port
        self._peers = peers
        self._client: asyncio.Transport | None = None
        self._upstream: asyncio.Transport | None = None
        self._pending: list[bytes] = []
        self._source_port: int | None = None
        self._connecting: asyncio.Task | None = None
        self._closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._client = transport  # type: ignore[assignment]
        self._connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        assert self._client is not None
        loop = asyncio.get_running_loop()
        try:
            upstream, _ = await loop.create_connection(lambda: _Upstream(self), LOOPBACK, self._upstream_port)
        except OSError as error:
            log.warning("relay to the gRPC server failed: %s", error)
            self._client.close()
            return
        if self._closed:
            upstream.close()
            return
        upstream.set_write_buffer_limits(HIGH_WATER)
        self._source_port = upstream.get_extra_info("sockname")[1]
        client = RelayedPeer(_grpc_address(self._client.get_extra_info("peername")),
                             self._client.get_extra_info(PEER_CERTIFICATE))
        # Registered before the first byte goes up, so the server never sees an unknown peer.
        self._peers.add(self._source_port, client)
        self._upstream = upstream
        for data in self._pending:
            upstream.write(data)
        self._pending.clear()

    def data_received(self, data: bytes) -> None:
        if self._upstream is not None:
            self._upstream.write(data)
        else:
            self._pending.append(data)

    def to_client(self, data: bytes) -> None:
        if self._client is not None and not self._client.is_closing():
            self._client.write(data)

    def client_reading(self, reading: bool) -> None:
        if self._client is not None and not self._client.is_closing():
            (self._client.resume_reading if reading else self._client.pause_reading)()

    def pause_writing(self) -> None:
        if self._upstream is not None:
            self._upstream.pause_reading()

    def resume_writing(self) -> None:
        if self._upstream is not None:
            self._upstream.resume_reading()

    def eof_received(self) -> bool:
        return False  # HTTP/2 has no half-close: the connection ends

    def upstream_lost(self) -> None:
        if self._client is not None:
            self._client.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._source_port is not None:
            self._peers.remove(self._source_port)
        if self._upstream is not None:
            self._upstream.close()


def _grpc_address(peername: tuple) -> str:
    host, port = peername[:2]
    return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"


async def start_relay(
    host: str, port: int, chain: list[x509.Certificate], key_path: Path, upstream_port: int, peers: RelayedPeers,
) -> asyncio.Server:
    """Listen on `host:port`; each client must present a certificate, any certificate."""
    context = server_context(chain, key_path, protocol=b"h2", require_certificate=True)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: TlsServerProtocol(context, lambda: _Relay(upstream_port, peers)), host, port, reuse_address=True
    )
