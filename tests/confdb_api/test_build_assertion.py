"""POST /api/v2/confdb-schemas/build-assertion refusals, in the store's format."""

from __future__ import annotations

import pytest


def post(publisher, **kwargs):
    with publisher.client() as client:
        return client.post("/api/v2/confdb-schemas/build-assertion", **kwargs)


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe",
                                  b"[" * 5000 + b"]" * 5000, b'{"name":' * 5000])
def test_a_body_that_is_not_a_json_object_answers_400_bad_request(publisher, body):
    response = post(publisher, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    (entry,) = response.json()["error_list"]
    assert entry["code"] == "bad-request"
    assert entry["message"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"views": {}}, "views"),
        ({"views": {"Bad_View": {"rules": [{"storage": "a"}]}}}, "views"),
        ({"views": {"a-view": {"rules": [{"storage": "a", "access": "rw"}]}}}, "views"),
        ({"name": ""}, "name"),
        ({"surprise": "x"}, "request"),
        ({"body": 3}, "body"),
    ],
)
def test_a_request_outside_the_documents_schema_answers_400_invalid_field(publisher, change, field):
    response = post(publisher, json={**publisher.build_request("net"), **change})
    assert response.status_code == 400, response.text
    (entry,) = response.json()["error_list"]
    assert entry["code"] == "invalid-field"
    assert entry["extra"] == {"field": field}


def test_a_missing_required_key_is_named(publisher):
    request = publisher.build_request("net")
    del request["views"]
    response = post(publisher, json=request)
    assert response.status_code == 400
    assert "views" in response.json()["error_list"][0]["message"]


def test_mismatched_placeholders_answer_400_with_snapds_message(publisher):
    views = {"wifi": {"rules": [{"request": "a.{x}", "storage": "wifi.ssid"}]}}
    response = post(publisher, json=publisher.build_request("net", views=views))
    assert response.status_code == 400
    assert "mismatched placeholders" in response.json()["error_list"][0]["message"]


def test_a_body_without_storage_answers_400(publisher):
    response = post(publisher, json=publisher.build_request("net", body='{"other": {}}'))
    assert response.status_code == 400
    assert response.json()["error_list"][0]["extra"] == {"field": "body"}
