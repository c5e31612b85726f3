"""The data key (DEK) and what it seals.

Every Coordinator state value that must not reach the disk in clear (secrets, root secret,
private keys) is sealed with AES-256-GCM under the DEK, with the value's store key as
associated data so a ciphertext cannot be moved to another key. The DEK itself is sealed by
the platform (a key file in simulation) and can be rebuilt from recovery secrets.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import InvalidArgument

DATA_KEY_SIZE = 32
NONCE_SIZE = 12


class DataKeyMismatch(InvalidArgument):
    """The key does not open the value: wrong key, or tampered data."""


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_SIZE)


def seal_value(data_key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """nonce ‖ AES-256-GCM(plaintext), a fresh random nonce each time."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, associated)


def open_value(data_key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    if len(data_key) != DATA_KEY_SIZE or len(sealed) < NONCE_SIZE + 16:
        raise DataKeyMismatch("sealed value cannot be opened", reason="DATA_KEY_MISMATCH")
    try:
        return AESGCM(data_key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], associated)
    except InvalidTag:
        raise DataKeyMismatch("sealed value cannot be opened", reason="DATA_KEY_MISMATCH") from None


def seal_state(data_key: bytes, recovery_data: bytes, state: bytes) -> bytes:
    """MarbleRun's sealed_data layout: u32le(len(recovery data)) ‖ recovery data ‖ sealed state.

    The recovery data stays readable so a Coordinator in recovery mode knows which shares fit.
    """
    return struct.pack("<I", len(recovery_data)) + recovery_data + seal_value(data_key, state)


def recovery_data_of(sealed: bytes) -> bytes:
    if len(sealed) < 4:
        raise InvalidArgument("sealed state is truncated", reason="SEALED_STATE_CORRUPT")
    (length,) = struct.unpack_from("<I", sealed)
    if len(sealed) < 4 + length:
        raise InvalidArgument("sealed state is truncated", reason="SEALED_STATE_CORRUPT")
    return sealed[4:4 + length]


def open_state(data_key: bytes, sealed: bytes) -> bytes:
    recovery = recovery_data_of(sealed)
    return open_value(data_key, sealed[4 + len(recovery):])
