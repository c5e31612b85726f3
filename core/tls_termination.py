"""TLS terminated with pyOpenSSL over memory BIOs, accepting any client certificate.

Python's ssl module and gRPC check a client certificate during the handshake and abort when
they cannot verify it. AMS (trust-password registration), the Coordinator (users named by
certificate in the manifest) and the Marble listener (the quote binds the certificate) must
instead accept any certificate and decide afterwards whom it belongs to. A pyOpenSSL verify
callback can accept every certificate; running the connection over memory BIOs lets it sit
between asyncio's socket transport and any asyncio protocol (aiohttp's, or a relay's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

log = logging.getLogger("switchyard.tls")

# The largest plaintext record TLS carries; writes are cut to it.
RECORD_SIZE = 16384
HANDSHAKE_TIMEOUT = 30.0
PEER_CERTIFICATE = "peercert_der"


def server_context(chain: list[x509.Certificate], key_path: Path, protocol: bytes = b"http/1.1",
                   require_certificate: bool = False) -> SSL.Context:
    """A server context that asks for a client certificate (or insists on one) and accepts any it
    is given; ALPN may select `protocol` only."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_options(SSL.OP_NO_COMPRESSION | SSL.OP_NO_RENEGOTIATION | SSL.OP_CIPHER_SERVER_PREFERENCE)
    context.use_certificate(chain[0])
    for extra in chain[1:]:
        context.add_extra_chain_cert(extra)
    context.use_privatekey_file(str(key_path))
    context.check_privatekey()
    # Trust is decided by the API (fingerprints, manifest users), never by the handshake.
    mode = SSL.VERIFY_PEER | SSL.VERIFY_CLIENT_ONCE
    if require_certificate:
        mode |= SSL.VERIFY_FAIL_IF_NO_PEER_CERT
    context.set_verify(mode, lambda *_: True)
    context.set_session_id(b"switchyard")
    context.set_alpn_select_callback(
        lambda _connection, offered: protocol if protocol in offered else SSL.NO_OVERLAPPING_PROTOCOLS
    )
    return context


class _TlsTransport(asyncio.Transport):
    """The transport aiohttp writes to: plaintext in, TLS records out through the socket."""

    def __init__(self, tls: TlsServerProtocol) -> None:
        super().__init__()
        self._tls = tls

    def get_extra_info(self, name, default=None):
        if name == PEER_CERTIFICATE:
            return self._tls.peer_certificate
        if name == "sslcontext":
            return self._tls.context
        if name == "ssl_object":
            return self._tls.connection
        return self._tls.raw.get_extra_info(name, default)

    def write(self, data) -> None:
        self._tls.send(data)

    def writelines(self, list_of_data) -> None:
        for data in list_of_data:
            self._tls.send(data)

    def is_closing(self) -> bool:
        return self._tls.closing or self._tls.raw.is_closing()

    def close(self) -> None:
        self._tls.close()

    def abort(self) -> None:
        self._tls.raw.abort()

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self._tls.raw.pause_reading()

    def resume_reading(self) -> None:
        self._tls.raw.resume_reading()

    def is_reading(self) -> bool:
        return self._tls.raw.is_reading()

    def get_write_buffer_size(self) -> int:
        return self._tls.raw.get_write_buffer_size()

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        self._tls.raw.set_write_buffer_limits(high, low)

    def get_write_buffer_limits(self):
        return self._tls.raw.get_write_buffer_limits()

    def set_protocol(self, protocol) -> None:
        self._tls.app = protocol

    def get_protocol(self):
        return self._tls.app


class TlsServerProtocol(asyncio.Protocol):
    """Runs the server side of one TLS connection and feeds the plaintext to `app_factory()`."""

    def __init__(self, context: SSL.Context, app_factory: Callable[[], asyncio.Protocol]) -> None:
        self.context = context
        self._app_factory = app_factory
        self.app: asyncio.Protocol | None = None
        self.raw: asyncio.Transport
        self.connection = SSL.Connection(context, None)
        self.connection.set_accept_state()
        self.peer_certificate: bytes | None = None
        self.closing = False
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.raw = transport  # type: ignore[assignment]
        self._timer = asyncio.get_running_loop().call_later(HANDSHAKE_TIMEOUT, self.raw.abort)

    def data_received(self, data: bytes) -> None:
        try:
            self.connection.bio_write(data)
            if self.app is None and not self._handshake():
                return
            self._receive_plaintext()
        except SSL.Error as error:
            log.debug("TLS connection dropped: %s", error)
            self._flush()
            self.raw.abort()

    def _handshake(self) -> bool:
        try:
            self.connection.do_handshake()
        except SSL.WantReadError:
            self._flush()
            return False
        self._flush()
        if self._timer is not None:
            self._timer.cancel()
        peer = self.connection.get_peer_certificate(as_cryptography=True)
        self.peer_certificate = peer.public_bytes(Encoding.DER) if peer is not None else None
        self.app = self._app_factory()
        self.app.connection_made(_TlsTransport(self))
        return True

    def _receive_plaintext(self) -> None:
        while self.app is not None and not self.raw.is_closing():
            try:
                chunk = self.connection.recv(65536)
            except SSL.WantReadError:
                break
            except SSL.ZeroReturnError:
                # The peer said close_notify: the stream has ended.
                if not self.app.eof_received():
                    self.close()
                break
            self.app.data_received(chunk)
        self._flush()

    def send(self, data) -> None:
        if self.closing or self.raw.is_closing():
            return
        view = memoryview(data).cast("B")
        try:
            while view:
                sent = self.connection.send(view[:RECORD_SIZE].tobytes())
                view = view[sent:]
        except SSL.Error as error:
            log.debug("TLS write failed: %s", error)
            self.raw.abort()
            return
        self._flush()

    def close(self) -> None:
        if self.closing:
            return
        self.closing = True
        try:
            self.connection.shutdown()
        except SSL.Error:
            pass  # the peer is gone already; closing the socket is all that is left
        self._flush()
        self.raw.close()

    def _flush(self) -> None:
        while True:
            try:
                records = self.connection.bio_read(65536)
            except SSL.WantReadError:
                return
            if not records:
                return
            self.raw.write(records)

    def eof_received(self) -> bool:
        if self.app is not None:
            self.app.eof_received()
        return False

    def pause_writing(self) -> None:
        if self.app is not None:
            self.app.pause_writing()

    def resume_writing(self) -> None:
        if self.app is not None:
            self.app.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.app is not None:
            self.app.connection_lost(exc)
