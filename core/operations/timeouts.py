"""Wait timeouts as clients send them: seconds ("30", "-1") or Go durations ("30s", "1m0s")."""

from __future__ import annotations

import math
import re

from core.errors import InvalidArgument

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)")


def parse_wait_timeout(raw: str) -> float | None:
    """Seconds to wait; None waits until the operation is final."""
    text = raw.strip()
    if text in ("", "-1"):
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _go_duration(text)
    if not math.isfinite(seconds):  # "nan", "inf", "1e999": not a duration either
        raise InvalidArgument(f"argument timeout is invalid: {raw!r}", reason="INVALID_TIMEOUT")
    if seconds < 0:
        if seconds == -1:
            return None
        raise InvalidArgument(f"argument timeout is invalid: {raw!r}", reason="INVALID_TIMEOUT")
    return seconds


def _go_duration(text: str) -> float:
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(text) or position == 0:
        raise InvalidArgument(f"argument timeout is invalid: {text!r}", reason="INVALID_TIMEOUT")
    return total
