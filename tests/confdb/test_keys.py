"""register-key input: account-key-request assertions and plain OpenPGP exports."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.confdb.keys import key_from_request, register_key
from core.errors import InvalidArgument, PermissionDenied
from tests.confdb import signer


def test_account_key_request_registers_the_self_signed_key(publisher_key, now):
    key = register_key("publisher1", signer.account_key_request(publisher_key, "publisher1", "laptop"), now=now)
    assert (key.account_id, key.name, key.key_id) == ("publisher1", "laptop", signer.snapd_key_id(publisher_key))
    assert key.since == datetime(2026, 1, 1, tzinfo=timezone.utc) and key.until is None


def test_gpg_export_registers_from_now(publisher_key, now):
    key = register_key("publisher1", signer.armour(signer.gpg_export(publisher_key)), now=now, name="ci")
    assert (key.name, key.since, key.key_id) == ("ci", now, signer.snapd_key_id(publisher_key))
    assert key.valid_at(now) and not key.valid_at(now - timedelta(seconds=1))


def test_request_for_another_account_is_forbidden(publisher_key, now):
    with pytest.raises(PermissionDenied) as err:
        register_key("publisher1", signer.account_key_request(publisher_key, "someone-else"), now=now)
    assert err.value.metadata == {"code": "resource-forbidden", "field": "account-id"}


def test_request_signed_by_another_key_is_refused(publisher_key, stranger_key):
    headers = {
        "type": "account-key-request",
        "account-id": "publisher1",
        "name": "default",
        "public-key-sha3-384": signer.snapd_key_id(publisher_key),
        "since": "2026-01-01T00:00:00Z",
    }
    forged = signer.sign_assertion(headers, stranger_key, signer.public_key_body(publisher_key).encode())
    with pytest.raises(InvalidArgument) as err:
        key_from_request(forged)
    assert err.value.reason == "key-id-mismatch"


def test_request_with_a_tampered_header_fails_its_self_signature(publisher_key):
    tampered = signer.account_key_request(publisher_key, "publisher1").replace(b"name: default", b"name: defaulx")
    with pytest.raises(InvalidArgument) as err:
        key_from_request(tampered)
    assert err.value.reason == "bad-signature"


def test_request_needs_since_before_until(publisher_key):
    headers = {
        "type": "account-key-request",
        "account-id": "publisher1",
        "name": "default",
        "public-key-sha3-384": signer.snapd_key_id(publisher_key),
        "since": "2026-01-02T00:00:00Z",
        "until": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(InvalidArgument) as err:
        key_from_request(signer.sign_assertion(headers, publisher_key, signer.public_key_body(publisher_key).encode()))
    assert err.value.metadata["field"] == "until"
