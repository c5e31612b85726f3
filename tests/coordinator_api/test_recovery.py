"""Recovery: the sealed key file is removed, the Coordinator restarts in recovery mode, and the
recovery key holders bring the state back through /api/v2/recover."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.coordinator_api.conftest import b64, client, manifest, set_manifest
from tests.server import running_server

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
RECOVERY_MESSAGE = ("Coordinator is in recovery mode. Either upload a key to unseal the saved state, or set a new "
                    "manifest. For more information on how to proceed, consult the documentation.")


def _share(key, encrypted: str) -> tuple[bytes, bytes]:
    secret = key.decrypt(base64.b64decode(encrypted), OAEP)
    return secret, key.sign(secret, padding.PKCS1v15(), hashes.SHA256())


def _lose_sealed_key_and_restart(server, data_dir):
    server.stop()
    (data_dir / "coordinator-sealed-key").unlink()
    return running_server(data_dir)


def _read_sym(server, users) -> str:
    with client(server, users["alice"]) as http:
        return http.get("/api/v2/secrets?s=symShared").json()["data"]["secrets"]["symShared"]["private"]


def test_v1_recover_is_gone(deployed):
    with client(deployed) as http:
        response = http.post("/recover", content=b"anything")
    assert response.status_code == 410
    assert response.json() == {"status": "error", "data": None, "message": (
        "Recovering the Coordinator using the /recover API endpoint has been disabled. "
        "Use the /api/v2/recover endpoint instead.")}


def test_recover_endpoints_need_recovery_mode(deployed):
    with client(deployed) as http:
        recover = http.post("/api/v2/recover", json={"recoverySecret": b64(b"x" * 32),
                                                      "recoverySecretSignature": b64(b"s")})
        key = http.get("/api/v2/recover/public-key")
    for response in (recover, key):
        assert response.status_code == 400
        assert response.json() == {"status": "fail", "data": None, "message": "server is not in expected state"}


def test_recovery_with_one_key(tmp_path, users, recovery_keys):
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        secrets = set_manifest(server, manifest(users, recovery_keys[:1]))["recoveryKeys"]
        before = _read_sym(server, users)
        with _lose_sealed_key_and_restart(server, data_dir) as recovering:
            with client(recovering) as http:
                assert http.get("/api/v2/status").json()["data"] == {"status": 1, "code": 1, "message": RECOVERY_MESSAGE}
                assert http.get("/api/v2/manifest").status_code == 200  # still readable, root unchanged
                public = http.get("/api/v2/recover/public-key").json()["data"]
                assert public["algorithm"] == "RSA"
                assert serialization.load_der_public_key(base64.b64decode(public["ephemeralPublicKey"])).key_size == 4096
                with client(recovering, users["alice"]) as alice:
                    assert alice.get("/api/v2/secrets?s=symShared").status_code == 400
                secret, signature = _share(recovery_keys[0], secrets["key0"])
                answer = http.post("/api/v2/recover", json={"RecoverySecret": b64(secret),
                                                             "recoverySecretSignature": b64(signature)})
                assert answer.json() == {"status": "success", "data": {"remaining": 0, "message": "Recovery successful."}}
                assert http.get("/status").json()["data"]["statusCode"] == 3
            assert _read_sym(recovering, users) == before
            recovering.stop()
            with running_server(data_dir) as restarted:  # re-sealed: no recovery needed again
                assert _read_sym(restarted, users) == before


def test_recovery_with_several_keys_and_a_share_encrypted_to_the_ephemeral_key(tmp_path, users, recovery_keys):
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        secrets = set_manifest(server, manifest(users, recovery_keys[:2]))["recoveryKeys"]
        before = _read_sym(server, users)
        with _lose_sealed_key_and_restart(server, data_dir) as recovering, client(recovering) as http:
            first, first_sig = _share(recovery_keys[0], secrets["key0"])
            second, second_sig = _share(recovery_keys[1], secrets["key1"])
            wrong = http.post("/api/v2/recover", json={"recoverySecret": b64(b"w" * 32),
                                                        "recoverySecretSignature": b64(first_sig)})
            assert wrong.status_code == 400 and wrong.json()["message"] == "uploaded an invalid or already used secret"
            progress = http.post("/api/v2/recover", json={"recoverySecret": b64(first),
                                                           "recoverySecretSignature": b64(first_sig)})
            assert progress.json()["data"] == {"remaining": 1, "message": (
                "Secret was processed successfully. Upload the next secret. Remaining secrets: 1")}
            again = http.post("/api/v2/recover", json={"recoverySecret": b64(first),
                                                        "recoverySecretSignature": b64(first_sig)})
            assert again.status_code == 400
            ephemeral = serialization.load_der_public_key(base64.b64decode(
                http.get("/api/v2/recover/public-key").json()["data"]["ephemeralPublicKey"]))
            done = http.post("/api/v2/recover", json={"recoverySecret": b64(ephemeral.encrypt(second, OAEP)),
                                                       "recoverySecretSignature": b64(second_sig)})
            assert done.json()["data"] == {"remaining": 0, "message": "Recovery successful."}
            assert _read_sym(recovering, users) == before


def test_recovery_refuses_shares_not_signed_by_the_recovery_keys(tmp_path, users, recovery_keys):
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        secrets = set_manifest(server, manifest(users, recovery_keys[:1]))["recoveryKeys"]
        with _lose_sealed_key_and_restart(server, data_dir) as recovering, client(recovering) as http:
            secret, _ = _share(recovery_keys[0], secrets["key0"])
            forged = recovery_keys[2].sign(secret, padding.PKCS1v15(), hashes.SHA256())
            refused = http.post("/api/v2/recover", json={"recoverySecret": b64(secret),
                                                          "recoverySecretSignature": b64(forged)})
            assert refused.status_code == 400
            assert refused.json()["message"] == 'no matching recovery key found for recovery public key "key0"'
            assert http.get("/api/v2/status").json()["data"]["code"] == 1


def test_a_new_manifest_replaces_the_state_in_recovery_mode(tmp_path, users, recovery_keys):
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        set_manifest(server, manifest(users, recovery_keys[:1]))
        with _lose_sealed_key_and_restart(server, data_dir) as recovering:
            set_manifest(recovering, manifest(users))
            with client(recovering) as http:
                assert http.get("/api/v2/status").json()["data"]["code"] == 3
            assert _read_sym(recovering, users)
