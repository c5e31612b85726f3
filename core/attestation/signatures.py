"""Raw ECDSA P-256 helpers: SGX carries signatures as r||s and keys as X||Y (big-endian)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

_SHA256 = ec.ECDSA(hashes.SHA256())


def public_key_from_xy(xy: bytes) -> ec.EllipticCurvePublicKey | None:
    """The P-256 key X||Y, or None when the bytes are not a point on the curve."""
    if len(xy) != 64:
        return None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + xy)
    except ValueError:
        return None


def verify_raw(key: object, signature: bytes, data: bytes) -> bool:
    """True when `signature` (r||s, 64 bytes) is a valid ECDSA-SHA256 signature of `data`."""
    if not isinstance(key, ec.EllipticCurvePublicKey) or len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        key.verify(encode_dss_signature(r, s), data, _SHA256)
    except InvalidSignature:
        return False
    return True


def sign_raw(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA-SHA256 signature of `data` as r||s (used by simulation mode)."""
    r, s = decode_dss_signature(key.sign(data, _SHA256))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def xy_of(key: ec.EllipticCurvePublicKey) -> bytes:
    numbers = key.public_numbers()
    return numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
