"""Store administration: ConfdbAdmin over gRPC for operators, `switchyard confdb …` on the data
directory whether or not the service runs, and no way in through the REST listener."""

from __future__ import annotations

import stat
from datetime import datetime, timezone

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from switchyard.confdb.v1 import store_pb2 as pb
from switchyard.confdb.v1 import store_pb2_grpc as pb_grpc

from core.confdb.admin import root_key_path
from core.identity import LISTENER_KEY
from tests.confdb import signer
from tests.confdb_api.publisher import Publisher, confdb_cli, unique_account
from tests.server import running_server


def grpc_error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def test_an_operator_sets_up_a_publisher_over_grpc(server):
    other_key = signer.session_key("operator-made")  # a key no other test registers on this server
    account = unique_account("grpc")
    with server.grpc_channel() as channel:
        stub = pb_grpc.ConfdbAdminStub(channel)
        created = stub.CreateAccount(pb.CreateAccountRequest(id=account, email=f"{account}@example.com"))
        key = stub.RegisterKey(
            pb.RegisterKeyRequest(account_id=account, key=signer.armour(signer.gpg_export(other_key)), name="laptop")
        )
        credential = stub.IssueMacaroon(pb.IssueMacaroonRequest(account_id=account, expires="2h"))
    assert (created.id, created.email) == (account, f"{account}@example.com")
    assert (key.account_id, key.name, key.sign_key_sha3_384) == (account, "laptop", signer.snapd_key_id(other_key))
    assert not key.HasField("until")
    assert credential.authorization == f"Macaroon {credential.root}"

    # A key registered this very second signs a schema built this second.
    publisher = Publisher(server, account, other_key, credential.authorization)
    assert publisher.upload(publisher.sign(publisher.build("through-grpc"))).status_code == 201


@pytest.mark.parametrize(
    "request_,code,reason",
    [
        (pb.CreateAccountRequest(id="bad/id", email="a@example.com"), grpc.StatusCode.INVALID_ARGUMENT, "invalid-account-id"),
        (pb.CreateAccountRequest(id="fine", email="no-at-sign"), grpc.StatusCode.INVALID_ARGUMENT, "invalid-email"),
        (pb.IssueMacaroonRequest(account_id="nobody-here"), grpc.StatusCode.NOT_FOUND, "unknown-account"),
        (pb.IssueMacaroonRequest(account_id="x", expires="yesterday"), grpc.StatusCode.INVALID_ARGUMENT, "invalid-expiry"),
        (pb.IssueMacaroonRequest(account_id="x", expires="2001-01-01T00:00:00Z"), grpc.StatusCode.INVALID_ARGUMENT, "invalid-expiry"),
        (pb.RegisterKeyRequest(account_id="nobody-here", key=b"x"), grpc.StatusCode.NOT_FOUND, "unknown-account"),
    ],
)
def test_admin_refusals_are_typed(server, request_, code, reason):
    method = {
        pb.CreateAccountRequest: "CreateAccount", pb.IssueMacaroonRequest: "IssueMacaroon",
        pb.RegisterKeyRequest: "RegisterKey",
    }[type(request_)]
    with server.grpc_channel() as channel:
        error = grpc_error(lambda: getattr(pb_grpc.ConfdbAdminStub(channel), method)(request_))
    assert error.code() == code
    assert dict(error.trailing_metadata()).get("grpc-status-details-bin")
    assert reason.encode() in dict(error.trailing_metadata())["grpc-status-details-bin"]


def test_keys_under_4096_bits_and_duplicates_are_refused(server, publisher, publisher_key):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with server.grpc_channel() as channel:
        stub = pb_grpc.ConfdbAdminStub(channel)
        error = grpc_error(lambda: stub.RegisterKey(pb.RegisterKeyRequest(account_id=publisher.account_id, key=signer.gpg_export(weak))))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        again = signer.account_key_request(publisher_key, publisher.account_id, name="again")
        error = grpc_error(lambda: stub.RegisterKey(pb.RegisterKeyRequest(account_id=publisher.account_id, key=again)))
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS
        account = pb.CreateAccountRequest(id=publisher.account_id, email="x@example.com")
        assert grpc_error(lambda: stub.CreateAccount(account)).code() == grpc.StatusCode.ALREADY_EXISTS


def test_a_request_for_another_account_is_refused(server, publisher, stranger_key):
    foreign = signer.account_key_request(stranger_key, "someone-else")
    with server.grpc_channel() as channel:
        stub = pb_grpc.ConfdbAdminStub(channel)
        error = grpc_error(lambda: stub.RegisterKey(pb.RegisterKeyRequest(account_id=publisher.account_id, key=foreign)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_caller_forwarded_from_the_store_listener_is_no_operator(server):
    with server.core_socket_channel() as channel:
        stub = pb_grpc.ConfdbAdminStub(channel)
        error = grpc_error(
            lambda: stub.CreateAccount(pb.CreateAccountRequest(id="sneaky", email="s@example.com"), metadata=((LISTENER_KEY, "confdb"),))
        )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("path", ["/api/v2/confdb-admin/accounts", "/switchyard.confdb.v1.ConfdbAdmin/CreateAccount"])
def test_the_rest_listener_has_no_admin_route(server, path):
    with server.http("confdb") as client:
        response = client.post(path, json={"id": "sneaky", "email": "s@example.com"})
    assert response.status_code == 404
    assert response.json()["error_list"][0]["code"] == "resource-not-found"


def test_the_cli_works_offline_and_the_service_honours_it(tmp_path, other_key):
    data = tmp_path / "data"
    account = unique_account("offline")
    assert confdb_cli(data, "create-account", "--id", account, "--email", "o@example.com").stdout.strip() == account
    keyfile = tmp_path / "key.asc"
    keyfile.write_bytes(signer.armour(signer.gpg_export(other_key)))
    assert confdb_cli(data, "register-key", account, str(keyfile), "--name", "gpg").stdout.strip() == signer.snapd_key_id(other_key)
    authorization = confdb_cli(data, "issue-macaroon", account, "--expires", "1h").stdout.strip()
    assert authorization.startswith("Macaroon ")
    assert stat.S_IMODE(root_key_path(data).stat().st_mode) == 0o600

    failed = confdb_cli(data, "create-account", "--id", account, "--email", "o@example.com", check=False)
    assert failed.returncode == 1
    assert "already exists" in failed.stderr
    bare = confdb_cli(data, "issue-macaroon", account, "--macaroon-only").stdout.strip()
    assert authorization != f"Macaroon {bare}" and " " not in bare

    with running_server(data) as server:
        publisher = Publisher(server, account, other_key, authorization)
        assert publisher.upload(publisher.sign(publisher.build("offline-made"))).status_code == 201
        with publisher.client(f"macaroon {bare}") as client:
            assert len(client.get("/api/v2/confdb-schemas").json()["assertions"]) == 1
        # And a credential issued while the service runs works at once.
        fresh = confdb_cli(data, "issue-macaroon", account, "--expires", "2026-12-31T00:00:00Z").stdout.strip()
        if datetime.now(timezone.utc) < datetime(2026, 12, 31, tzinfo=timezone.utc):
            with publisher.client(fresh) as client:
                assert client.get("/api/v2/confdb-schemas").status_code == 200
