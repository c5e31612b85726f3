"""snapd assertion headers: the indented text of strings, lists and maps.

Values are strings, lists or maps nested freely; strings are the only scalars. The layout is
indentation-based, so both directions must agree byte for byte with snapd's encoder: the store
verifies the bytes it received, but it also writes headers that `snap sign` will reproduce.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Union

from core.confdb.problems import invalid

HeaderValue = Union[str, list["HeaderValue"], dict[str, "HeaderValue"]]

NAME = re.compile(r"[a-z](?:-?[a-z0-9])*")
# Real assertions nest a handful of levels; the cap keeps hostile input far from Python's
# recursion limit whatever stack depth the caller already uses.
MAX_DEPTH = 64


def is_name(text: str) -> bool:
    return NAME.fullmatch(text) is not None


# ---------------------------------------------------------------- decoding


class _Lines:
    """The header lines plus the top-level header being read, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.header = ""

    def fail(self, message: str, reason: str) -> Exception:
        return invalid(message, field=self.header or "headers", reason=reason)


def decode_headers(text: str) -> dict[str, HeaderValue]:
    """Parse the header block (no trailing newline) into an ordered dict."""
    src = _Lines(text)
    out: dict[str, HeaderValue] = {}
    i = 0
    while i < len(src.lines):
        line = src.lines[i]
        name, sep, _ = line.partition(":")
        named = is_name(name)
        src.header = name if named else ""
        if not sep or not named:
            raise src.fail(f"header line {i + 1} is not `name: value`", "malformed-header")
        if name in out:
            raise src.fail(f"repeated header {name!r}", "repeated-header")
        out[name], i = _entry(src, i, len(name) + 1, 0)
    return out


def _entry(src: _Lines, i: int, consumed: int, base: int) -> tuple[HeaderValue, int]:
    if base > 2 * MAX_DEPTH:
        raise src.fail("headers are nested too deeply", "headers-too-deep")
    line = src.lines[i]
    i += 1
    if consumed == len(line):
        # Nothing after the colon: a list, a map or multi-line text follows, told apart by
        # what sits after the nested indentation of the next line.
        nested = " " * (base + 2)
        if i < len(src.lines) and src.lines[i].startswith(nested):
            rest = src.lines[i][len(nested) :]
            if rest.startswith("-"):
                return _list(src, i, base)
            if rest and rest[0] != " ":
                return _map(src, i, base)
        prefix = " " * (base + 4)
        j = i
        while j < len(src.lines) and src.lines[j].startswith(prefix):
            j += 1
        if j == i:
            raise src.fail(f"empty or badly indented value on line {i}", "malformed-header")
        return "\n".join(text[len(prefix) :] for text in src.lines[i:j]), j
    if line[consumed] != " ":
        raise src.fail(f"missing space after colon on line {i}", "malformed-header")
    return line[consumed + 1 :], i


def _list(src: _Lines, i: int, base: int) -> tuple[list[HeaderValue], int]:
    prefix = " " * base + "  -"
    out: list[HeaderValue] = []
    while i < len(src.lines) and src.lines[i].startswith(prefix):
        value, i = _entry(src, i, len(prefix), base + 2)
        out.append(value)
    return out, i


def _map(src: _Lines, i: int, base: int) -> tuple[dict[str, HeaderValue], int]:
    prefix = " " * base + "  "
    out: dict[str, HeaderValue] = {}
    while i < len(src.lines) and src.lines[i].startswith(prefix):
        key, sep, _ = src.lines[i][len(prefix) :].partition(":")
        if not sep or not is_name(key):
            raise src.fail(f"invalid map key on line {i + 1}", "malformed-header")
        if key in out:
            raise src.fail(f"repeated map key {key!r} on line {i + 1}", "repeated-header")
        out[key], i = _entry(src, i, len(prefix) + len(key) + 1, len(prefix))
    return out, i


# ---------------------------------------------------------------- encoding


def encode_headers(headers: Mapping[str, object], order: Iterable[str]) -> str:
    """Write headers in `order` (names missing from `headers` are skipped).

    Empty lists and maps are left out, as snapd does; anything but strings, lists and maps is
    refused rather than stringified, because `snap sign` refuses it too.
    """
    out: list[str] = []
    for name in order:
        if name in headers:
            _append(out, name + ":", headers[name], 0, name)
    return "\n".join(out)


def _append(out: list[str], intro: str, value: object, base: int, field: str) -> None:
    # `intro` is "name:" for a map entry and "  -" for a list item: both take the value the
    # same way, which is what lets the decoder treat them alike.
    if isinstance(value, str):
        if "\n" in value:
            out.append(intro)
            out.extend(" " * (base + 4) + line for line in value.split("\n"))
        else:
            out.append(f"{intro} {value}")
    elif isinstance(value, list):
        if value:
            out.append(intro)
            for item in value:
                _append(out, " " * base + "  -", item, base + 2, field)
    elif isinstance(value, dict):
        if value:
            out.append(intro)
            for key in sorted(value):
                if not isinstance(key, str) or not is_name(key):
                    raise invalid(f"invalid map key {key!r} in header {field!r}", field=field, reason="invalid-key")
                _append(out, " " * base + "  " + key + ":", value[key], base + 2, field)
    else:
        raise invalid(
            f"header {field!r}: header values must be strings or nested lists or maps "
            "with strings as the only scalars",
            field=field,
            reason="non-string-value",
        )
