"""The documented flow over HTTPS: build-assertion, sign locally as `snap sign` does, upload, list."""

from __future__ import annotations

import uuid

from core.confdb.canonical_json import canonical_json
from tests.confdb_api.publisher import BODY, VIEWS, stored_revisions

LISTED = {"type", "authority-id", "account-id", "name", "revision", "views", "timestamp", "body-length", "sign-key-sha3-384"}


def schema_name() -> str:
    return f"net-{uuid.uuid4().hex[:10]}"


def test_build_sign_upload_list_answers_the_shapes_snapcraft_parses(publisher):
    name = schema_name()
    headers = publisher.build(name)
    assert set(headers) == {"type", "authority-id", "account-id", "name", "revision", "timestamp", "views", "body"}
    assert headers["type"] == "confdb-schema"
    assert headers["authority-id"] == headers["account-id"] == publisher.account_id
    assert (headers["name"], headers["revision"], headers["views"]) == (name, "1", VIEWS)
    assert headers["body"] == canonical_json(BODY)

    raw = publisher.sign(headers)
    response = publisher.upload(raw)
    assert response.status_code == 201, response.text
    (item,) = response.json()["assertions"]
    assert set(item) == {"headers", "body"}
    assert set(item["headers"]) == LISTED
    assert all(isinstance(value, str) for key, value in item["headers"].items() if key != "views")
    assert item["headers"]["revision"] == "1"
    assert item["headers"]["body-length"] == str(len(headers["body"].encode()))
    assert item["body"] == headers["body"]

    with publisher.client() as client:
        listed = client.get("/api/v2/confdb-schemas")
        one = client.get(f"/api/v2/confdb-schemas/{name}")
    assert listed.status_code == one.status_code == 200
    assert item in listed.json()["assertions"]
    assert one.json() == {"assertions": [item]}


def test_a_new_revision_is_kept_beside_the_old_one_verbatim(publisher):
    name = schema_name()
    first = publisher.publish(name)
    headers = publisher.build(name)
    assert headers["revision"] == "2"
    second = publisher.sign(headers)
    assert publisher.upload(second).status_code == 201

    assert stored_revisions(publisher.server, publisher.account_id, name) == [(1, first), (2, second)]
    with publisher.client() as client:
        (latest,) = client.get(f"/api/v2/confdb-schemas/{name}").json()["assertions"]
    assert latest["headers"]["revision"] == "2"


def test_replaying_a_revision_answers_409_conflict(publisher):
    name = schema_name()
    raw = publisher.publish(name)
    response = publisher.upload(raw)
    assert response.status_code == 409
    assert response.json() == {
        "error_list": [{
            "code": "conflict",
            "message": "revision 1 is already the current revision",
            "extra": {"field": "revision"},
        }]
    }
    assert len(stored_revisions(publisher.server, publisher.account_id, name)) == 1


def test_a_lower_revision_answers_409(publisher):
    name = schema_name()
    publisher.publish(name)
    publisher.publish(name)
    headers = publisher.build(name)
    headers["revision"] = "1"
    response = publisher.upload(publisher.sign(headers))
    assert response.status_code == 409
    assert response.json()["error_list"][0]["message"] == "revision 1 is older than current revision 2"


def test_an_unknown_name_lists_as_empty_so_snapcraft_creates_it(publisher):
    with publisher.client() as client:
        response = client.get(f"/api/v2/confdb-schemas/{schema_name()}")
    assert response.status_code == 200
    assert response.json() == {"assertions": []}


def test_an_account_without_schemas_lists_nothing(server, other_publisher):
    with other_publisher.client() as client:
        response = client.get("/api/v2/confdb-schemas/")
    assert response.status_code == 200
    assert response.json() == {"assertions": []}


def test_another_assertion_type_beside_the_schema_answers_400_naming_the_type(publisher):
    from tests.confdb import signer

    name = schema_name()
    key_request = signer.account_key_request(publisher.key, publisher.account_id)
    schema = publisher.sign(publisher.build(name))
    response = publisher.upload(key_request + b"\n" + schema)
    assert response.status_code == 400
    assert response.json()["error_list"][0]["extra"] == {"field": "type"}


def test_concurrent_uploads_of_one_revision_store_it_once(publisher):
    # All pass the checks against "no revision yet"; the write transaction lets one through.
    from concurrent.futures import ThreadPoolExecutor

    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: publisher.upload(raw), range(8)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    refusals = {r.json()["error_list"][0]["message"] for r in responses if r.status_code == 409}
    assert refusals == {"revision 1 is already the current revision"}
    assert stored_revisions(publisher.server, publisher.account_id, name) == [(1, raw)]


def test_posting_to_the_schema_path_uploads_when_the_name_matches(publisher):
    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    with publisher.client() as client:
        headers = {"Content-Type": "application/x.ubuntu.assertion"}
        wrong = client.post(f"/api/v2/confdb-schemas/{name}x", content=raw, headers=headers)
        assert wrong.status_code == 400
        assert wrong.json()["error_list"][0]["code"] == "invalid-field"
        assert wrong.json()["error_list"][0]["extra"]["field"] == "name"
        right = client.post(f"/api/v2/confdb-schemas/{name}", content=raw, headers=headers)
    assert right.status_code == 201, right.text
    assert right.json()["assertions"][0]["headers"]["name"] == name
