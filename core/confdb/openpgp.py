"""The OpenPGP subset snapd assertions use: v4 RSA public keys and v4 RSA/SHA-512 signatures.

Written by hand rather than with PGPy: PGPy 0.6 is unmaintained, imports the `imghdr` module
that Python 3.13 removed, and snapd's key id needs the public-key packet rebuilt with a fixed
creation time anyway. The parser accepts only what snapd produces or accepts and rejects
everything else; `cryptography` does the RSA arithmetic.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.confdb.problems import invalid

TAG_SIGNATURE = 2
TAG_PUBLIC_KEY = 6
ALGO_RSA = 1
HASH_SHA512 = 10
FORMAT_V1 = b"\x01"  # snapd's own prefix in front of every key and signature it encodes
# snapd rebuilds every key packet with this creation time, so a key's id never depends on when
# GnuPG generated it.
FIXED_KEY_TIME = 1451606400  # 2016-01-01T00:00:00Z
MIN_KEY_BITS = 4096


@dataclass(frozen=True)
class RSAPublicKey:
    n: int
    e: int

    @property
    def bits(self) -> int:
        return self.n.bit_length()

    @cached_property
    def packet(self) -> bytes:
        """The new-format v4 public-key packet snapd serializes (fixed creation time)."""
        body = b"\x04" + struct.pack(">I", FIXED_KEY_TIME) + bytes([ALGO_RSA]) + mpi(self.n) + mpi(self.e)
        return new_format_header(TAG_PUBLIC_KEY, len(body)) + body

    @cached_property
    def key_id(self) -> str:
        """`sign-key-sha3-384`: unpadded base64url of SHA3-384 over 0x01 + the packet."""
        digest = hashlib.sha3_384(FORMAT_V1 + self.packet).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    @cached_property
    def crypto_key(self) -> rsa.RSAPublicKey:
        return rsa.RSAPublicNumbers(self.e, self.n).public_key()

    def encode_body(self) -> str:
        """The key as an account-key(-request) body: base64 of 0x01 + packet, 76 columns."""
        return wrap76(base64.b64encode(FORMAT_V1 + self.packet).decode("ascii"))


@dataclass(frozen=True)
class Signature:
    hashed: bytes  # version byte through the end of the hashed subpackets
    left16: bytes
    value: int


# ---------------------------------------------------------------- packet framing


def mpi(value: int) -> bytes:
    return struct.pack(">H", value.bit_length()) + value.to_bytes((value.bit_length() + 7) // 8, "big")


def new_format_header(tag: int, length: int) -> bytes:
    if length < 192:
        size = bytes([length])
    elif length < 8384:
        size = bytes([((length - 192) >> 8) + 192, (length - 192) & 0xFF])
    else:
        size = b"\xff" + struct.pack(">I", length)
    return bytes([0xC0 | tag]) + size


def wrap76(text: str) -> str:
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _fail(message: str, field: str) -> Exception:
    return invalid(message, field=field, reason="invalid-openpgp")


def read_packet(data: bytes, offset: int, field: str) -> tuple[int, bytes, int]:
    """One packet at `offset`: (tag, body, offset after it). Partial lengths are refused."""
    if offset >= len(data):
        raise _fail("truncated OpenPGP packet", field)
    first = data[offset]
    if not first & 0x80:
        raise _fail("not an OpenPGP packet", field)
    if first & 0x40:
        tag, pos = first & 0x3F, offset + 1
        if pos >= len(data):
            raise _fail("truncated OpenPGP packet header", field)
        lead = data[pos]
        if lead < 192:
            length, pos = lead, pos + 1
        elif lead < 224:
            if pos + 1 >= len(data):
                raise _fail("truncated OpenPGP packet header", field)
            length, pos = ((lead - 192) << 8) + data[pos + 1] + 192, pos + 2
        elif lead == 255:
            if pos + 5 > len(data):
                raise _fail("truncated OpenPGP packet header", field)
            length, pos = struct.unpack(">I", data[pos + 1 : pos + 5])[0], pos + 5
        else:
            raise _fail("partial-length OpenPGP packets are not supported", field)
    else:
        tag, kind = (first >> 2) & 0x0F, first & 0x03
        if kind == 3:
            raise _fail("indeterminate-length OpenPGP packets are not supported", field)
        size = (1, 2, 4)[kind]
        if offset + 1 + size > len(data):
            raise _fail("truncated OpenPGP packet header", field)
        length = int.from_bytes(data[offset + 1 : offset + 1 + size], "big")
        pos = offset + 1 + size
    if pos + length > len(data):
        raise _fail("truncated OpenPGP packet", field)
    return tag, data[pos : pos + length], pos + length


def read_mpi(data: bytes, offset: int, field: str) -> tuple[int, int]:
    if offset + 2 > len(data):
        raise _fail("truncated MPI", field)
    bits = struct.unpack(">H", data[offset : offset + 2])[0]
    end = offset + 2 + (bits + 7) // 8
    if end > len(data):
        raise _fail("truncated MPI", field)
    value = int.from_bytes(data[offset + 2 : end], "big")
    # Signers pad RSA signatures to the modulus size, so an MPI may declare more bits than its
    # value needs; it may never declare fewer.
    if value.bit_length() > bits:
        raise _fail("MPI value exceeds its bit count", field)
    return value, end


def decode_v1(text: str, field: str) -> bytes:
    """snapd's encoding: standard base64 (any line wrapping) of 0x01 + one packet."""
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{field} is not valid base64", field) from None
    if raw[:1] != FORMAT_V1:
        raise _fail(f"{field} has an unsupported format version", field)
    return raw[1:]


# ---------------------------------------------------------------- keys


def public_key_from_packet(body: bytes, field: str) -> RSAPublicKey:
    if len(body) < 6 or body[0] != 4:
        raise _fail("only OpenPGP v4 public keys are supported", field)
    if body[5] != ALGO_RSA:
        raise _fail("only RSA public keys are supported", field)
    n, pos = read_mpi(body, 6, field)
    e, pos = read_mpi(body, pos, field)
    if pos != len(body):
        raise _fail("spurious data after the RSA public key", field)
    if e < 3 or e % 2 == 0 or n.bit_length() < 1024:
        raise _fail("implausible RSA public key", field)
    return RSAPublicKey(n, e)


def public_key_from_body(text: str, field: str = "body") -> RSAPublicKey:
    """The public key in an account-key or account-key-request body."""
    raw = decode_v1(text, field)
    tag, body, end = read_packet(raw, 0, field)
    if tag != TAG_PUBLIC_KEY or end != len(raw):
        raise _fail("expected exactly one OpenPGP public-key packet", field)
    return public_key_from_packet(body, field)


_ARMOUR = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n(?P<inner>.*?)-----END PGP PUBLIC KEY BLOCK-----", re.DOTALL
)


def dearmour(text: str, field: str = "key") -> bytes:
    """The binary packets of an ASCII-armoured public key block, checking its CRC-24."""
    found = _ARMOUR.search(text)
    if not found:
        raise _fail("no PGP PUBLIC KEY BLOCK found", field)
    lines = [line.strip() for line in found["inner"].replace("\r", "").split("\n")]
    if "" in lines:
        # Armour headers ("Comment: …") end at the first blank line.
        blank = lines.index("")
        if all(":" in line for line in lines[:blank]):
            lines = lines[blank + 1 :]
    lines = [line for line in lines if line]
    checksum = None
    if lines and lines[-1].startswith("="):
        checksum, lines = lines[-1][1:], lines[:-1]
    try:
        raw = base64.b64decode("".join(lines), validate=True)
        expected = base64.b64decode(checksum, validate=True) if checksum is not None else None
    except (binascii.Error, ValueError):
        raise _fail("armoured key is not valid base64", field) from None
    if expected is not None and expected != _crc24(raw).to_bytes(3, "big"):
        raise _fail("armoured key checksum mismatch", field)
    return raw


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def public_key_from_openpgp(data: bytes, field: str = "key") -> RSAPublicKey:
    """The primary key of an exported OpenPGP key (armoured or binary, as `gpg --export`).

    Only n and e are kept; user ids, self-signatures and subkeys that follow are ignored,
    exactly as snapd ignores them.
    """
    if data.lstrip().startswith(b"-----BEGIN"):
        data = dearmour(data.decode("utf-8", "replace"), field)
    tag, body, _ = read_packet(data, 0, field)
    if tag != TAG_PUBLIC_KEY:
        raise _fail("an OpenPGP public key must start with a public-key packet", field)
    return public_key_from_packet(body, field)


def require_strong(key: RSAPublicKey, field: str = "key") -> RSAPublicKey:
    if key.bits < MIN_KEY_BITS:
        raise invalid(f"key is {key.bits} bits; at least {MIN_KEY_BITS} are required", field=field, reason="weak-key")
    return key


# ---------------------------------------------------------------- signatures


def decode_signature(text: str) -> Signature:
    field = "signature"
    raw = decode_v1(text, field)
    tag, body, end = read_packet(raw, 0, field)
    if tag != TAG_SIGNATURE or end != len(raw):
        raise _fail("expected exactly one OpenPGP signature packet", field)
    if len(body) < 6 or body[0] != 4:
        raise _fail("only OpenPGP v4 signatures are supported", field)
    if body[1] != 0x00:
        raise _fail("signature is not a binary-document signature", field)
    if body[2] != ALGO_RSA or body[3] != HASH_SHA512:
        raise _fail("only RSA signatures over SHA-512 are accepted", field)
    hashed_end = 6 + struct.unpack(">H", body[4:6])[0]
    if hashed_end + 2 > len(body):
        raise _fail("truncated signature subpackets", field)
    unhashed_end = hashed_end + 2 + struct.unpack(">H", body[hashed_end : hashed_end + 2])[0]
    if unhashed_end + 2 > len(body):
        raise _fail("truncated signature subpackets", field)
    value, end = read_mpi(body, unhashed_end + 2, field)
    if end != len(body):
        raise _fail("spurious data after the signature", field)
    return Signature(body[:hashed_end], body[unhashed_end : unhashed_end + 2], value)


def signed_message(content: bytes, hashed: bytes) -> bytes:
    """What a v4 signature hashes: the data, the hashed part, then the v4 trailer."""
    return content + hashed + b"\x04\xff" + struct.pack(">I", len(hashed))


def verify_signature(content: bytes, signature_text: str, key: RSAPublicKey) -> None:
    """Check an assertion signature over `content` or raise InvalidArgument(bad-signature)."""
    sig = decode_signature(signature_text)
    message = signed_message(content, sig.hashed)
    bad = invalid("failed signature verification", field="signature", reason="bad-signature")
    # The left-16 check is a cheap reject before the RSA operation, as OpenPGP intends.
    if hashlib.sha512(message).digest()[:2] != sig.left16 or sig.value >= key.n:
        raise bad
    try:
        key.crypto_key.verify(sig.value.to_bytes((key.bits + 7) // 8, "big"), message, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        raise bad from None
