"""GET /quote, /api/v2/quote?nonce= and POST /api/v2/sign-quote with simulation quotes."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from core.attestation import parse_quote
from core.attestation.simulation import SimulationAuthority
from tests.coordinator_api.conftest import b64, client, manifest, set_manifest


def _root(server) -> x509.Certificate:
    return x509.load_pem_x509_certificate((server.tls_dir / "coordinator-root.crt").read_bytes())


def _der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)


@pytest.mark.parametrize("path", ["/quote", "/api/v2/quote"])
def test_quote_binds_the_root_certificate_and_says_it_is_simulated(deployed, path):
    with client(deployed) as http:
        data = http.get(path).json()["data"]
    assert set(data) == {"cert", "quote", "simulation"} and data["simulation"] is True
    chain = x509.load_pem_x509_certificates(data["cert"].encode())
    root = _root(deployed)
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=MarbleRun Coordinator - Intermediate CA", "CN=MarbleRun Coordinator"]
    assert chain[1] == root
    quote = parse_quote(base64.b64decode(data["quote"]))
    assert quote.report.report_data[:32] == hashlib.sha256(_der(root)).digest()


def test_quote_with_a_nonce_and_a_bad_nonce(deployed):
    nonce = b"fresh \xff nonce"
    with client(deployed) as http:
        data = http.get("/api/v2/quote", params={"nonce": base64.urlsafe_b64encode(nonce).decode()}).json()["data"]
        bad = http.get("/api/v2/quote", params={"nonce": "not padded"})
    quote = parse_quote(base64.b64decode(data["quote"]))
    assert quote.report.report_data[:32] == hashlib.sha256(_der(_root(deployed)) + nonce).digest()
    assert bad.status_code == 400 and bad.json()["status"] == "fail"
    assert bad.json()["message"].startswith("invalid query: bad nonce format")


def test_quote_is_available_before_a_manifest(fresh_server):
    with client(fresh_server) as http:
        assert http.get("/quote").json()["data"]["simulation"] is True


def test_sign_quote_verifies_and_signs_a_simulation_quote(deployed):
    authority = SimulationAuthority.load_or_create(deployed.data_dir)
    quote = authority.quote(hashlib.sha256(b"some enclave").digest().ljust(64, b"\0"))
    with client(deployed) as http:
        response = http.post("/api/v2/sign-quote", json={"sgxQuote": b64(quote)})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    # No collateral: nothing is known of the TCB level, so the status signed is Unknown.
    assert data["tcbStatus"] == "Unknown" and data["simulation"] is True
    assert data["signature"] == data["verificationSignature"]
    signed = b64(quote).encode() + data["tcbStatus"].encode()
    _root(deployed).public_key().verify(base64.b64decode(data["signature"]), signed, ec.ECDSA(hashes.SHA256()))


def test_sign_quote_fails_for_a_broken_quote(deployed):
    authority = SimulationAuthority.load_or_create(deployed.data_dir)
    quote = bytearray(authority.quote(bytes(64)))
    quote[100] ^= 1  # inside the signed report body
    with client(deployed) as http:
        tampered = http.post("/api/v2/sign-quote", json={"sgxQuote": b64(bytes(quote))})
        garbage = http.post("/api/v2/sign-quote", json={"sgxQuote": b64(b"SGX quote")})
    for response in (tampered, garbage):
        assert response.status_code == 400 and response.json()["status"] == "fail"
        assert response.json()["message"].startswith("quote verification failed: ")


def test_sign_quote_needs_its_feature_gate_and_has_no_v1(fresh_server, users):
    document = manifest(users)
    document["Config"]["FeatureGates"] = []
    with client(fresh_server) as http:
        before = http.post("/api/v2/sign-quote", json={"sgxQuote": b64(b"q")})
        set_manifest(fresh_server, document)
        after = http.post("/api/v2/sign-quote", json={"sgxQuote": b64(b"q")})
        v1 = http.post("/sign-quote", json={"sgxQuote": b64(b"q")})
    for response in (before, after):
        assert response.status_code == 403
        assert response.json()["message"] == "SignQuoteEndpoint feature is not enabled in the manifest"
    assert v1.status_code in (404, 405)
