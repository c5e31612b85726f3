"""Who is calling: one `Caller` per RPC, built once by the interceptor.

TLS ends at the listener that received the request. A REST listener forwards what it verified
(the client certificate, the Authorization header) as metadata over the core's unix socket, the
trusted channel only the gateway uses; a direct gRPC client is known by its own TLS certificate.
"""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass
from functools import cached_property

import grpc
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.mtls_relay import RelayedPeers

# Metadata the gateway sets; honoured only on the core's unix socket.
LISTENER_KEY = "switchyard-listener"
PEER_KEY = "switchyard-peer"
CLIENT_CERT_KEY = "switchyard-client-cert-bin"
AUTHORIZATION_KEY = "switchyard-authorization-bin"

# Listener names. "grpc" is a direct client on the core's mutual-TLS port.
GRPC = "grpc"
AMS = "ams"
AMS_LOCAL = "ams-local"
COORDINATOR = "coordinator"
CONFDB = "confdb"
MARBLE = "marble"


@dataclass(frozen=True)
class Caller:
    listener: str
    peer: str = ""
    certificate_der: bytes | None = None
    authorization: str | None = None

    @cached_property
    def certificate(self) -> x509.Certificate | None:
        if self.certificate_der is None:
            return None
        return x509.load_der_x509_certificate(self.certificate_der)

    @property
    def fingerprint(self) -> str | None:
        """SHA-256 of the certificate's DER, lower-case hex (as AMS and LXD name certificates)."""
        if self.certificate_der is None:
            return None
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def is_operator(self) -> bool:
        """Local socket callers and operator-issued gRPC clients are trusted by position."""
        return self.listener in (AMS_LOCAL, GRPC)


_current: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller")


def current_caller() -> Caller:
    """The caller of the RPC being served."""
    return _current.get()


def bind_caller(caller: Caller) -> contextvars.Token:
    return _current.set(caller)


def unbind_caller(token: contextvars.Token) -> None:
    _current.reset(token)


def caller_from_context(
    context: grpc.aio.ServicerContext, direct_listener: str = GRPC, relayed: RelayedPeers | None = None,
) -> Caller:
    """The caller of this RPC; `direct_listener` names the TCP port's clients. A server behind
    the mutual-TLS relay knows its clients only from `relayed`."""
    peer = context.peer() or ""
    if relayed is not None:
        client = relayed.lookup(peer)
        if client is None:
            return Caller(listener=direct_listener, peer=peer)
        return Caller(listener=direct_listener, peer=client.address, certificate_der=client.certificate_der)
    if peer.startswith("unix:"):
        return _forwarded_caller(context, peer)
    return Caller(listener=direct_listener, peer=peer, certificate_der=_peer_certificate(context))


def _forwarded_caller(context: grpc.aio.ServicerContext, peer: str) -> Caller:
    metadata: dict[str, str | bytes] = {}
    for key, value in context.invocation_metadata() or ():
        metadata.setdefault(key, value)
    certificate = metadata.get(CLIENT_CERT_KEY)
    authorization = metadata.get(AUTHORIZATION_KEY)
    return Caller(
        listener=str(metadata.get(LISTENER_KEY, GRPC)),
        peer=str(metadata.get(PEER_KEY, peer)),
        certificate_der=certificate if isinstance(certificate, bytes) and certificate else None,
        # Forwarded as bytes: a header may hold any octets, gRPC text metadata may not.
        authorization=bytes(authorization).decode("utf-8", "replace") if authorization else None,
    )


def _peer_certificate(context: grpc.aio.ServicerContext) -> bytes | None:
    pems = (context.auth_context() or {}).get("x509_pem_cert")
    if not pems:
        return None
    return x509.load_pem_x509_certificate(pems[0]).public_bytes(Encoding.DER)
