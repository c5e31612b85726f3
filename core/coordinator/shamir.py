"""Shamir secret sharing over GF(2^8), byte by byte.

Share layout follows the one MarbleRun's Coordinator uses (each share is the polynomial values
for every secret byte followed by one byte holding the share's x coordinate), with the AES
field polynomial x^8 + x^4 + x^3 + x + 1, so shares made by a Go Coordinator can be combined
here and the other way round. Written from the mathematics, not from any implementation.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from core.errors import InvalidArgument

_POLY = 0x11B
_EXP = [0] * 510
_LOG = [0] * 256


def _build_tables() -> None:
    # 3 generates the multiplicative group of this field; log/exp tables make mul/div O(1).
    value = 1
    for power in range(255):
        _EXP[power] = value
        _LOG[value] = power
        doubled = value << 1
        if doubled & 0x100:
            doubled ^= _POLY
        value ^= doubled  # value * 3 = value * 2 + value
    for power in range(255, 510):
        _EXP[power] = _EXP[power - 255]


_build_tables()


def mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(2^8)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    """Horner's rule; coefficients[0] is the constant term (the secret byte)."""
    result = 0
    for c in reversed(coefficients):
        result = mul(result, x) ^ c
    return result


def split(secret: bytes, parts: int, threshold: int) -> list[bytes]:
    """`parts` shares of len(secret)+1 bytes, any `threshold` of which rebuild the secret."""
    if not secret:
        raise InvalidArgument("cannot split an empty secret")
    if not 2 <= threshold <= parts <= 255:
        raise InvalidArgument("shamir: need 2 <= threshold <= parts <= 255")
    # Distinct non-zero x coordinates in random order, so share position reveals nothing.
    xs = list(range(1, 256))
    secrets.SystemRandom().shuffle(xs)
    xs = xs[:parts]
    shares = [bytearray(len(secret) + 1) for _ in range(parts)]
    for index, byte in enumerate(secret):
        coefficients = [byte] + [secrets.randbelow(256) for _ in range(threshold - 1)]
        for share, x in zip(shares, xs):
            share[index] = _evaluate(coefficients, x)
    for share, x in zip(shares, xs):
        share[-1] = x
    return [bytes(s) for s in shares]


def combine(shares: Sequence[bytes]) -> bytes:
    """Lagrange interpolation at x = 0. With fewer shares than the threshold the result is
    simply wrong (not an error): callers test the key they get."""
    if len(shares) < 2:
        raise InvalidArgument("shamir: at least two shares are needed")
    length = len(shares[0])
    if length < 2 or any(len(s) != length for s in shares):
        raise InvalidArgument("shamir: shares must be of equal length and hold at least one byte")
    xs = [s[-1] for s in shares]
    if len(set(xs)) != len(xs) or 0 in xs:
        raise InvalidArgument("shamir: duplicate or zero share coordinate")
    # Basis weights l_i(0) = prod_{j != i} x_j / (x_j - x_i); subtraction is XOR here.
    weights = []
    for i, xi in enumerate(xs):
        weight = 1
        for j, xj in enumerate(xs):
            if i != j:
                weight = mul(weight, div(xj, xj ^ xi))
        weights.append(weight)
    out = bytearray(length - 1)
    for index in range(length - 1):
        value = 0
        for share, weight in zip(shares, weights):
            value ^= mul(share[index], weight)
        out[index] = value
    return bytes(out)
