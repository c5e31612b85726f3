"""POST /api/v2/confdb-schemas/build-assertion, as a domain function."""

from __future__ import annotations

import json

import pytest

from core.confdb.build import build_assertion
from core.errors import Conflict, InvalidArgument, PermissionDenied

BODY = '{"storage": {"schema": {"wifi": {"values": "any"}}}}'
CANONICAL = '{\n  "storage": {\n    "schema": {\n      "wifi": {\n        "values": "any"\n      }\n    }\n  }\n}'


def request(**changes):
    base = {
        "account-id": "publisher1",
        "name": "network",
        "views": {"wifi-setup": {"rules": [{"access": "read-write", "request": "ssids", "storage": "wifi.ssids"}]}},
        "body": BODY,
    }
    base.update(changes)
    return base


def build(req, now, latest=None, **kw):
    return build_assertion(req, caller="publisher1", latest_revision=latest, now=now, **kw)


def test_answers_headers_ready_for_snap_sign(now):
    headers = build(request(), now, latest=9)
    assert list(headers) == ["type", "authority-id", "account-id", "name", "revision", "timestamp", "views", "body"]
    assert headers["type"] == "confdb-schema"
    assert headers["authority-id"] == headers["account-id"] == "publisher1"
    assert headers["revision"] == "10"
    assert headers["body"] == CANONICAL
    assert headers["timestamp"] == now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "null" not in json.dumps(headers)


def test_first_revision_of_a_new_name_is_1(now):
    assert build(request(), now)["revision"] == "1"


def test_filter_booleans_become_strings(now):
    views = {"wifi": {"rules": [{"storage": "wifi.ssids"}], "filters": [{"ssid": {"optional": True}}]}}
    assert build(request(views=views), now)["views"]["wifi"]["filters"] == [{"ssid": {"optional": "true"}}]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": "x"}, "request"),
        ({"views": {}}, "views"),
        ({"views": {"a": {"rules": []}, "b": {"rules": []}}}, "views"),
        ({"views": {"wifi1": {"rules": [{"storage": "a"}]}}}, "views"),  # the document's name pattern has no digits
        ({"views": {"wifi": {"rules": [{"storage": "a", "access": "rw"}]}}}, "views"),
        ({"views": {"wifi": {"rules": [{"storage": ""}]}}}, "views"),
        ({"views": {"wifi": {"rules": [{"storage": "a", "content": []}]}}}, "views"),
        ({"views": {"wifi": {"summary": "x", "rules": [{"storage": "a"}]}}}, "views"),
        ({"name": ""}, "name"),
        ({"body": 3}, "body"),
        ({"summary": "not in the document"}, "request"),
    ],
)
def test_request_must_match_the_document_schema(changes, field, now):
    with pytest.raises(InvalidArgument) as err:
        build(request(**changes), now)
    assert (err.value.reason, err.value.metadata["field"], err.value.metadata["code"]) == (
        "schema-violation",
        field,
        "invalid-field",
    )


def test_missing_required_field(now):
    req = request()
    del req["body"]
    with pytest.raises(InvalidArgument, match="'body' is a required property"):
        build(req, now)


@pytest.mark.parametrize(
    ("views", "reason"),
    [
        ({"wifi": {"rules": [{"request": "a.{x}", "storage": "wifi.ssid"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"request": "a.{x}.{x}", "storage": "w.{x}"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"request": "a[{x}].{x}", "storage": "w[{x}]"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"request": "a[0]", "storage": "w[0]"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"request": "a..b", "storage": "w"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"request": "A", "storage": "w"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"storage": "w[.f={p}]", "request": "w"}]}}, "invalid-path"),
        ({"wifi": {"rules": [{"storage": "a"}, {"storage": "a", "access": "read"}]}}, "invalid-views"),
        ({"wifi": {"rules": [{"storage": "a", "content": [{"storage": "b", "access": "read"}]}]}}, "invalid-views"),
    ],
)
def test_snapd_rule_checks_beyond_the_schema(views, reason, now):
    with pytest.raises(InvalidArgument) as err:
        build(request(views=views), now)
    assert (err.value.reason, err.value.metadata["field"]) == (reason, "views")


def test_placeholders_literal_indexes_and_content_rules_are_accepted(now):
    views = {
        "wifi": {
            "rules": [
                {"request": "ssids", "storage": "wifi.ssids", "content": [{"request": "[{n}]", "storage": "[{n}]"}]},
                {"request": "private.{key}", "storage": "wifi.private.{key}"},
                {"request": "first", "storage": "wifi.list[0]", "access": "read"},
                {"request": "first", "storage": "wifi.other", "access": "write"},
            ]
        }
    }
    assert build(request(views=views), now)["views"] == views


def test_account_id_must_be_the_callers(now):
    with pytest.raises(PermissionDenied) as err:
        build(request(**{"account-id": "someone-else"}), now)
    assert err.value.metadata == {"code": "resource-forbidden", "field": "account-id"}


@pytest.mark.parametrize(("body", "reason"), [("{", "body-not-json"), ("{}", "missing-storage"), ('{"storage": 1}', "missing-storage")])
def test_body_must_be_json_with_storage(body, reason, now):
    with pytest.raises(InvalidArgument) as err:
        build(request(body=body), now)
    assert (err.value.reason, err.value.metadata["field"]) == (reason, "body")


def test_client_compatible_mode_accepts_what_snapcraft_sends(now):
    views = {
        "wifi-admin": {
            "summary": "admin view",
            "parameters": {"to": {"presence": "optional"}},
            "rules": [{"request": "routes", "storage": "wifi.routes[.to={to}]"}],
        },
        "wifi-setup": {"rules": [{"storage": "wifi.ssids"}]},
    }
    headers = build(request(views=views, summary="net", revision=12), now, latest=3, client_compatible=True)
    assert (headers["summary"], headers["revision"]) == ("net", "12")
    with pytest.raises(Conflict) as err:
        build(request(revision=3), now, latest=3, client_compatible=True)
    assert err.value.metadata["code"] == "conflict"


@pytest.mark.parametrize(
    "storage",
    [
        {"schema": {"a": "strin"}},
        {"schema": {"a": "${nope}"}},
        {"schema": {"a": []}},
        {"schema": {"a": {"type": "string", "choices": ["x"], "pattern": "x"}}},
        {"schema": {"a": {"type": "int", "min": 5, "max": 1}}},
        {"schema": {"a": {"type": "int", "min": 1.5}}},
        {"schema": {"a": {"type": "int", "choices": [1], "max": 3}}},
        {"schema": {"a": {"schema": {"b": "int"}, "values": "any"}}},
        {"schema": {"a": {"type": "map", "keys": "int"}}},
        {"schema": {"a": {"schema": {"b": "int"}, "required": ["c"]}}},
        {"schema": {"a": {"type": "string", "visibility": "public"}}},
        {"aliases": {"x": {"type": "string", "ephemeral": True}}, "schema": {"a": "${x}"}},
        {"type": "array", "schema": {}},
    ],
)
def test_storage_schema_rules(storage, now):
    with pytest.raises(InvalidArgument) as err:
        build(request(body=json.dumps({"storage": storage})), now)
    assert (err.value.reason, err.value.metadata["field"]) == ("invalid-storage-schema", "body")


def test_storage_schema_with_aliases_and_constraints_is_accepted(now):
    storage = {
        "aliases": {"ssid": {"type": "string", "pattern": "^[a-z]+$"}},
        "schema": {
            "wifi": {
                "schema": {
                    "ssids": {"type": "array", "values": "${ssid}", "unique": True},
                    "psk": {"type": "string", "visibility": "secret", "ephemeral": True},
                    "channel": {"type": "int", "min": 1, "max": 14},
                    "band": {"type": "number", "choices": [2.4, 5]},
                    "by-name": {"type": "map", "keys": "${ssid}", "values": ["int", "bool"]},
                },
                "required": ["ssids"],
            }
        },
    }
    headers = build(request(body=json.dumps({"storage": storage})), now)
    assert json.loads(headers["body"]) == {"storage": storage}
