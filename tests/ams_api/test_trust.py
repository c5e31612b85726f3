"""Trust: certificates, the trust password, untrusted → trusted."""

from __future__ import annotations

import base64
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.ams_api.client import finish
from tests.conftest import make_client_certificate

PASSWORD = "s3cret-Trust"


def set_password(server, password: str = PASSWORD) -> None:
    with server.ams_local() as client:
        finish(client, client.patch("/1.0/config", json={"name": "core.trust_password", "value": password}))


def der_base64(cert_path) -> str:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


def fingerprint(cert_path) -> str:
    from hashlib import sha256

    return sha256(base64.b64decode(der_base64(cert_path))).hexdigest()


def test_untrusted_client_becomes_trusted_with_the_trust_password(fresh_server, client_cert):
    set_password(fresh_server)
    with fresh_server.http("ams", cert=client_cert) as client:
        assert client.get("/1.0").json()["metadata"]["auth"] == "untrusted"
        response = client.post("/1.0/certificates", json={"trust-password": PASSWORD})
        assert response.status_code == 201
        assert response.headers["location"] == f"/1.0/certificates/{fingerprint(client_cert[0])}"
        assert response.json()["metadata"] is None
        assert client.get("/1.0").json()["metadata"]["auth"] == "trusted"
        assert client.get("/1.0/certificates").json()["metadata"] == [
            f"/1.0/certificates/{fingerprint(client_cert[0])}"
        ]


def test_lxd_password_key_is_accepted(fresh_server, client_cert):
    set_password(fresh_server)
    with fresh_server.http("ams", cert=client_cert) as client:
        assert client.post("/1.0/certificates", json={"password": PASSWORD}).status_code == 201


def test_wrong_or_missing_trust_password_is_403(fresh_server, client_cert):
    set_password(fresh_server)
    with fresh_server.http("ams", cert=client_cert) as client:
        for body in ({"trust-password": "wrong"}, {}):
            response = client.post("/1.0/certificates", json=body)
            assert response.status_code == 403
            assert response.json()["error_code"] == 403
        assert client.get("/1.0").json()["metadata"]["auth"] == "untrusted"


def test_no_password_set_means_no_registration(fresh_server, client_cert):
    with fresh_server.http("ams", cert=client_cert) as client:
        assert client.post("/1.0/certificates", json={"trust-password": ""}).status_code == 403


def test_trusted_caller_adds_a_certificate_from_the_body(fresh_server, tmp_path):
    other = make_client_certificate(tmp_path / "other", "other")
    with fresh_server.ams_local() as client:
        response = client.post("/1.0/certificates", json={"certificate": der_base64(other[0])})
        assert response.status_code == 201
        shown = client.get(response.headers["location"])
        assert shown.status_code == 200
        assert shown.headers["content-type"].startswith("application/json")
        metadata = shown.json()["metadata"]
        assert metadata["fingerprint"] == fingerprint(other[0])
        assert metadata["certificate"].startswith("-----BEGIN CERTIFICATE-----")
        listed = client.get("/1.0/certificates", params={"recursion": "1"}).json()["metadata"]
        assert listed == [metadata]
        again = client.post("/1.0/certificates", json={"certificate": der_base64(other[0])})
        assert again.status_code == 400
    with fresh_server.http("ams", cert=other) as client:
        assert client.get("/1.0").json()["metadata"]["auth"] == "trusted"


def test_certificate_with_newlines_is_tolerated(fresh_server, tmp_path):
    other = make_client_certificate(tmp_path / "nl", "nl")
    encoded = der_base64(other[0])
    wrapped = "\n".join(encoded[i:i + 64] for i in range(0, len(encoded), 64))
    with fresh_server.ams_local() as client:
        assert client.post("/1.0/certificates", json={"certificate": wrapped}).status_code == 201


def test_malformed_certificate_is_400(fresh_server):
    with fresh_server.ams_local() as client:
        response = client.post("/1.0/certificates", json={"certificate": "not base64 at all!"})
    assert response.status_code == 400
    assert "certificate is malformed" in response.json()["error"]


def test_deleting_a_certificate_is_an_operation_and_revokes_trust(fresh_server, client_cert):
    with fresh_server.ams_local() as client:
        client.post("/1.0/certificates", json={"certificate": der_base64(client_cert[0])})
        prefix = fingerprint(client_cert[0])[:12]
        response = client.delete(f"/1.0/certificates/{prefix}")
        final = finish(client, response)
        assert final["description"] == "Deleting certificate"
        assert final["resources"] == {"certificates": [f"/1.0/certificates/{fingerprint(client_cert[0])}"]}
        assert client.get(f"/1.0/certificates/{prefix}").status_code == 404
    with fresh_server.http("ams", cert=client_cert) as client:
        assert client.get("/1.0").json()["metadata"]["auth"] == "untrusted"


def test_offline_commands_manage_trust(fresh_server, client_cert):
    data = str(fresh_server.data_dir)
    subprocess.run(
        [sys.executable, "-m", "core.cli", "ams", "set-trust-password", "--data-dir", data],
        input="offline-pass\n", text=True, check=True, capture_output=True,
    )
    with fresh_server.ams_local() as client:
        assert client.get("/1.0/config").json()["metadata"]["config"]["core.trust_password"] is True
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "ams", "trust", str(client_cert[0]), "--data-dir", data],
        text=True, check=True, capture_output=True,
    )
    assert result.stdout.strip() == fingerprint(client_cert[0])
    with fresh_server.http("ams", cert=client_cert) as client:
        assert client.get("/1.0").json()["metadata"]["auth"] == "trusted"


def test_the_password_is_stored_only_as_a_salted_hash(fresh_server):
    set_password(fresh_server)
    raw = (fresh_server.data_dir / "switchyard.db").read_bytes()
    wal = fresh_server.data_dir / "switchyard.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert PASSWORD.encode() not in raw
    assert b"scrypt$" in raw
