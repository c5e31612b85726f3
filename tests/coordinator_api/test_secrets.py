"""GET/POST /secrets and /api/v2/secrets: mutual TLS, allowed only by the users' roles."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.coordinator_api.conftest import b64, client

SECRET_KEYS = {"type", "size", "shared", "userDefined", "cert", "validFor", "private", "public"}


@pytest.mark.parametrize("path", ["/secrets", "/api/v2/secrets"])
def test_alice_reads_generated_secrets_in_each_version_shape(deployed, users, path):
    with client(deployed, users["alice"]) as http:
        response = http.get(path, params=[("s", "symShared"), ("s", "certShared")])
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    secrets = data["secrets"] if path.startswith("/api/v2") else data
    assert set(secrets) == {"symShared", "certShared"}
    sym, cert = secrets["symShared"], secrets["certShared"]
    assert set(sym) == SECRET_KEYS and set(cert) == SECRET_KEYS
    assert (sym["type"], sym["size"], sym["shared"], sym["userDefined"], sym["cert"]) == (
        "symmetric-key", 128, True, False, None)
    assert len(base64.b64decode(sym["private"])) == 16 and sym["private"] == sym["public"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(cert["cert"]))
    assert certificate.issuer.rfc4514_string() == "CN=MarbleRun Coordinator - Intermediate CA"
    assert cert["validFor"] == 365
    # Issued under the foundation's intermediate CA (whose key the marble root shares).
    intermediate = x509.load_pem_x509_certificate((deployed.tls_dir / "coordinator-intermediate.crt").read_bytes())
    certificate.verify_directly_issued_by(intermediate)
    key = serialization.load_der_private_key(base64.b64decode(cert["private"]), None)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()


def test_both_versions_read_the_same_values(deployed, users):
    with client(deployed, users["alice"]) as http:
        v1 = http.get("/secrets?s=symShared").json()["data"]
        v2 = http.get("/api/v2/secrets?s=symShared").json()["data"]["secrets"]
    assert v1 == v2


@pytest.mark.parametrize("path", ["/secrets", "/api/v2/secrets"])
def test_roles_limit_what_each_user_reads(deployed, users, path):
    with client(deployed, users["bob"]) as http:
        allowed = http.get(f"{path}?s=symShared")
        denied = http.get(f"{path}?s=symShared&s=certShared")
    with client(deployed, users["carol"]) as http:
        nothing = http.get(f"{path}?s=symShared")
    assert allowed.status_code == 200
    assert denied.status_code == 403
    assert denied.json()["message"] == "user bob is not allowed to read one or more secrets of: [symShared certShared]"
    assert nothing.status_code == 403
    expected = "fail" if path.startswith("/api/v2") else "error"
    assert denied.json()["status"] == expected and nothing.json()["status"] == expected


@pytest.mark.parametrize("path", ["/secrets", "/api/v2/secrets"])
@pytest.mark.parametrize("who", [None, "mallory"])
def test_unknown_or_missing_client_certificates_are_401_for_reads_and_writes(deployed, users, path, who):
    with client(deployed, users[who] if who else None) as http:
        read = http.get(f"{path}?s=symShared")
        body = {"userKey": {"Key": b64(b"k" * 16)}}
        write = http.post(path, json=body if path == "/secrets" else {"secrets": body})
    for response in (read, write):
        assert response.status_code == 401
        assert response.json()["message"] == "unauthorized user: client certificate did not match any MarbleRun users"
        assert response.json()["status"] == ("fail" if path.startswith("/api/v2") else "error")


def test_query_rules(deployed, users):
    with client(deployed, users["alice"]) as http:
        none = http.get("/api/v2/secrets")
        empty = http.get("/api/v2/secrets?s=")
    assert none.status_code == 400
    assert none.json()["message"] == "invalid query: endpoint requires at least one query parameter"
    assert empty.status_code == 400 and empty.json()["message"] == "malformed query string: empty query parameter"


def test_alice_writes_user_secrets_in_both_versions_and_reads_them_back(deployed, users):
    with client(deployed, users["alice"]) as http:
        v1 = http.post("/secrets", json={"userKey": {"Key": b64(b"1" * 16)}})
        assert v1.json() == {"status": "success", "data": None}
        first = http.get("/secrets?s=userKey").json()["data"]["userKey"]
        # v2, with Go-style key casing on input.
        v2 = http.post("/api/v2/secrets", json={"Secrets": {"userKey": {"key": b64(b"2" * 16)}}})
        assert v2.status_code == 200, v2.text
        second = http.get("/api/v2/secrets?s=userKey").json()["data"]["secrets"]["userKey"]
        log = http.get("/api/v2/update").json()["data"]["updateLog"]
    assert base64.b64decode(first["private"]) == b"1" * 16 and first["userDefined"] is True
    assert base64.b64decode(second["private"]) == b"2" * 16
    assert sum('"update":"Secret set","user":"alice","secret":"userKey"' in line for line in log) >= 2


def test_writes_allowed_only_by_write_roles_and_checked_against_definitions(deployed, users):
    with client(deployed, users["bob"]) as http:
        bob = http.post("/api/v2/secrets", json={"secrets": {"userKey": {"Key": b64(b"b" * 16)}}})
    with client(deployed, users["alice"]) as http:
        wrong_size = http.post("/api/v2/secrets", json={"secrets": {"userKey": {"Key": b64(b"short")}}})
        generated = http.post("/secrets", json={"symShared": {"Key": b64(b"x" * 16)}})
        unknown = http.post("/api/v2/secrets", json={"secrets": {"ghost": {"Key": b64(b"x")}}})
        nothing = http.post("/api/v2/secrets", json={"secrets": {}})
    assert bob.status_code == 403 and bob.json()["message"] == "user bob is not allowed to update secret: userKey"
    assert wrong_size.status_code == 400 and "declared size and actual size don't match" in wrong_size.json()["message"]
    assert generated.status_code == 400 and generated.json() == {
        "status": "error", "data": None, "message": "secret symShared is not writeable"}
    assert unknown.status_code == 400 and "does not contain" in unknown.json()["message"]
    assert nothing.status_code == 400 and nothing.json()["message"] == "no new secrets defined"


def test_secrets_never_reach_the_database_in_clear(deployed, users):
    with client(deployed, users["alice"]) as http:
        http.post("/api/v2/secrets", json={"secrets": {"userPlain": {"Key": b64(b"plain-text-secret-value!")}}})
        secrets = http.get("/api/v2/secrets?s=symShared&s=certShared").json()["data"]["secrets"]
    values = [base64.b64decode(secrets["symShared"]["private"]),
              base64.b64decode(secrets["certShared"]["private"]), b"plain-text-secret-value!"]
    files = [p for p in deployed.data_dir.iterdir() if p.name.startswith("switchyard.db")]
    assert any(p.name.endswith("-wal") for p in files) or files
    stored = b"".join(p.read_bytes() for p in files)
    for value in values:
        assert value not in stored and base64.b64encode(value) not in stored
    sealed_key = deployed.data_dir / "coordinator-sealed-key"
    assert sealed_key.stat().st_mode & 0o777 == 0o600
