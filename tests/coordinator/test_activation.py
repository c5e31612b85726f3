"""Marble activation: MaxActivations, and what the Marble receives (the quote is checked by the
attestation service before this, see tests/attestation/test_policy.py)."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.coordinator.activation import ActivationRequest, activate_marble
from core.coordinator.manifest import parse_manifest
from core.coordinator.secrets import generate_shared_secrets
from core.errors import InvalidArgument, PermissionDenied, Unauthenticated
from tests.coordinator.conftest import manifest_bytes, manifest_dict

PEER = b"the marble's self-signed TLS certificate (DER)"


def _csr() -> bytes:
    key = ec.generate_private_key(ec.SECP384R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MarbleRun Marble")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def world(pki):
    m = manifest_dict()
    m["TLS"] = {"web": {"Incoming": [{"Port": "8443"}], "Outgoing": [{"Addr": "db", "Port": "5432"}]}}
    m["Marbles"]["server"]["TLS"] = ["web"]
    manifest = parse_manifest(manifest_bytes(m))
    return manifest, generate_shared_secrets(manifest, pki)


def _activate(world, pki, marble="server", activations=0, uid=None, peer=PEER):
    manifest, secrets = world
    request = ActivationRequest(marble, uid or str(uuid.uuid4()), _csr(), peer)
    return activate_marble(request, manifest, manifest.Packages, pki, b"r" * 32, secrets, activations)


def test_activation_answers_certificate_secrets_and_parameters(world, pki):
    manifest, secrets = world
    result = _activate(world, pki)
    result.certificate.verify_directly_issued_by(pki.marble_root_cert)
    assert result.files["/key"] == secrets["symShared"].Private
    assert result.env["CERT"].startswith(b"-----BEGIN CERTIFICATE-----")
    assert result.env["PRIV"] == result.private_secrets["symPrivate"].Private.hex().encode()
    assert result.argv == ["server", "--verbose"]
    chain = x509.load_pem_x509_certificates(result.env["MARBLE_PREDEFINED_MARBLE_CERTIFICATE_CHAIN"])
    assert chain == [result.certificate, pki.intermediate_cert]
    assert x509.load_pem_x509_certificate(result.env["MARBLE_PREDEFINED_ROOT_CA"]) == pki.marble_root_cert
    assert x509.load_pem_x509_certificate(result.env["MARBLE_PREDEFINED_COORDINATOR_ROOT_CA"]) == pki.root_cert
    key = serialization.load_pem_private_key(result.env["MARBLE_PREDEFINED_PRIVATE_KEY"], None)
    assert key.public_key() == result.certificate.public_key()
    ttls = json.loads(result.env["MARBLE_TTLS_CONFIG"])["tls"]
    assert ttls["Incoming"]["*:8443"]["clientAuth"] is True and "db:5432" in ttls["Outgoing"]
    assert (result.activations, result.count_activation) == (1, True)


def test_max_activations(world, pki):
    assert _activate(world, pki, activations=1).activations == 2
    with pytest.raises(PermissionDenied, match=r'reached max activations count \(2\) for marble type "server"'):
        _activate(world, pki, activations=2)


def test_unlimited_marble_is_not_counted(world, pki):
    result = _activate(world, pki, marble="client", activations=100)
    assert result.count_activation is False


def test_unknown_type_bad_uuid_and_missing_certificate_are_refused(world, pki):
    with pytest.raises(PermissionDenied, match="unknown marble type requested"):
        _activate(world, pki, marble="ghost")
    with pytest.raises(InvalidArgument, match="invalid UUID"):
        _activate(world, pki, uid="not-a-uuid")
    with pytest.raises(Unauthenticated):
        _activate(world, pki, peer=b"")


def test_private_secrets_are_stable_per_uuid(world, pki):
    uid = str(uuid.uuid4())
    a = _activate(world, pki, uid=uid)
    b = _activate(world, pki, uid=uid)
    assert a.env["PRIV"] == b.env["PRIV"]
    assert a.certificate.serial_number != b.certificate.serial_number
