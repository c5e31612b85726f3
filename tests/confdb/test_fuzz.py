"""Property: random mutations of a signed assertion never crash the codec and never verify.

"Never verify" is stated exactly: a mutated input may still be accepted only if the bytes the
signature covers are unchanged (e.g. a mutation inside the unhashed subpacket area or in the
base64 line breaks), because those are the only bytes the signature vouches for.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.confdb.assertion import decode_stream
from core.confdb.headers import decode_headers
from core.confdb.openpgp import public_key_from_body, public_key_from_openpgp, verify_signature
from core.confdb.upload import check_upload
from core.errors import SwitchyardError
from tests.confdb import signer
from tests.confdb.conftest import ACCOUNT
from tests.confdb.test_build import request
from core.confdb.build import build_assertion

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def original(publisher_key):
    from datetime import datetime, timedelta, timezone

    headers = build_assertion(
        request(), caller=ACCOUNT, latest_revision=None, now=datetime.now(timezone.utc) - timedelta(minutes=1)
    )
    return signer.sign_assertion(headers, publisher_key, headers["body"].encode())


def mutations():
    byte = st.integers(0, 255)
    interesting = st.sampled_from([b"\n", b"\n\n", b" ", b":", b"-", b"  -", b"    ", b"=", b"A", b"\x00", b"\xff"])
    return st.lists(
        st.one_of(
            st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), byte),
            st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 40)),
            st.tuples(st.just("insert"), st.floats(0, 1), interesting),
            st.tuples(st.just("duplicate-line"), st.floats(0, 1, exclude_max=True), st.just(0)),
        ),
        min_size=1,
        max_size=4,
    )


def apply(data: bytes, steps) -> bytes:
    out = bytearray(data)
    for kind, where, arg in steps:
        at = int(where * len(out)) if out else 0
        if kind == "flip" and out:
            out[min(at, len(out) - 1)] = arg
        elif kind == "delete":
            del out[at : at + arg]
        elif kind == "insert":
            out[at:at] = arg
        elif kind == "duplicate-line":
            start = out.rfind(b"\n", 0, at) + 1
            end = out.find(b"\n", at)
            end = len(out) if end < 0 else end + 1
            out[end:end] = out[start:end]
    return bytes(out)


@FUZZ
@given(steps=mutations())
def test_mutations_never_crash_and_never_verify(original, registered, steps):
    from datetime import datetime, timezone

    mutated = apply(original, steps)
    signed_before = decode_stream(original)[0].signed
    try:
        accepted = check_upload(
            mutated,
            caller=ACCOUNT,
            find_key={registered.key_id: registered}.get,
            latest_revision=lambda name: None,
            now=datetime.now(timezone.utc),
        )
    except SwitchyardError:
        return
    assert accepted.signed == signed_before


@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_only_raise_typed_errors(data, registered):
    key = registered.public_key
    try:
        for assertion in decode_stream(data):
            verify_signature(assertion.signed, assertion.signature, key)
    except SwitchyardError:
        pass
    else:
        pytest.fail("random bytes verified")


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab:- \n{}[]=.")), max_size=80))
def test_header_parser_only_raises_typed_errors(text):
    try:
        decode_headers(text)
    except SwitchyardError:
        pass


@FUZZ
@given(text=st.text(max_size=200))
def test_key_body_parser_only_raises_typed_errors(text):
    try:
        public_key_from_body(text)
    except SwitchyardError:
        pass


@FUZZ
@given(steps=mutations(), armoured=st.booleans())
def test_mutated_openpgp_key_exports_only_raise_typed_errors(publisher_key, steps, armoured):
    export = signer.gpg_export(publisher_key)
    try:
        public_key_from_openpgp(apply(signer.armour(export) if armoured else export, steps))
    except SwitchyardError:
        pass
