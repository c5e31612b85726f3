"""POST /api/v2/confdb-schemas checks: build, sign locally, upload, list."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.confdb.build import build_assertion
from core.confdb.keys import AccountKey
from core.confdb.listing import list_item, list_response
from core.confdb.problems import store_code
from core.confdb.upload import check_media_type, check_upload
from core.errors import Conflict, InvalidArgument, PermissionDenied
from tests.confdb import signer
from tests.confdb.conftest import ACCOUNT
from tests.confdb.test_build import CANONICAL, request


@pytest.fixture
def headers(now):
    # Signed a minute ago so that the key's `since`, the timestamp and `now` are ordered.
    return build_assertion(request(), caller=ACCOUNT, latest_revision=None, now=now - timedelta(minutes=1))


@pytest.fixture
def signed(headers, publisher_key) -> bytes:
    return signer.sign_assertion(headers, publisher_key, headers["body"].encode())


def upload(raw, registered, now, *, latest=None, caller=ACCOUNT, keys=None):
    known = {registered.key_id: registered} if keys is None else keys
    return check_upload(raw, caller=caller, find_key=known.get, latest_revision=lambda name: latest, now=now)


def refused(exc, raw, registered, now, reason, field, **kw):
    with pytest.raises(exc) as err:
        upload(raw, registered, now, **kw)
    assert (err.value.reason, err.value.metadata.get("field")) == (reason, field)
    return err.value


def test_full_flow_build_sign_upload_list(signed, registered, now):
    stored = upload(signed, registered, now)
    assert stored.encoded() == signed  # kept verbatim
    item = list_item(signed)
    assert item["body"] == CANONICAL
    assert item["headers"]["revision"] == "1"
    assert item["headers"]["body-length"] == str(len(CANONICAL))
    assert item["headers"]["sign-key-sha3-384"] == registered.key_id
    assert set(item["headers"]) <= {
        "type", "authority-id", "account-id", "name", "revision", "summary", "views", "timestamp", "body-length",
        "sign-key-sha3-384",
    }
    assert list_response([signed, stored]) == {"assertions": [item, item]}


def test_signing_chain_sent_along_is_ignored(signed, registered, now, publisher_key):
    chain = signer.account_key_request(publisher_key, ACCOUNT).replace(b"account-key-request", b"account-key")
    assert upload(chain + b"\n" + signed, registered, now).encoded() == signed


def test_replayed_revision_conflicts(signed, registered, now):
    err = refused(Conflict, signed, registered, now, "revision-not-newer", "revision", latest=1)
    assert store_code(err) == "conflict" and "already the current revision" in err.message
    err = refused(Conflict, signed, registered, now, "revision-not-newer", "revision", latest=5)
    assert "older than current revision 5" in err.message
    assert upload(signed, registered, now, latest=0).revision == 1


def test_unregistered_key(headers, stranger_key, registered, now):
    raw = signer.sign_assertion(headers, stranger_key, headers["body"].encode())
    refused(InvalidArgument, raw, registered, now, "unknown-signing-key", "sign-key-sha3-384")


def test_key_registered_to_another_account(signed, registered, now):
    foreign = AccountKey("someone-else", "default", registered.public_key, registered.since)
    refused(InvalidArgument, signed, registered, now, "unknown-signing-key", "sign-key-sha3-384", keys={foreign.key_id: foreign})


def test_tampered_header(signed, registered, now):
    refused(InvalidArgument, signed.replace(b"access: read-write", b"access: read"), registered, now, "bad-signature", "signature")


def test_tampered_body(signed, registered, now):
    refused(InvalidArgument, signed.replace(b'"any"', b'"int"'), registered, now, "bad-signature", "signature")


def test_body_length_that_lies(signed, registered, now):
    length = str(len(CANONICAL)).encode()
    lying = signed.replace(b"body-length: " + length, b"body-length: " + str(len(CANONICAL) - 1).encode())
    refused(InvalidArgument, lying, registered, now, "body-length-mismatch", "body-length")


def test_foreign_account_ids(headers, publisher_key, registered, now):
    other = {**headers, "account-id": "someone-else", "authority-id": "someone-else"}
    refused(PermissionDenied, signed_for(other, publisher_key), registered, now, "foreign-account", "account-id")
    mismatched = {**headers, "authority-id": "someone-else"}
    refused(InvalidArgument, signed_for(mismatched, publisher_key), registered, now, "authority-mismatch", "authority-id")
    refused(PermissionDenied, signed_for(headers, publisher_key), registered, now, "foreign-account", "account-id", caller="other")


def signed_for(headers, key):
    return signer.sign_assertion(headers, key, headers["body"].encode())


def test_key_validity_window(signed, registered, now):
    later = AccountKey(ACCOUNT, "default", registered.public_key, now)
    refused(InvalidArgument, signed, registered, now, "timestamp-outside-key-validity", "timestamp", keys={later.key_id: later})
    expired = AccountKey(ACCOUNT, "default", registered.public_key, registered.since, until=now - timedelta(seconds=1))
    refused(InvalidArgument, signed, registered, now, "signing-key-expired", "sign-key-sha3-384", keys={expired.key_id: expired})


def test_other_assertion_types_are_refused(publisher_key, registered, now):
    raw = signer.account_key_request(publisher_key, ACCOUNT)
    refused(InvalidArgument, raw, registered, now, "wrong-type", "type")


def test_signed_but_invalid_views_or_body(headers, publisher_key, registered, now):
    bad_views = {**headers, "views": {"wifi": {"rules": [{"storage": "a", "access": "rw"}]}}}
    refused(InvalidArgument, signed_for(bad_views, publisher_key), registered, now, "invalid-views", "views")
    sloppy = {**headers, "body": '{"storage": {"schema": {}}}'}
    refused(InvalidArgument, signed_for(sloppy, publisher_key), registered, now, "body-not-canonical", "body")
    no_body = {k: v for k, v in headers.items() if k != "body"}
    refused(InvalidArgument, signer.sign_assertion(no_body, publisher_key), registered, now, "missing-body", "body")
    no_time = {k: v for k, v in headers.items() if k != "timestamp"}
    refused(InvalidArgument, signed_for(no_time, publisher_key), registered, now, "missing-header", "timestamp")


def test_snapd_vector_with_parameters_and_filters_passes_upload_checks():
    from tests.confdb.test_assertion import vector

    account_key, schema, key = vector()
    developer1 = AccountKey("developer1", "default", key, datetime(2020, 9, 11, tzinfo=timezone.utc))
    stored = check_upload(
        schema.encoded(),
        caller="developer1",
        find_key={key.key_id: developer1}.get,
        latest_revision=lambda name: None,
        now=datetime(2026, 6, 13, tzinfo=timezone.utc),
    )
    assert stored.headers["name"] == "network"


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_content_type_must_be_the_assertion_media_type(content_type):
    with pytest.raises(InvalidArgument) as err:
        check_media_type(content_type)
    assert err.value.metadata["field"] == "content-type"
    check_media_type("application/x.ubuntu.assertion; charset=utf-8")
