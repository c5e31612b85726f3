"""POST /api/v2/confdb-schemas refusals: each a store `error_list` naming the problem, nothing stored."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.confdb import signer
from tests.confdb_api.publisher import stored_revisions


def schema_name() -> str:
    return f"bad-{uuid.uuid4().hex[:10]}"


def assert_refused(publisher, response, status: int, code: str, field: str, name: str | None = None):
    assert response.status_code == status, response.text
    (entry,) = response.json()["error_list"]
    assert entry["code"] == code
    assert entry["extra"] == {"field": field}
    assert entry["message"]
    if name is not None:
        assert stored_revisions(publisher.server, publisher.account_id, name) == []
    return entry


def test_a_signature_from_an_unregistered_key_answers_400(publisher, stranger_key):
    name = schema_name()
    raw = publisher.sign(publisher.build(name), key=stranger_key)
    entry = assert_refused(publisher, publisher.upload(raw), 400, "invalid-field", "sign-key-sha3-384", name)
    assert signer.snapd_key_id(stranger_key) in entry["message"]


def test_a_tampered_header_fails_the_signature(publisher):
    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    tampered = raw.replace(b"access: read-write", b"access: write", 1)
    assert tampered != raw
    entry = assert_refused(publisher, publisher.upload(tampered), 400, "invalid-field", "signature", name)
    assert entry["message"] == "failed signature verification"


def test_a_tampered_body_fails_the_signature(publisher):
    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    tampered = raw.replace(b'"values": "any"', b'"values": "int"', 1)
    assert tampered != raw
    assert_refused(publisher, publisher.upload(tampered), 400, "invalid-field", "signature", name)


def test_a_body_length_that_lies_answers_400(publisher):
    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    length = int(re.search(rb"body-length: (\d+)", raw)[1])
    lying = raw.replace(b"body-length: %d" % length, b"body-length: %d" % (length - 1), 1)
    assert_refused(publisher, publisher.upload(lying), 400, "invalid-field", "body-length", name)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream"])
def test_a_wrong_content_type_answers_400(publisher, content_type):
    name = schema_name()
    raw = publisher.sign(publisher.build(name))
    entry = assert_refused(publisher, publisher.upload(raw, content_type), 400, "invalid-field", "content-type", name)
    assert entry["message"] == f"expected Content-Type application/x.ubuntu.assertion, got {content_type}"


def test_a_content_type_with_parameters_is_accepted(publisher):
    raw = publisher.sign(publisher.build(schema_name()))
    assert publisher.upload(raw, "application/x.ubuntu.assertion; charset=utf-8").status_code == 201


def test_an_assertion_for_another_account_answers_403(publisher, other_publisher):
    # Signed with the publisher's own registered key, but naming another account.
    name = schema_name()
    headers = publisher.build(name)
    headers["authority-id"] = headers["account-id"] = other_publisher.account_id
    response = publisher.upload(publisher.sign(headers))
    assert_refused(publisher, response, 403, "resource-forbidden", "account-id")
    assert stored_revisions(publisher.server, other_publisher.account_id, name) == []


def test_another_accounts_key_cannot_sign_for_this_account(publisher, other_publisher):
    name = schema_name()
    raw = publisher.sign(publisher.build(name), key=other_publisher.key)
    assert_refused(publisher, publisher.upload(raw), 400, "invalid-field", "sign-key-sha3-384", name)


def test_authority_and_account_must_match(publisher, other_publisher):
    name = schema_name()
    headers = publisher.build(name)
    headers["authority-id"] = other_publisher.account_id
    assert_refused(publisher, publisher.upload(publisher.sign(headers)), 400, "invalid-field", "authority-id", name)


def test_a_body_that_is_not_canonical_json_answers_400(publisher):
    name = schema_name()
    headers = publisher.build(name)
    headers["body"] = '{"storage": {"schema": {"wifi": {"values": "any"}}}}'
    assert_refused(publisher, publisher.upload(publisher.sign(headers)), 400, "invalid-field", "body", name)


@pytest.mark.parametrize("raw", [b"", b"not an assertion", b"type: confdb-schema\n\n", b"\xff\xfe\x00garbage\n\nsig"])
def test_garbage_answers_400_never_500(publisher, raw):
    response = publisher.upload(raw)
    assert response.status_code == 400, response.text
    assert response.json()["error_list"][0]["code"] == "invalid-field"


@pytest.mark.parametrize("size", [4 * 1024 * 1024 + 1, 4 * 1024 * 1024, 4 * 1024 * 1024 - 10])
def test_a_body_at_or_over_4_mib_answers_413_in_the_store_format(publisher, size):
    # Just under the listener's limit too: the body must still fit one gRPC message to the core.
    response = publisher.upload(b"x" * size)
    assert response.status_code == 413
    (entry,) = response.json()["error_list"]
    assert entry["code"] == "request-too-large"
