"""Every store endpoint needs a macaroon for the account it acts on; failures are 401s in the
store's format, and one account never sees another's schemas."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pymacaroons import Macaroon

from core.confdb.admin import root_key_path
from core.confdb.macaroons import mint_credential
from tests.confdb_api.publisher import MEDIA_TYPE

ENDPOINTS = [
    ("GET", "/api/v2/confdb-schemas"),
    ("GET", "/api/v2/confdb-schemas/network"),
    ("POST", "/api/v2/confdb-schemas/build-assertion"),
    ("POST", "/api/v2/confdb-schemas"),
]


def call(publisher, method: str, path: str, authorization: str | None):
    with publisher.client(authorization) as client:
        if path.endswith("build-assertion"):
            return client.post(path, json=publisher.build_request("network"))
        if method == "POST":
            return client.post(path, content=b"type: confdb-schema\n", headers={"Content-Type": MEDIA_TYPE})
        return client.get(path)


def root_key(server) -> bytes:
    return root_key_path(server.data_dir).read_bytes()


def in_an_hour() -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=1)


def credentials(server, account_id: str) -> dict[str, str]:
    """One Authorization value per way a credential can be wrong."""
    key = root_key(server)
    expired = mint_credential(account_id, key, expires=datetime.now(timezone.utc) - timedelta(seconds=1))
    forged = mint_credential(account_id, os.urandom(32), expires=in_an_hour())
    u1 = mint_credential(account_id, key, expires=in_an_hour(), discharge_location="login.example")
    widened = Macaroon.deserialize(mint_credential(account_id, key, expires=in_an_hour()).root)
    widened.add_first_party_caveat("account=someone-else")
    unknown = Macaroon.deserialize(mint_credential(account_id, key, expires=in_an_hour()).root)
    unknown.add_first_party_caveat("permissions=package_access")
    return {
        "expired": expired.authorization(),
        "forged": forged.authorization(),
        "unbound discharge": f"Macaroon root={u1.root}, discharge={u1.discharge}",
        "missing discharge": f"Macaroon {u1.root}",
        "two accounts": f"Macaroon {widened.serialize()}",
        "unknown caveat": f"Macaroon {unknown.serialize()}",
        "not base64": "Macaroon !!!not-a-macaroon!!!",
        "bearer scheme": "Bearer abc",
        "truncated varint": "MACAROON Ag0",
        "empty root": "Macaroon root=, discharge=x",
        "truncated": f"Macaroon {mint_credential(account_id, key, expires=in_an_hour()).root[:-20]}",
    }


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_without_a_macaroon_every_endpoint_answers_401_permission_required(publisher, method, path):
    response = call(publisher, method, path, None)
    assert response.status_code == 401
    assert response.json() == {
        "error_list": [{"code": "macaroon-permission-required", "message": "authentication required"}]
    }


@pytest.mark.parametrize("method,path", ENDPOINTS)
@pytest.mark.parametrize(
    "failure",
    ["expired", "forged", "unbound discharge", "missing discharge", "two accounts", "unknown caveat",
     "not base64", "bearer scheme", "truncated varint", "empty root", "truncated"],
)
def test_a_bad_macaroon_answers_401_macaroon_invalid(server, publisher, method, path, failure):
    authorization = credentials(server, publisher.account_id)[failure]
    response = call(publisher, method, path, authorization)
    assert response.status_code == 401, response.text
    (entry,) = response.json()["error_list"]
    assert entry["code"] == "macaroon-invalid"
    assert entry["message"]


def test_the_expired_message_says_so(server, publisher):
    response = call(publisher, "GET", "/api/v2/confdb-schemas", credentials(server, publisher.account_id)["expired"])
    assert response.json()["error_list"][0]["message"] == "macaroon has expired"


def test_a_root_with_its_bound_discharge_is_accepted(server, publisher):
    u1 = mint_credential(publisher.account_id, root_key(server), expires=in_an_hour(), discharge_location="login.example")
    response = call(publisher, "GET", "/api/v2/confdb-schemas", u1.authorization())
    assert response.status_code == 200


def test_the_lowercase_single_macaroon_form_is_accepted(publisher):
    token = publisher.authorization.split(" ", 1)[1]
    assert call(publisher, "GET", "/api/v2/confdb-schemas", f"macaroon {token}").status_code == 200


def test_another_account_never_sees_foreign_schemas(publisher, other_publisher):
    name = f"private-{uuid.uuid4().hex[:8]}"
    publisher.publish(name)
    with other_publisher.client() as client:
        everything = client.get("/api/v2/confdb-schemas").json()["assertions"]
        by_name = client.get(f"/api/v2/confdb-schemas/{name}").json()
    assert all(item["headers"]["account-id"] == other_publisher.account_id for item in everything)
    assert by_name == {"assertions": []}


def test_another_account_cannot_upload_or_build_for_this_one(publisher, other_publisher):
    name = f"private-{uuid.uuid4().hex[:8]}"
    raw = publisher.sign(publisher.build(name))
    upload = publisher.upload(raw, authorization=other_publisher.authorization)
    assert upload.status_code == 403
    assert upload.json()["error_list"][0]["code"] == "resource-forbidden"
    with other_publisher.client() as client:
        build = client.post("/api/v2/confdb-schemas/build-assertion", json=publisher.build_request(name))
    assert build.status_code == 403
    assert build.json()["error_list"] == [{
        "code": "resource-forbidden",
        "message": f"account-id {publisher.account_id!r} is not the authenticated account",
        "extra": {"field": "account-id"},
    }]
