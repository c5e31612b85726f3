"""GET/POST /manifest and /api/v2/manifest, as the document and MarbleRun answer them."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import hashes

from tests.coordinator_api.conftest import b64, client, encode, manifest

STATE_READY = "Coordinator is running correctly and ready to accept marbles."


def test_get_manifest_before_any_is_empty_in_v1_and_an_error_in_v2(fresh_server):
    with client(fresh_server) as http:
        v1 = http.get("/manifest")
        v2 = http.get("/api/v2/manifest")
    assert v1.status_code == 200
    assert v1.json() == {"status": "success", "data": {
        "manifestSignatureRootECDSA": None, "manifestSignature": "", "manifest": None}}
    assert v2.status_code == 500
    assert v2.json() == {"status": "error", "data": None, "message": "requested value not set"}


def test_post_manifest_v1_raw_then_get_both_versions_and_verify_with_openssl(fresh_server, users, tmp_path):
    raw = encode(manifest(users))
    with client(fresh_server) as http:
        answer = http.post("/manifest", content=raw)
        assert answer.json() == {"status": "success", "data": None}  # no recovery keys
        v1 = http.get("/manifest").json()["data"]
        v2 = http.get("/api/v2/manifest").json()["data"]
        status = http.get("/api/v2/status").json()["data"]
    assert status["code"] == 3 and status["message"] == STATE_READY
    fingerprint = hashlib.sha256(raw).hexdigest()
    assert v1 == {"manifestSignatureRootECDSA": v2["manifestSignatureRootECDSA"],
                  "manifestSignature": fingerprint, "manifest": b64(raw)}
    assert v2["manifestFingerprint"] == fingerprint and base64.b64decode(v2["manifest"]) == raw
    # The document's recipe: the root public key from the root certificate, then openssl dgst.
    (tmp_path / "manifest.json").write_bytes(raw)
    (tmp_path / "manifest.sig").write_bytes(base64.b64decode(v2["manifestSignatureRootECDSA"]))
    root_pem = fresh_server.tls_dir / "coordinator-root.crt"
    pubkey = subprocess.run(["openssl", "x509", "-in", str(root_pem), "-pubkey", "-noout"],
                            capture_output=True, check=True).stdout
    (tmp_path / "root.pubkey").write_bytes(pubkey)
    verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "root.pubkey"),
                               "-signature", str(tmp_path / "manifest.sig"), str(tmp_path / "manifest.json")],
                              capture_output=True, text=True)
    assert verified.returncode == 0 and "Verified OK" in verified.stdout
    (tmp_path / "manifest.json").write_bytes(raw + b" ")
    tampered = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "root.pubkey"),
                               "-signature", str(tmp_path / "manifest.sig"), str(tmp_path / "manifest.json")],
                              capture_output=True, text=True)
    assert tampered.returncode != 0


def test_post_manifest_v2_with_recovery_keys_returns_secrets_only_their_holders_can_read(
        fresh_server, users, recovery_keys):
    document = manifest(users, recovery_keys[:2])
    with client(fresh_server) as http:
        # Go decodes keys in any casing: "Manifest" binds to "manifest".
        response = http.post("/api/v2/manifest", json={"Manifest": b64(encode(document))})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data["recoveryKeys"]) == {"key0", "key1"} and data["RecoverySecrets"] == data["recoveryKeys"]
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    shares = [key.decrypt(base64.b64decode(data["recoveryKeys"][f"key{i}"]), oaep)
              for i, key in enumerate(recovery_keys[:2])]
    assert all(len(s) == 32 for s in shares)


def test_post_manifest_v2_without_recovery_keys(fresh_server, users):
    with client(fresh_server) as http:
        response = http.post("/api/v2/manifest", json={"manifest": b64(encode(manifest(users)))})
    assert response.json() == {"status": "success", "data": {"RecoverySecrets": {}}}


def test_a_manifest_is_set_only_once_in_both_versions(deployed, users):
    raw = encode(manifest(users))
    with client(deployed) as http:
        v1 = http.post("/manifest", content=raw)
        v2 = http.post("/api/v2/manifest", json={"manifest": b64(raw)})
    assert v1.status_code == 400
    assert v1.json() == {"status": "error", "data": None, "message": "server is not in expected state"}
    assert v2.status_code == 400
    assert v2.json() == {"status": "fail", "data": None, "message": "server is not in expected state"}


def _broken(users, change) -> bytes:
    document = manifest(users)
    change(document)
    return encode(document)


INVALID = [
    ("no packages", lambda m: m.update(Packages={}), "no allowed packages defined"),
    ("unknown package", lambda m: m["Marbles"]["server"].update(Package="nope"),
     "manifest does not contain marble package nope"),
    ("unknown secret type", lambda m: m["Secrets"]["symShared"].update(Type="magic"),
     "unknown type: magic for secret: symShared"),
    ("unknown role", lambda m: m["Users"]["carol"]["Roles"].append("ghost"),
     "manifest specifies role ghost for user carol, but role does not exist"),
    ("bad symmetric size", lambda m: m["Secrets"]["symShared"].update(Size=12), "symShared"),
    ("template of an undefined secret", lambda m: m["Marbles"]["server"]["Parameters"]["Env"].update(
        X="{{ raw .Secrets.missing }}"), "template dry run"),
]


@pytest.mark.parametrize("name,change,message", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_manifests_fail_naming_the_rule_and_change_nothing(fresh_server, users, name, change, message):
    raw = _broken(users, change)
    with client(fresh_server) as http:
        v2 = http.post("/api/v2/manifest", json={"manifest": b64(raw)})
        v1 = http.post("/manifest", content=raw)
        status = http.get("/status").json()["data"]
    assert v2.status_code == 400 and v2.json()["status"] == "fail", v2.text
    assert message in v2.json()["message"]
    assert v1.status_code == 400 and v1.json()["status"] == "error" and message in v1.json()["message"]
    assert status["statusCode"] == 2


def test_malformed_bodies_are_refused_before_the_core(fresh_server):
    with client(fresh_server) as http:
        not_json = http.post("/manifest", content=b"{not json")
        not_base64 = http.post("/api/v2/manifest", json={"manifest": "***"})
        empty = http.post("/api/v2/manifest", content=b"")
        too_deep = [http.post(path, content=b"[" * 5000 + b"]" * 5000) for path in ("/manifest", "/api/v2/manifest")]
    assert not_json.status_code == 400 and "unmarshaling manifest" in not_json.json()["message"]
    assert [r.status_code for r in too_deep] == [400, 400]
    assert "nested too deeply" in too_deep[0].json()["message"] and too_deep[1].json()["status"] == "fail"
    assert not_base64.status_code == 400 and not_base64.json()["status"] == "fail"
    assert empty.status_code == 400 and empty.json()["status"] == "fail"


def test_unknown_v2_path_and_wrong_method(fresh_server):
    with client(fresh_server) as http:
        wrong = http.delete("/api/v2/manifest")
    assert wrong.status_code == 405 and wrong.json()["status"] == "error"
    assert json.loads(wrong.text)["data"] is None
