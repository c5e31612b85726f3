"""Marble activation: may this Marble be activated once more, and what does it receive.

The quote was checked against the Marble's package and its TLS certificate before this (by the
attestation service, see `api_marble`). Here the activation limit is enforced and the answer is
built: a fresh leaf certificate and key, the Marble's secrets, its rendered Parameters and the
predefined MARBLE_* variables. The caller persists the returned activation count in the same
transaction that answers the Marble.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.coordinator.manifest import Manifest, Package, Secret
from core.coordinator.pki import CoordinatorPKI, der, issue_marble_certificate, pem
from core.coordinator.secrets import generate_private_secrets
from core.coordinator.templates import TemplateData, marblerun_entries, pem_block, render_parameters
from core.errors import InvalidArgument, PermissionDenied, Unauthenticated


@dataclass(frozen=True)
class ActivationRequest:
    marble_type: str
    uuid: str
    csr_der: bytes
    peer_certificate_der: bytes  # the Marble's TLS client certificate in this session


@dataclass
class ActivationResult:
    files: dict[str, bytes]
    env: dict[str, bytes]
    argv: list[str]
    certificate: x509.Certificate
    private_secrets: dict[str, Secret] = field(default_factory=dict)
    activations: int = 0  # the Marble type's count after this activation (persist when limited)
    count_activation: bool = False  # whether MaxActivations applies, i.e. the count must be stored


def _denied(detail: str) -> PermissionDenied:
    return PermissionDenied(f"marble verification failed: {detail}", reason="MARBLE_VERIFICATION_FAILED")


def marble_package(manifest: Manifest, packages: Mapping[str, Package], marble_type: str) -> Package:
    """The package a Marble of `marble_type` must run, by MarbleRun's first two checks."""
    marble = manifest.Marbles.get(marble_type)
    if marble is None:
        raise _denied("unknown marble type requested")
    package = packages.get(marble.Package)
    if package is None:
        raise _denied("undefined package")
    return package


def activate_marble(
    request: ActivationRequest,
    manifest: Manifest,
    packages: Mapping[str, Package],
    pki: CoordinatorPKI,
    root_secret: bytes,
    secrets: Mapping[str, Secret],
    activations: int,
    previous_secrets: Mapping[str, Secret] | None = None,
) -> ActivationResult:
    """Check, then build the activation answer.

    `packages` is the current package table (SecurityVersions raised by updates), `secrets` the
    stored shared and user-defined secrets, `activations` how often this Marble type has been
    activated so far.
    """
    if not request.peer_certificate_der:
        raise Unauthenticated("couldn't get marble TLS certificate", reason="NO_PEER_CERTIFICATE")
    marble_package(manifest, packages, request.marble_type)
    marble = manifest.Marbles[request.marble_type]
    if marble.MaxActivations and activations >= marble.MaxActivations:
        raise _denied(f'reached max activations count ({marble.MaxActivations}) for marble type "{request.marble_type}"')
    try:
        marble_uuid = uuidlib.UUID(request.uuid)
    except ValueError:
        raise InvalidArgument(f"invalid UUID: {request.uuid}", reason="INVALID_UUID") from None

    cert, key = issue_marble_certificate(pki, request.csr_der, request.marble_type, marble_uuid)
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    leaf = Secret(Private=key_der, Public=key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    leaf.Cert.Raw = der(cert)

    private = generate_private_secrets(manifest, pki, root_secret, marble_uuid, request.marble_type)
    current = {**secrets, **private}
    previous = {**(previous_secrets if previous_secrets is not None else secrets), **private}
    data = TemplateData(current, previous,
                        marblerun_entries(der(pki.root_cert), der(pki.intermediate_cert), der(pki.marble_root_cert), leaf))
    files, env, argv = render_parameters(manifest, request.marble_type, data)

    key_pem = pem_block("PRIVATE KEY", key_der)
    ttls = ttls_config(manifest, request.marble_type, current, pem(pki.marble_root_cert), pem(cert), key_pem)
    if ttls is not None:
        env["MARBLE_TTLS_CONFIG"] = ttls
    env["MARBLE_PREDEFINED_ROOT_CA"] = pem(pki.marble_root_cert)
    env["MARBLE_PREDEFINED_MARBLE_CERTIFICATE_CHAIN"] = pem(cert) + pem(pki.intermediate_cert)
    env["MARBLE_PREDEFINED_PRIVATE_KEY"] = key_pem
    env["MARBLE_PREDEFINED_COORDINATOR_ROOT_CA"] = pem(pki.root_cert)
    limited = marble.MaxActivations > 0
    return ActivationResult(files, env, argv, cert, private, activations + 1 if limited else activations, limited)


def ttls_config(manifest: Manifest, marble_type: str, secrets: Mapping[str, Secret], ca_pem: bytes,
                cert_pem: bytes, key_pem: bytes) -> bytes | None:
    """MARBLE_TTLS_CONFIG for a Marble with TLS tags (None when it has none)."""
    tags = manifest.Marbles[marble_type].TLS
    if not tags:
        return None
    incoming: dict[str, dict] = {}
    outgoing: dict[str, dict] = {}
    for tag in tags:
        entry = manifest.TLS[tag]
        for conn in entry.Outgoing:
            outgoing[f"{conn.Addr}:{conn.Port}"] = {"cacrt": ca_pem.decode(), "clicrt": cert_pem.decode(),
                                                    "clikey": key_pem.decode()}
        for conn in entry.Incoming:
            if conn.Cert:
                s = secrets[conn.Cert]
                incoming[f"*:{conn.Port}"] = {"cacrt": ca_pem.decode(),
                                              "clicrt": pem_block("CERTIFICATE", s.Cert.Raw).decode(),
                                              "clikey": pem_block("PRIVATE KEY", s.Private).decode(),
                                              "clientAuth": False}
            else:
                incoming[f"*:{conn.Port}"] = {"cacrt": ca_pem.decode(), "clicrt": cert_pem.decode(),
                                              "clikey": key_pem.decode(), "clientAuth": True}
    return json.dumps({"tls": {"Incoming": incoming, "Outgoing": outgoing}}).encode()
