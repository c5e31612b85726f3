"""Sizes as AMS writes them ("3GB", "512MB", "21GB"): parsed to bytes and checked."""

from __future__ import annotations

import re

from core.errors import InvalidArgument

_UNITS = {
    "": 1, "B": 1,
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "PIB": 2**50,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str, field: str) -> int:
    """Bytes in `text`; InvalidArgument naming `field` when it is not a size."""
    match = _SIZE.match(text)
    unit = match.group(2).upper() if match else None
    if match is None or unit not in _UNITS:
        raise InvalidArgument(f"argument {field} is invalid: {text!r} is not a size such as 3GB",
                              reason="INVALID_SIZE", metadata={"field": field})
    return int(float(match.group(1)) * _UNITS[unit])
