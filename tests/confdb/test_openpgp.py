"""OpenPGP subset: key ids, key exports, and v4 RSA/SHA-512 signatures."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from core.confdb.assertion import decode_assertion
from core.confdb.openpgp import (
    decode_signature,
    public_key_from_body,
    public_key_from_openpgp,
    require_strong,
    verify_signature,
)
from core.errors import InvalidArgument
from tests.confdb import signer

CONTENT = b"type: test\nauthority-id: a\nsign-key-sha3-384: x"


def test_key_id_is_sha3_384_of_the_rebuilt_packet(publisher_key):
    key = public_key_from_body(signer.public_key_body(publisher_key))
    assert key.bits == 4096
    assert key.key_id == signer.snapd_key_id(publisher_key)
    assert len(key.key_id) == 64
    assert key.encode_body() == signer.public_key_body(publisher_key)


def test_gpg_export_binary_and_armoured_give_the_snapd_id_whatever_the_creation_time(publisher_key):
    expected = signer.snapd_key_id(publisher_key)
    for created in (1500000000, 1700000000):
        binary = signer.gpg_export(publisher_key, created)
        assert public_key_from_openpgp(binary).key_id == expected
        assert public_key_from_openpgp(signer.armour(binary)).key_id == expected


def test_armour_checksum_mismatch_is_refused(publisher_key):
    armoured = signer.armour(signer.gpg_export(publisher_key)).decode()
    line = next(line for line in armoured.splitlines() if line.startswith("="))
    broken = armoured.replace(line, "=AAAA" if line != "=AAAA" else "=AAAB")
    with pytest.raises(InvalidArgument, match="checksum"):
        public_key_from_openpgp(broken.encode())


def test_keys_under_4096_bits_are_refused():
    small = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = public_key_from_openpgp(signer.gpg_export(small))
    with pytest.raises(InvalidArgument) as err:
        require_strong(key)
    assert err.value.reason == "weak-key"


def test_sign_then_verify(publisher_key):
    key = public_key_from_body(signer.public_key_body(publisher_key))
    verify_signature(CONTENT, signer.sign_content(CONTENT, publisher_key), key)


def test_signature_without_unhashed_subpackets_as_snapd_go_signer_makes(publisher_key):
    key = public_key_from_body(signer.public_key_body(publisher_key))
    verify_signature(CONTENT, signer.sign_content(CONTENT, publisher_key, unhashed=b""), key)


@pytest.mark.parametrize("content", [CONTENT + b" ", CONTENT[:-1], CONTENT.replace(b"a", b"b")])
def test_any_change_to_the_content_fails(publisher_key, content):
    key = public_key_from_body(signer.public_key_body(publisher_key))
    with pytest.raises(InvalidArgument) as err:
        verify_signature(content, signer.sign_content(CONTENT, publisher_key), key)
    assert (err.value.reason, err.value.metadata["field"]) == ("bad-signature", "signature")


def test_another_key_fails(publisher_key, stranger_key):
    key = public_key_from_body(signer.public_key_body(stranger_key))
    with pytest.raises(InvalidArgument, match="failed signature verification"):
        verify_signature(CONTENT, signer.sign_content(CONTENT, publisher_key), key)


def test_sha256_signatures_are_refused(publisher_key):
    with pytest.raises(InvalidArgument, match="SHA-512"):
        decode_signature(signer.sign_content(CONTENT, publisher_key, hash_algo=8))


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x02", b"\x01", b"\x01\xc2", b"\x01\xc2\x05\x04\x00\x01\x0a", b"\x01\xc2\xe0\x00", b"\x01\x8b\x00"],
)
def test_truncated_or_foreign_packets_are_refused(raw):
    with pytest.raises(InvalidArgument) as err:
        decode_signature(base64.b64encode(raw).decode())
    assert err.value.metadata["field"] == "signature"


def test_trailing_data_after_the_signature_packet_is_refused(publisher_key):
    raw = base64.b64decode("".join(signer.sign_content(CONTENT, publisher_key).split()))
    with pytest.raises(InvalidArgument, match="exactly one"):
        decode_signature(base64.b64encode(raw + b"\x00").decode())


def test_canonical_account_key_body_from_snapd_vector_is_4096_bits():
    from tests.confdb.test_assertion import vector

    account_key, _, key = vector()
    assert key.bits == 4096 and decode_assertion(account_key.encoded()).signed == account_key.signed
