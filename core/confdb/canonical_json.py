"""The one JSON text snapd accepts as a confdb-schema body.

snapd verifies a JSON body by re-marshalling it with Go's `json.MarshalIndent(v, "", "  ")` and
comparing bytes, so this module reproduces Go's output: sorted keys, two-space indent, HTML and
U+2028/U+2029 escaped, and every number written the way Go writes a float64.
"""

from __future__ import annotations

import decimal
import json
import math

from core.confdb.problems import invalid
from core.errors import InvalidArgument

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",  # Go >= 1.22 (snapd 2.7x); older signers wrote \u0008
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _string(text: str) -> str:
    parts = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif code < 0x20:
            parts.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            parts.append("\ufffd")  # Go replaces lone surrogates from \ud800-style escapes
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def _number(value: float) -> str:
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if 1e-6 <= abs(value) < 1e21:
        return format(decimal.Decimal(repr(value)).normalize(), "f")
    mantissa, _, exponent = repr(value).partition("e")
    return f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"


def go_indent(value: object, indent: str = "") -> str:
    """Go's MarshalIndent with a two-space indent, for values parsed by `parse_json`."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (inner + _string(k) + ": " + go_indent(value[k], inner) for k in sorted(value))
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + go_indent(v, inner) for v in value) + "\n" + indent + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return _number(value)
    return _string(str(value))


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"number {text} does not fit a float64")
    return number


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str, *, field: str = "body") -> object:
    """Parse JSON as Go does into interface{}: every number becomes a float64."""
    try:
        return json.loads(text, parse_int=_finite, parse_float=_finite, parse_constant=_no_constants)
    except (ValueError, RecursionError) as err:
        raise invalid(f"{field} must contain JSON: {err}", field=field, reason="body-not-json") from None


def canonical_json(text: str, *, field: str = "body") -> str:
    """Reformat JSON text into the canonical form (what newer `snap sign` does to a body)."""
    try:
        return go_indent(parse_json(text, field=field))
    except RecursionError:
        raise invalid(f"{field} is nested too deeply", field=field, reason="body-not-json") from None


def is_canonical(text: str) -> bool:
    try:
        return canonical_json(text) == text
    except InvalidArgument:
        return False
