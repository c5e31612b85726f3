"""The data key, Shamir sharing and recovery with one key, several keys (XOR) and a threshold."""

from __future__ import annotations

import base64
import itertools
import json
import os

import pytest
from core.coordinator import shamir
from core.coordinator.datakey import (
    DataKeyMismatch,
    new_data_key,
    open_state,
    open_value,
    recovery_data_of,
    seal_state,
    seal_value,
)
from core.coordinator.recovery import (
    OAEP,
    RECOVERY_SUCCESSFUL,
    RecoverySession,
    decode_recovery_secret,
    ephemeral_public_key_response,
    generate_recovery,
    new_ephemeral_key,
    progress_message,
    sign_recovery_secret,
)
from core.errors import InvalidArgument


def test_sealed_values_are_bound_to_key_and_name():
    dek = new_data_key()
    sealed = seal_value(dek, b"secret bytes", b"secret:a")
    assert b"secret bytes" not in sealed
    assert open_value(dek, sealed, b"secret:a") == b"secret bytes"
    with pytest.raises(DataKeyMismatch):
        open_value(dek, sealed, b"secret:b")
    with pytest.raises(DataKeyMismatch):
        open_value(new_data_key(), sealed, b"secret:a")


def test_sealed_state_layout_keeps_recovery_data_readable():
    dek = new_data_key()
    blob = seal_state(dek, b'{"h":true}', b"state")
    assert blob[:4] == (10).to_bytes(4, "little") and recovery_data_of(blob) == b'{"h":true}'
    assert open_state(dek, blob) == b"state"


# ---- Shamir ------------------------------------------------------------------------------------

def test_gf256_arithmetic():
    assert shamir.mul(0x57, 0x83) == 0xC1  # the worked example of FIPS-197
    for a in range(1, 256):
        assert shamir.div(shamir.mul(a, 0x53), 0x53) == a


@pytest.mark.parametrize("parts, threshold", [(2, 2), (3, 2), (5, 3), (6, 6)])
def test_any_threshold_shares_rebuild_the_secret(parts, threshold):
    secret = os.urandom(32)
    shares = shamir.split(secret, parts, threshold)
    assert all(len(s) == 33 for s in shares) and len({s[-1] for s in shares}) == parts
    for subset in itertools.combinations(shares, threshold):
        assert shamir.combine(list(subset)) == secret
    if threshold > 2:
        assert shamir.combine(shares[: threshold - 1]) != secret


def test_shamir_rejects_bad_input():
    with pytest.raises(InvalidArgument):
        shamir.split(b"x", 2, 3)
    with pytest.raises(InvalidArgument):
        shamir.combine([b"ab"])
    share = shamir.split(b"xy", 3, 2)[0]
    with pytest.raises(InvalidArgument):
        shamir.combine([share, share])


# ---- recovery ----------------------------------------------------------------------------------

def _decrypt(keys, setup):
    return {f"k{i}": keys[i].decrypt(setup.encrypted_secrets[f"k{i}"], OAEP) for i in range(len(setup.encrypted_secrets))}


def _public(keys, n):
    return {f"k{i}": keys[i].public_key() for i in range(n)}


def _opener(dek):
    state = seal_state(dek, b"", b"the state")

    def opens(candidate: bytes) -> bool:
        try:
            open_state(candidate, state)
            return True
        except DataKeyMismatch:
            return False

    return opens


def test_single_key_recovery(rsa_keys):
    setup = generate_recovery(_public(rsa_keys, 1))
    assert setup.recovery_data == b"null"
    secret = _decrypt(rsa_keys, setup)["k0"]
    assert secret == setup.data_key
    assert base64.b64decode(setup.recovery_secrets_b64()["k0"]) == setup.encrypted_secrets["k0"]
    session = RecoverySession(setup.recovery_data)
    wrong = session.submit(os.urandom(32), b"", _opener(setup.data_key))
    assert (wrong.remaining, wrong.message, wrong.data_key) == (1, progress_message(1), None)
    result = session.submit(secret, sign_recovery_secret(rsa_keys[0], secret), _opener(setup.data_key))
    assert (result.remaining, result.message, result.data_key) == (0, RECOVERY_SUCCESSFUL, setup.data_key)
    session.verify_signatures(_public(rsa_keys, 1))


def test_no_recovery_keys_gives_an_empty_map():
    setup = generate_recovery({})
    assert setup.recovery_secrets_b64() == {} and len(setup.data_key) == 32


def test_xor_recovery_needs_every_key(rsa_keys):
    setup = generate_recovery(_public(rsa_keys, 3))
    assert len(json.loads(setup.recovery_data)) == 3
    shares = _decrypt(rsa_keys, setup)
    session = RecoverySession(setup.recovery_data)
    opens = _opener(setup.data_key)
    r = session.submit(shares["k2"], sign_recovery_secret(rsa_keys[2], shares["k2"]), opens)
    assert (r.remaining, r.message) == (2, "Secret was processed successfully. Upload the next secret. Remaining secrets: 2")
    with pytest.raises(InvalidArgument, match="uploaded an invalid or already used secret"):
        session.submit(shares["k2"], b"", opens)
    with pytest.raises(InvalidArgument, match="uploaded an invalid or already used secret"):
        session.submit(os.urandom(32), b"", opens)
    assert session.submit(shares["k0"], sign_recovery_secret(rsa_keys[0], shares["k0"]), opens).remaining == 1
    done = session.submit(shares["k1"], sign_recovery_secret(rsa_keys[1], shares["k1"]), opens)
    assert (done.remaining, done.message, done.data_key) == (0, "Recovery successful.", setup.data_key)
    session.verify_signatures(_public(rsa_keys, 3))


def test_xor_recovery_fails_when_a_signature_is_wrong(rsa_keys):
    setup = generate_recovery(_public(rsa_keys, 2))
    shares = _decrypt(rsa_keys, setup)
    session = RecoverySession(setup.recovery_data)
    session.submit(shares["k0"], sign_recovery_secret(rsa_keys[0], shares["k0"]), _opener(setup.data_key))
    # k1's share signed with k0's key
    session.submit(shares["k1"], sign_recovery_secret(rsa_keys[0], shares["k1"]), _opener(setup.data_key))
    with pytest.raises(InvalidArgument, match='no matching recovery key found for recovery public key "k1"'):
        session.verify_signatures(_public(rsa_keys, 2))


def test_threshold_recovery_with_two_of_three(rsa_keys):
    setup = generate_recovery(_public(rsa_keys, 3), threshold=2)
    shares = _decrypt(rsa_keys, setup)
    assert all(len(s) == 33 for s in shares.values())
    session = RecoverySession(setup.recovery_data)
    opens = _opener(setup.data_key)
    first = session.submit(shares["k1"], sign_recovery_secret(rsa_keys[1], shares["k1"]), opens)
    assert first.remaining == 2 and first.data_key is None  # N - accepted, an upper bound as in MarbleRun
    done = session.submit(shares["k2"], sign_recovery_secret(rsa_keys[2], shares["k2"]), opens)
    assert (done.remaining, done.message, done.data_key) == (0, RECOVERY_SUCCESSFUL, setup.data_key)
    session.verify_signatures(_public(rsa_keys, 3), threshold=2)
    unsigned = RecoverySession(setup.recovery_data, [(shares["k0"], b"bad"), (shares["k1"], b"bad")])
    with pytest.raises(InvalidArgument, match="valid signatures from 2 recovery keys"):
        unsigned.verify_signatures(_public(rsa_keys, 3), threshold=2)


def test_shares_may_arrive_encrypted_to_the_ephemeral_key(rsa_keys):
    ephemeral = new_ephemeral_key(bits=2048)
    response = ephemeral_public_key_response(ephemeral)
    assert response["algorithm"] == "RSA"
    share = os.urandom(32)
    assert decode_recovery_secret(share, ephemeral) == share
    wrapped = ephemeral.public_key().encrypt(share, OAEP)
    assert decode_recovery_secret(wrapped, ephemeral) == share
    with pytest.raises(InvalidArgument, match="failed to decrypt recovery secret"):
        decode_recovery_secret(b"x" * 64, ephemeral)
