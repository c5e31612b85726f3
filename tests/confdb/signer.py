"""A test-side assertion signer, written from the notes' rules rather than from core's code.

It builds what `snap sign` builds: an OpenPGP v4 signature packet (sig class 0, RSA, SHA-512)
with the creation time hashed and the issuer key id unhashed, prefixed with 0x01, base64,
wrapped at 76 columns. It also exports keys the ways clients hand them to the store.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import struct
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.confdb.assertion import assemble_content, encode_assertion

SNAPD_KEY_TIME = 1451606400


@functools.cache
def session_key(label: str) -> rsa.RSAPrivateKey:
    """An RSA-4096 key per label, generated once per process: generation takes seconds."""
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


def _mpi(value: int) -> bytes:
    return struct.pack(">H", value.bit_length()) + value.to_bytes((value.bit_length() + 7) // 8, "big")


def _new_header(tag: int, length: int) -> bytes:
    if length < 192:
        return bytes([0xC0 | tag, length])
    if length < 8384:
        return bytes([0xC0 | tag, ((length - 192) >> 8) + 192, (length - 192) & 0xFF])
    return bytes([0xC0 | tag, 0xFF]) + struct.pack(">I", length)


def _wrap(text: str) -> str:
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def key_packet_body(key: rsa.RSAPrivateKey, created: int = SNAPD_KEY_TIME) -> bytes:
    numbers = key.public_key().public_numbers()
    return b"\x04" + struct.pack(">I", created) + b"\x01" + _mpi(numbers.n) + _mpi(numbers.e)


def snapd_key_id(key: rsa.RSAPrivateKey) -> str:
    body = key_packet_body(key)
    digest = hashlib.sha3_384(b"\x01" + _new_header(6, len(body)) + body).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issuer_id(key: rsa.RSAPrivateKey) -> bytes:
    """The OpenPGP v4 key id: low 8 bytes of SHA-1 over 0x99, len16, key packet body."""
    body = key_packet_body(key)
    return hashlib.sha1(b"\x99" + struct.pack(">H", len(body)) + body).digest()[-8:]


def sign_content(
    content: bytes,
    key: rsa.RSAPrivateKey,
    *,
    created: int | None = None,
    hash_algo: int = 10,
    unhashed: bytes | None = None,
) -> str:
    """The signature text for `content`."""
    created = int(time.time()) if created is None else created
    hashed_sub = b"\x05\x02" + struct.pack(">I", created)
    hashed = b"\x04\x00\x01" + bytes([hash_algo]) + struct.pack(">H", len(hashed_sub)) + hashed_sub
    unhashed_sub = b"\x09\x10" + issuer_id(key) if unhashed is None else unhashed
    message = content + hashed + b"\x04\xff" + struct.pack(">I", len(hashed))
    digest_name = {10: hashes.SHA512(), 8: hashes.SHA256()}[hash_algo]
    signature = key.sign(message, padding.PKCS1v15(), digest_name)
    h = hashlib.new(digest_name.name.replace("-", ""), message).digest()
    body = hashed + struct.pack(">H", len(unhashed_sub)) + unhashed_sub + h[:2] + _mpi(int.from_bytes(signature, "big"))
    packet = _new_header(2, len(body)) + body
    return _wrap(base64.b64encode(b"\x01" + packet).decode())


def sign_assertion(headers: dict, key: rsa.RSAPrivateKey, body: bytes = b"", **kwargs) -> bytes:
    """`snap sign` output for these headers: sign-key-sha3-384 set, content, signature."""
    headers = {k: v for k, v in headers.items() if k != "body"}
    headers["sign-key-sha3-384"] = snapd_key_id(key)
    content = assemble_content(headers, body)
    return encode_assertion(content, sign_content(content, key, **kwargs))


def public_key_body(key: rsa.RSAPrivateKey) -> str:
    body = key_packet_body(key)
    return _wrap(base64.b64encode(b"\x01" + _new_header(6, len(body)) + body).decode())


def account_key_request(key: rsa.RSAPrivateKey, account_id: str, name: str = "default", since: str = "2026-01-01T00:00:00Z") -> bytes:
    """What `snap export-key --account=<id> <name>` prints."""
    headers = {
        "type": "account-key-request",
        "account-id": account_id,
        "name": name,
        "public-key-sha3-384": snapd_key_id(key),
        "since": since,
    }
    return sign_assertion(headers, key, public_key_body(key).encode())


def gpg_export(key: rsa.RSAPrivateKey, created: int = 1700000000) -> bytes:
    """Like `gpg --export`: old-format key packet with its real creation time, then a user id."""
    body = key_packet_body(key, created)
    uid = b"Test Publisher <test@example.com>"
    return b"\x99" + struct.pack(">H", len(body)) + body + b"\xb4" + bytes([len(uid)]) + uid


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armour(binary: bytes) -> bytes:
    lines = _wrap(base64.b64encode(binary).decode()).replace("\n", "\n")
    crc = base64.b64encode(_crc24(binary).to_bytes(3, "big")).decode()
    return (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n"
        + lines.replace("\n", "\n")
        + f"\n={crc}\n-----END PGP PUBLIC KEY BLOCK-----\n"
    ).encode()
