"""Decoding JSON the way Go's encoding/json fills a struct.

MarbleRun clients (the CLI, the Go SDK, hand-written manifests) rely on Go's decoder: object
keys match struct fields case-insensitively, unknown keys are ignored, `null` leaves the zero
value, a later duplicate key wins (and merges into a map already filled), and a value of the
wrong JSON type is an error. This module gives the manifest parser those rules once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from core.errors import InvalidArgument

T = TypeVar("T")
UINT_MAX = 2**64 - 1


class Pairs(list):
    """A JSON object as decoded: its (key, value) pairs in order, duplicates kept."""


def loads(raw: bytes, what: str) -> Any:
    """Parse JSON keeping duplicate keys; trailing garbage is an error, as in Go."""
    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=Pairs)
    except (UnicodeDecodeError, ValueError) as exc:
        raise decode_error(what, str(exc)) from None
    except RecursionError:
        raise decode_error(what, "nested too deeply") from None


def decode_error(what: str, detail: str, field: str = "") -> InvalidArgument:
    return InvalidArgument(f"{what}: {detail}", reason="MANIFEST_MALFORMED", metadata={"field": field} if field else None)


class Decoder:
    """Type-checks values at a dotted path so that errors name the field."""

    def __init__(self, what: str) -> None:
        self.what = what

    def fail(self, path: str, expected: str, value: Any) -> InvalidArgument:
        got = _json_type(value)
        return decode_error(
            self.what, f"json: cannot unmarshal {got} into Go struct field {path} of type {expected}", path
        )

    def struct(self, value: Any, path: str, fields: Iterable[str]) -> dict[str, Any]:
        """Map an object's keys onto the named fields: exact match first, then case-insensitive."""
        if value is None:
            return {}
        if not isinstance(value, Pairs):
            raise self.fail(path, "object", value)
        names = list(fields)
        folded = {name.lower(): name for name in names}
        out: dict[str, Any] = {}
        for key, item in value:
            name = key if key in names else folded.get(key.lower())
            if name is None:
                continue  # unknown keys are ignored
            if name in out and isinstance(out[name], Pairs) and isinstance(item, Pairs):
                # Go decodes a repeated map field into the map it already made: entries merge.
                item = Pairs([*out[name], *item])
            out[name] = item
        return out

    def mapping(self, value: Any, path: str, item: Callable[[Any, str], T]) -> dict[str, T]:
        if value is None:
            return {}
        if not isinstance(value, Pairs):
            raise self.fail(path, "map", value)
        out: dict[str, T] = {}
        for key, raw in value:
            out[key] = item(raw, f"{path}.{key}")
        return out

    def array(self, value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
        if value is None:
            return []
        if not isinstance(value, list) or isinstance(value, Pairs):
            raise self.fail(path, "array", value)
        return [item(v, path) for v in value]

    def string(self, value: Any, path: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(path, "string", value)
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(path, "bool", value)
        return value

    def uint(self, value: Any, path: str, bits: int = 64) -> int:
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
            raise self.fail(path, f"uint{bits}" if bits != 64 else "uint", value)
        return value

    def optional_uint(self, value: Any, path: str, bits: int = 64) -> int | None:
        """Go pointer fields: absent or null stays "not set", which differs from 0."""
        return None if value is None else self.uint(value, path, bits)

    def integer(self, value: Any, path: str) -> int:
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, "int", value)
        return value

    def bytes_(self, value: Any, path: str) -> bytes:
        """Go []byte: a standard base64 string, or an array of numbers 0..255."""
        if value is None:
            return b""
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise decode_error(self.what, f"illegal base64 data in field {path}", path) from None
        if isinstance(value, list) and not isinstance(value, Pairs):
            return bytes(self.uint(v, path, bits=8) for v in value)
        raise self.fail(path, "[]uint8", value)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number" if not isinstance(value, int) or value >= 0 else f"number {value}"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Pairs):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"
