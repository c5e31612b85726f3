"""POST/GET /update, /update-manifest and /update-cancel in both versions."""

from __future__ import annotations

import base64
import json

import pytest

from tests.coordinator_api.conftest import b64, client, encode, manifest, set_manifest
from tests.server import running_server

PACKAGE_UPDATE = {"Packages": {"backend": {"SecurityVersion": 3}}}


def _log(server) -> list[dict]:
    with client(server) as http:
        return [json.loads(line) for line in http.get("/api/v2/update").json()["data"]["updateLog"]]


def test_update_log_v1_is_one_string_and_v2_a_list(deployed):
    with client(deployed) as http:
        v1 = http.get("/update").json()["data"]
        v2 = http.get("/api/v2/update").json()["data"]["updateLog"]
    assert v1 == "".join(f"{line}\n" for line in v2)
    first = json.loads(v2[0])
    assert list(first) == ["time", "update"] and first["update"] == "Initial manifest set"


def test_package_updates_raise_security_versions_in_both_versions(fresh_server, users):
    set_manifest(fresh_server, manifest(users))
    with client(fresh_server) as http:
        signed = http.get("/api/v2/manifest").json()["data"]
        root_before = http.get("/api/v2/quote").json()["data"]["cert"]
    with client(fresh_server, users["alice"]) as http:
        v1 = http.post("/update", content=encode(PACKAGE_UPDATE))
        assert v1.json() == {"status": "success", "data": None}
        v2 = http.post("/api/v2/update", json={"manifest": b64(encode({"packages": {"backend": {"SecurityVersion": 5}}}))})
        assert v2.json() == {"status": "success", "data": {"missingAcknowledgments": 0, "missingUsers": None}}
        equal = http.post("/api/v2/update", json={"manifest": b64(encode({"Packages": {"backend": {"SecurityVersion": 5}}}))})
        assert equal.status_code == 200  # equal is allowed
        down = http.post("/api/v2/update", json={"manifest": b64(encode(PACKAGE_UPDATE))})
        unknown = http.post("/update", content=encode({"Packages": {"ghost": {"SecurityVersion": 9}}}))
    assert down.status_code == 400
    assert down.json()["message"] == "update manifest tries to downgrade SecurityVersion of the original manifest"
    assert unknown.status_code == 403 and unknown.json()["status"] == "error"  # permission is checked first
    entries = [e for e in _log(fresh_server) if e["update"] == "SecurityVersion increased"]
    assert [(e["user"], e["package"], e["new version"]) for e in entries] == [
        ("alice", "backend", 3), ("alice", "backend", 5), ("alice", "backend", 5)]
    with client(fresh_server) as http:
        # The signed manifest does not change; the intermediate is renewed under the same root.
        assert http.get("/api/v2/manifest").json()["data"] == signed
        chain = http.get("/api/v2/quote").json()["data"]["cert"]
    assert chain != root_before and chain.split("-----END CERTIFICATE-----")[1] == root_before.split(
        "-----END CERTIFICATE-----")[1]


@pytest.mark.parametrize("path", ["/update", "/api/v2/update"])
def test_package_updates_need_the_permission_and_a_known_user(deployed, users, path):
    body = encode(PACKAGE_UPDATE)
    request = {"content": body} if path == "/update" else {"json": {"manifest": b64(body)}}
    with client(deployed, users["bob"]) as http:
        bob = http.post(path, **request)
    with client(deployed, users["mallory"]) as http:
        mallory = http.post(path, **request)
    with client(deployed) as http:
        anonymous = http.post(path, **request)
    assert bob.status_code == 403
    assert bob.json()["message"] == "user bob is not allowed to update one or more packages of [backend]"
    assert mallory.status_code == 401 and anonymous.status_code == 401


def test_multi_party_update_acknowledged_then_cancelled(fresh_server, users):
    set_manifest(fresh_server, manifest(users, updaters=("alice", "bob", "carol")))
    new = encode(manifest(users, updaters=("alice", "bob", "carol")) | {"TLS": {}} | {
        "Packages": {"backend": {"SignerID": "ab" * 32, "ProductID": 1, "SecurityVersion": 7}}})
    with client(fresh_server, users["alice"]) as http:
        started = http.post("/api/v2/update", json={"manifest": b64(new)})
    assert started.status_code == 200, started.text
    data = started.json()["data"]
    assert data["missingAcknowledgments"] == 2 and sorted(data["missingUsers"]) == ["bob", "carol"]
    with client(fresh_server) as http:
        for path in ("/update-manifest", "/api/v2/update-manifest"):
            pending = http.get(path).json()["data"]
            assert base64.b64decode(pending["manifest"]) == new
            assert pending["message"] == "2 users still need to acknowledge the update manifest"
    with client(fresh_server, users["alice"]) as http:
        blocked = http.post("/api/v2/update", json={"manifest": b64(encode(PACKAGE_UPDATE))})
    assert blocked.status_code == 400 and blocked.json()["message"].startswith("update already in progress")
    with client(fresh_server, users["bob"]) as http:
        mismatch = http.post("/api/v2/update-manifest", json={"manifest": b64(new + b" ")})
        acked = http.post("/update-manifest", content=new)
    assert mismatch.status_code == 400
    assert mismatch.json()["message"] == "provided manifest does not match the pending manifest"
    assert acked.json() == {"status": "success", "data": {
        "message": "1 user still needs to acknowledge the update manifest"}}
    with client(fresh_server, users["mallory"]) as http:
        assert http.post("/api/v2/update-cancel").status_code == 401
    with client(fresh_server, users["carol"]) as http:
        cancelled = http.post("/update-cancel")
    assert cancelled.json() == {"status": "success", "data": "Update successfully cancelled"}
    with client(fresh_server) as http:
        gone = http.get("/api/v2/update-manifest")
        gone_v1 = http.get("/update-manifest")
    assert gone.status_code == 404 and gone.json()["message"] == "no update in progress"
    assert gone_v1.status_code == 404 and gone_v1.json()["status"] == "error"
    with client(fresh_server, users["alice"]) as http:
        again = http.post("/api/v2/update-cancel")
        late = http.post("/api/v2/update-manifest", json={"manifest": b64(new)})
    assert again.status_code == 404 and late.status_code == 404
    updates = [e["update"] for e in _log(fresh_server)]
    assert updates[-3:] == [
        "Complete Manifest update initiated by user. Waiting for acknowledgments to apply the update",
        "Complete Manifest update acknowledged by user", "Complete Manifest update cancelled by user"]


def test_multi_party_update_applied_when_all_acknowledge(fresh_server, users, recovery_keys):
    set_manifest(fresh_server, manifest(users))
    with client(fresh_server, users["alice"]) as http:
        before = http.get("/api/v2/secrets?s=symShared&s=userKey").json()["data"]["secrets"]
    document = manifest(users, recovery_keys[:1])
    document["Secrets"]["extra"] = {"Type": "symmetric-key", "Size": 256, "Shared": True}
    new = encode(document)
    with client(fresh_server, users["alice"]) as http:
        http.post("/api/v2/update", json={"manifest": b64(new)})
    with client(fresh_server, users["carol"]) as http:
        refused = http.post("/api/v2/update-manifest", json={"manifest": b64(new)})
    assert refused.status_code == 403
    assert refused.json()["message"] == "user carol is not allowed to acknowledge manifest updates"
    with client(fresh_server, users["bob"]) as http:
        applied = http.post("/api/v2/update-manifest", json={"manifest": b64(new)})
    assert applied.status_code == 200, applied.text
    data = applied.json()["data"]
    assert data["message"] == "All users have acknowledged the update manifest. Update successfully applied"
    assert data["missingUsers"] == [] and set(data["recoverySecrets"]) == {"key0"}  # new recovery keys
    with client(fresh_server) as http:
        current = http.get("/api/v2/manifest").json()["data"]
        assert base64.b64decode(current["manifest"]) == new
        assert http.get("/api/v2/update-manifest").status_code == 404
    with client(fresh_server, users["alice"]) as http:
        after = http.get("/api/v2/secrets?s=symShared").json()["data"]["secrets"]
    assert after["symShared"]["private"] == before["symShared"]["private"]  # unchanged symmetric keys kept
    assert _log(fresh_server)[-1]["update"] == "Complete Manifest updated"
    # The state was re-sealed under a new data key; a restart opens it without recovery.
    fresh_server.stop()
    with running_server(fresh_server.data_dir) as restarted, client(restarted, users["alice"]) as http:
        assert http.get("/api/v2/status").json()["data"]["code"] == 3
        again = http.get("/api/v2/secrets?s=symShared").json()["data"]["secrets"]
    assert again["symShared"]["private"] == before["symShared"]["private"]


@pytest.mark.parametrize("prefix", ["", "/api/v2"])
def test_acknowledge_and_cancel_need_a_known_user_with_the_manifest_role(deployed, users, prefix):
    raw = encode(manifest(users))
    body = {"content": raw} if not prefix else {"json": {"manifest": b64(raw)}}
    with client(deployed, users["mallory"]) as http:
        unknown_ack = http.post(f"{prefix}/update-manifest", **body)
        unknown_cancel = http.post(f"{prefix}/update-cancel")
    with client(deployed, users["carol"]) as http:
        # Permission is checked before whether anything is pending, as MarbleRun does.
        carol_cancel = http.post(f"{prefix}/update-cancel")
        carol_update = http.post(f"{prefix}/update", **body)
    assert unknown_ack.status_code == 401 and unknown_cancel.status_code == 401
    assert carol_cancel.status_code == 403
    assert carol_cancel.json()["message"] == "user carol is not allowed to update the manifest"
    assert carol_update.status_code == 403
    with client(deployed, users["alice"]) as http:
        nothing = http.post(f"{prefix}/update-manifest", **body)
    assert nothing.status_code == 404 and nothing.json()["message"] == "no update in progress"
