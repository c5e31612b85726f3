"""The Coordinator's CAs, the manifest signature (checked by the openssl CLI) and Marble leaves."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import subprocess
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.coordinator.pki import (
    MARBLE_TYPE_OID,
    CoordinatorPKI,
    issue_marble_certificate,
    manifest_fingerprint,
    renew_intermediate,
    sign_manifest,
    sign_quote_verification,
    verify_root_signature,
)
from core.coordinator.setup import manifest_response_v1, manifest_response_v2
from core.errors import InvalidArgument


def _cn(name: x509.Name) -> str:
    return name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_three_cas_with_marbleruns_names_keys_and_usages(pki):
    assert _cn(pki.root_cert.subject) == _cn(pki.root_cert.issuer) == "MarbleRun Coordinator"
    assert _cn(pki.intermediate_cert.subject) == "MarbleRun Coordinator - Intermediate CA"
    assert _cn(pki.intermediate_cert.issuer) == "MarbleRun Coordinator"
    assert pki.marble_root_cert.subject == pki.marble_root_cert.issuer == pki.intermediate_cert.subject
    assert pki.marble_root_cert.public_key() == pki.intermediate_cert.public_key()
    for cert in (pki.root_cert, pki.intermediate_cert, pki.marble_root_cert):
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
        assert cert.public_key().curve.name == "secp384r1"
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert ku.digital_signature and ku.key_cert_sign
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
        assert cert.not_valid_after_utc - cert.not_valid_before_utc > dt.timedelta(days=365 * 290)
    pki.intermediate_cert.verify_directly_issued_by(pki.root_cert)
    pki.marble_root_cert.verify_directly_issued_by(pki.marble_root_cert)


def test_chain_is_intermediate_then_root(pki):
    certs = x509.load_pem_x509_certificates(pki.chain_pem())
    assert certs == [pki.intermediate_cert, pki.root_cert]


def test_store_round_trip_and_renewal_keeps_root(pki):
    assert CoordinatorPKI.from_store(pki.to_store()).to_store() == pki.to_store()
    renewed = renew_intermediate(pki)
    assert renewed.root_cert == pki.root_cert
    assert renewed.intermediate_cert.public_key() != pki.intermediate_cert.public_key()
    renewed.intermediate_cert.verify_directly_issued_by(pki.root_cert)


def test_manifest_signature_verifies_with_openssl(pki, tmp_path):
    raw = b'{"Packages": {"p": {}},\r\n "Marbles": {}}\n'  # exact bytes, newlines included
    signature = sign_manifest(pki, raw)
    (tmp_path / "manifest.json").write_bytes(raw)
    (tmp_path / "manifest.sig").write_bytes(signature)
    (tmp_path / "root.crt").write_bytes(pki.root_cert.public_bytes(serialization.Encoding.PEM))
    pubkey = subprocess.run(["openssl", "x509", "-in", "root.crt", "-pubkey", "-noout"], cwd=tmp_path,
                            check=True, capture_output=True).stdout
    (tmp_path / "root.pubkey").write_bytes(pubkey)
    ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "root.pubkey", "-signature", "manifest.sig",
                         "manifest.json"], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout
    (tmp_path / "manifest.json").write_bytes(raw.strip())
    changed = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "root.pubkey", "-signature",
                              "manifest.sig", "manifest.json"], cwd=tmp_path, capture_output=True, text=True)
    assert changed.returncode != 0


def test_fingerprint_and_get_manifest_shapes(pki):
    raw = b'{"Packages":{},"Marbles":{}}\n'
    signature = sign_manifest(pki, raw)
    assert manifest_fingerprint(raw) == hashlib.sha256(raw).hexdigest()
    v1 = manifest_response_v1(raw, signature)
    assert base64.b64decode(v1["Manifest"]) == raw and v1["ManifestSignature"] == manifest_fingerprint(raw)
    assert verify_root_signature(pki.root_cert, raw, base64.b64decode(v1["ManifestSignatureRootECDSA"]))
    assert manifest_response_v2(raw, signature)["manifestFingerprint"] == manifest_fingerprint(raw)
    assert manifest_response_v1(None, None) == {"ManifestSignatureRootECDSA": None, "ManifestSignature": "",
                                                "Manifest": None}


def test_sign_quote_signature_covers_base64_quote_and_tcb_status(pki):
    quote = b"\x03\x00quote bytes"
    signature = sign_quote_verification(pki, quote, "UpToDate")
    pki.root_cert.public_key().verify(signature, base64.b64encode(quote) + b"UpToDate", ec.ECDSA(hashes.SHA256()))


def _csr(dns: str = "marble.local") -> bytes:
    key = ec.generate_private_key(ec.SECP384R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MarbleRun Marble")]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.DER)


def test_marble_leaf_certificate(pki):
    marble_uuid = uuid.uuid4()
    cert, key = issue_marble_certificate(pki, _csr(), "backend", marble_uuid)
    assert _cn(cert.subject) == str(marble_uuid)
    assert cert.issuer == pki.marble_root_cert.subject
    cert.verify_directly_issued_by(pki.marble_root_cert)
    assert cert.public_key() == key.public_key()
    assert cert.extensions.get_extension_for_oid(MARBLE_TYPE_OID).value.value == b"backend"
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.key_agreement and not ku.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.DNSName) == ["marble.local"]


def test_garbage_csr_is_rejected(pki):
    with pytest.raises(InvalidArgument, match="CSR"):
        issue_marble_certificate(pki, b"not a csr", "backend", uuid.uuid4())
