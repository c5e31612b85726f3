"""Generated secrets of every type and size, user uploads, output shapes and who may read them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from core.coordinator.manifest import Secret, parse_manifest
from core.coordinator.secrets import (
    generate_private_secrets,
    generate_secret,
    generate_shared_secrets,
    parse_user_secrets,
    secret_from_json,
    secret_to_json,
    secrets_response_v1,
    secrets_response_v2,
)
from core.coordinator.users import (
    match_user,
    require_read_secrets,
    require_update_manifest,
    require_update_packages,
    require_write_secret,
    users_from_manifest,
)
from core.errors import InvalidArgument, PermissionDenied, Unauthenticated
from tests.coordinator.conftest import manifest_bytes, manifest_dict


def _cert(secret: Secret) -> x509.Certificate:
    return x509.load_der_x509_certificate(secret.Cert.Raw)


@pytest.mark.parametrize("size, curve", [(224, "secp224r1"), (256, "secp256r1"), (384, "secp384r1"),
                                         (521, "secp521r1")])
def test_cert_ecdsa_sizes(pki, size, curve):
    s = generate_secret(Secret(Type="cert-ecdsa", Size=size, Shared=True), pki, shared=True)
    cert = _cert(s)
    assert cert.public_key().curve.name == curve
    key = serialization.load_der_private_key(s.Private, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.public_key() == cert.public_key()
    assert serialization.load_der_public_key(s.Public) == cert.public_key()
    cert.verify_directly_issued_by(pki.marble_root_cert)


def test_cert_rsa_and_ed25519(pki):
    r = generate_secret(Secret(Type="cert-rsa", Size=2048, Shared=True), pki, shared=True)
    assert isinstance(_cert(r).public_key(), rsa.RSAPublicKey) and _cert(r).public_key().key_size == 2048
    e = generate_secret(Secret(Type="cert-ed25519", Shared=True), pki, shared=True)
    assert isinstance(_cert(e).public_key(), ed25519.Ed25519PublicKey)
    assert isinstance(serialization.load_der_private_key(e.Private, None), ed25519.Ed25519PrivateKey)


@pytest.mark.parametrize("size", [8, 128, 256, 1024])
def test_shared_symmetric_keys_have_their_size(pki, size):
    s = generate_secret(Secret(Type="symmetric-key", Size=size, Shared=True), pki, shared=True)
    assert len(s.Private) == size // 8 and s.Private == s.Public and not s.Cert.Raw


def test_default_certificate_fields(pki):
    s = generate_secret(Secret(Type="cert-ecdsa", Size=256), pki, shared=True)
    cert = _cert(s)
    assert s.ValidFor == 365
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "localhost"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=365)
    assert cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "MarbleRun Coordinator - Intermediate CA"


def test_certificate_template_and_valid_for(pki):
    m = parse_manifest(json.dumps({"Secrets": {
        "ca": {"Type": "cert-ecdsa", "Size": 384, "Shared": True, "ValidFor": 7,
               "Cert": {"Subject": {"CommonName": "my ca", "Organization": ["Acme"]}, "IsCA": True,
                        "DNSNames": ["a.example", "b.example"], "KeyUsage": 33, "ExtKeyUsage": [2]}},
        "fixed": {"Type": "cert-ecdsa", "Size": 256, "Shared": True, "Cert": {"NotAfter": "2031-02-03T00:00:00Z"}},
        "multi": {"Type": "cert-ed25519", "Shared": True, "Cert": {"DNSNames": ["x", "y"]}},
    }, "Marbles": {"m": {}}}).encode())
    out = generate_shared_secrets(m, pki)
    ca = _cert(out["ca"])
    assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Acme"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == dt.timedelta(days=7)
    assert list(ca.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    assert _cert(out["fixed"]).not_valid_after_utc == dt.datetime(2031, 2, 3, tzinfo=dt.timezone.utc)
    assert out["fixed"].ValidFor == 0
    assert _cert(out["multi"]).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "MarbleRun Generated Certificate"


def test_private_symmetric_keys_derive_from_root_secret(pki):
    m = parse_manifest(manifest_bytes(manifest_dict()))
    root, marble_uuid = b"r" * 32, uuid.uuid4()
    first = generate_private_secrets(m, pki, root, marble_uuid, "server")
    again = generate_private_secrets(m, pki, root, marble_uuid, "server")
    other = generate_private_secrets(m, pki, root, uuid.uuid4(), "server")
    assert set(first) == {"symPrivate"}
    assert first["symPrivate"].Private == again["symPrivate"].Private != other["symPrivate"].Private
    expected = HKDF(hashes.SHA256(), 32, f"{marble_uuid}symPrivate".encode(), b"server").derive(root)
    assert first["symPrivate"].Private == expected
    m.Marbles["server"].DisableSecretBinding = True
    unbound = generate_private_secrets(m, pki, root, marble_uuid, "server")
    assert unbound["symPrivate"].Private == HKDF(hashes.SHA256(), 32, f"{marble_uuid}symPrivate".encode(),
                                                 b"").derive(root)


def test_shared_generation_skips_private_and_keeps_user_defined_empty(pki):
    m = parse_manifest(manifest_bytes(manifest_dict()))
    out = generate_shared_secrets(m, pki)
    assert set(out) == {"symShared", "certShared", "userKey", "userCert", "userPlain"}
    assert secret_to_json(out["userPlain"]) == {"Type": "plain", "Size": 0, "Shared": False, "UserDefined": True,
                                                "Cert": None, "ValidFor": 0, "Private": None, "Public": None}


def test_output_shapes_round_trip(pki):
    s = generate_secret(Secret(Type="cert-ecdsa", Size=256, Shared=True), pki, shared=True)
    shape = secret_to_json(s)
    assert list(shape) == ["Type", "Size", "Shared", "UserDefined", "Cert", "ValidFor", "Private", "Public"]
    assert base64.b64decode(shape["Cert"]) == s.Cert.Raw  # base64 of DER, not of PEM
    assert secret_from_json(shape) == s
    assert secrets_response_v2({"c": s}) == {"secrets": secrets_response_v1({"c": s})}


# ---- uploads ---------------------------------------------------------------------------------

def _definitions():
    return parse_manifest(manifest_bytes(manifest_dict())).Secrets


def _user_cert_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "uploaded")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(5).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def test_valid_uploads_of_each_type():
    cert_der = _user_cert_der()
    body = json.dumps({
        "userKey": {"key": base64.b64encode(b"k" * 16).decode()},
        "userCert": {"CERT": base64.b64encode(cert_der).decode(), "private": base64.b64encode(b"any").decode()},
        "userPlain": {"Key": base64.b64encode(b"\x00binary").decode()},
    }).encode()
    out = parse_user_secrets(body, _definitions())
    assert out["userKey"].Private == out["userKey"].Public == b"k" * 16
    assert out["userCert"].Cert.Raw == cert_der and out["userCert"].Private == b"any"
    assert out["userCert"].Public == x509.load_der_x509_certificate(cert_der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert out["userPlain"].Public == b"\x00binary"
    # v2 hands over the already decoded `secrets` object
    assert parse_user_secrets({"userKey": {"Key": base64.b64encode(b"z" * 16).decode()}}, _definitions())


@pytest.mark.parametrize("body, fragment", [
    ({}, "no new secrets defined"),
    ({"ghost": {"Key": "AA=="}}, "which the original manifest does not contain"),
    ({"symShared": {"Key": "AA=="}}, "secret symShared is not writeable"),
    ({"userKey": {"Key": base64.b64encode(b"short").decode()}}, "declared size and actual size don't match: userKey"),
    ({"userKey": {"Key": base64.b64encode(b"k" * 16).decode(), "Private": "AA=="}}, "specified values for a certificate"),
    ({"userCert": {"Key": "AA=="}}, "specified values for a symmetric key"),
    ({"userCert": {"Private": "AA=="}}, "no certificate provided"),
    ({"userCert": {"Cert": "AAAA"}}, "malformed certificate"),
    ({"userPlain": {"Key": "AA==", "Cert": "AA=="}}, "specified values for a certificate"),
])
def test_invalid_uploads(body, fragment):
    with pytest.raises(InvalidArgument) as err:
        parse_user_secrets(json.dumps(body).encode(), _definitions())
    assert fragment in err.value.message


# ---- users and permissions --------------------------------------------------------------------

def test_user_matching_and_permissions(users):
    m = parse_manifest(manifest_bytes(manifest_dict(users)))
    table = users_from_manifest(m)
    alice = match_user(table, [b"some other cert", users["alice"].cert_der])
    assert alice.name == "alice"
    bob = match_user(table, [users["bob"].cert_der])
    require_read_secrets(alice, ["symShared", "userKey"])
    require_write_secret(alice, "userKey")
    require_update_packages(alice, ["backend"])
    require_update_manifest(bob)
    with pytest.raises(PermissionDenied, match=r"user bob is not allowed to read one or more secrets of: \[symShared userKey\]"):
        require_read_secrets(bob, ["symShared", "userKey"])
    with pytest.raises(PermissionDenied, match="user bob is not allowed to update secret: userKey"):
        require_write_secret(bob, "userKey")
    with pytest.raises(PermissionDenied, match=r"not allowed to update one or more packages of \[backend\]"):
        require_update_packages(bob, ["backend"])
    with pytest.raises(Unauthenticated, match="client certificate did not match any MarbleRun users"):
        match_user(table, [users["carol"].cert_der])
    assert type(alice).from_json(alice.to_json()) == alice
