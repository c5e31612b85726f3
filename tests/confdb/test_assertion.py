"""The assertion text format against snapd's own published test vectors."""

from __future__ import annotations

import pytest

from core.confdb.assertion import assemble_content, decode_assertion, decode_stream, encode_stream
from core.confdb.openpgp import public_key_from_body, verify_signature
from core.errors import InvalidArgument
from tests.confdb.conftest import VECTORS

STREAM = (VECTORS / "developer1-network.confdb").read_bytes()


def vector():
    account_key, schema = decode_stream(STREAM)
    return account_key, schema, public_key_from_body(account_key.body.decode())


def test_snapd_stream_splits_into_account_key_and_confdb_schema():
    account_key, schema, key = vector()
    assert (account_key.type, schema.type) == ("account-key", "confdb-schema")
    assert schema.headers["body-length"] == "156" and len(schema.body) == 156
    assert key.key_id == account_key.headers["public-key-sha3-384"] == schema.sign_key_id


def test_snapd_signature_verifies_over_the_exact_bytes():
    _, schema, key = vector()
    verify_signature(schema.signed, schema.signature, key)


def test_encoder_reproduces_snap_sign_content_byte_for_byte():
    account_key, schema, _ = vector()
    assert assemble_content(schema.headers, schema.body) == schema.signed
    assert assemble_content(account_key.headers, account_key.body) == account_key.signed
    assert encode_stream([account_key, schema]) == STREAM


def test_stream_tolerates_missing_final_newline_and_trailing_blank_lines():
    for data in (STREAM.rstrip(b"\n"), STREAM + b"\n\n"):
        assert [a.signed for a in decode_stream(data)] == [a.signed for a in decode_stream(STREAM)]


def test_single_assertion_decode_refuses_a_stream():
    with pytest.raises(InvalidArgument) as err:
        decode_assertion(STREAM)
    assert err.value.reason == "assertion-count"


def _schema_bytes() -> bytes:
    return decode_stream(STREAM)[1].encoded()


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda b: b.replace(b"body-length: 156", b"body-length: 150"), "body-length", "body-length-mismatch"),
        (lambda b: b.replace(b"body-length: 156", b"body-length: 9999"), "body-length", "body-length-mismatch"),
        (lambda b: b.replace(b"body-length: 156", b"body-length: 0156"), "body-length", "invalid-integer"),
        (lambda b: b.replace(b"body-length: 156", b"body-length: -1"), "body-length", "invalid-integer"),
        (lambda b: b.replace(b"type: confdb-schema\n", b""), "type", "missing-header"),
        (lambda b: b.split(b"\n\n")[0], "headers", "missing-signature"),
        (lambda b: b.replace(b"sign-key-sha3-384: EAD4", b"sign-key-sha3-384: EA"), "sign-key-sha3-384", "invalid-key-id"),
        (lambda b: b.replace(b"name: network", b"name: n\xffetwork"), "headers", "invalid-utf8"),
        (lambda b: b"\n\n", "assertion", "empty-input"),
    ],
)
def test_malformed_assertions_are_refused_with_the_field(mutate, field, reason):
    with pytest.raises(InvalidArgument) as err:
        decode_stream(mutate(_schema_bytes()))
    assert (err.value.metadata["field"], err.value.reason) == (field, reason)
    assert err.value.metadata["code"] == "invalid-field"


def test_body_containing_blank_lines_is_read_by_length():
    account_key, schema, _ = vector()
    body = b'{\n\n}'
    content = assemble_content(schema.headers, body)
    parsed = decode_assertion(content + b"\n\n" + schema.signature.encode())
    assert parsed.body == body and parsed.signed == content
