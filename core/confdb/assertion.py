"""The snapd assertion text format: headers, optional body, signature.

    HEADERS "\\n\\n" [BODY "\\n\\n"] SIGNATURE

The signed content is HEADERS, or HEADERS "\\n\\n" BODY when there is a body. Decoding keeps
those exact bytes: a verifier must check what it received, never a re-encoding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.confdb.headers import HeaderValue, decode_headers, encode_headers
from core.confdb.problems import invalid

MEDIA_TYPE = "application/x.ubuntu.assertion"

MAX_HEADERS = 128 * 1024
MAX_BODY = 2 * 1024 * 1024
MAX_SIGNATURE = 128 * 1024

# Types that are self-signed or device-originated carry no authority-id.
_NO_AUTHORITY = {"account-key-request", "serial-request", "device-session-request", "confdb-control", "response-message"}
_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "confdb-schema": ("account-id", "name"),
    "account": ("account-id",),
    "account-key": ("public-key-sha3-384",),
    "account-key-request": ("public-key-sha3-384",),
}
_COUNTERS = ("format", "revision", "body-length")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{64}")
# fromisoformat alone also takes dates without times or zones; snapd wants full RFC 3339.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class Assertion:
    headers: dict[str, HeaderValue]
    body: bytes
    signed: bytes  # exactly the bytes the signature covers
    signature: str  # the signature text as received, without the separating blank line

    @property
    def type(self) -> str:
        return self.headers["type"]  # type: ignore[return-value]  # checked by decode

    @property
    def revision(self) -> int:
        return int(self.headers.get("revision", "0"))  # type: ignore[arg-type]

    @property
    def sign_key_id(self) -> str:
        return self.headers["sign-key-sha3-384"]  # type: ignore[return-value]

    def text(self, name: str) -> str:
        """A header that must be a single string."""
        value = self.headers.get(name)
        if not isinstance(value, str):
            raise invalid(f'"{name}" header is mandatory and must be a string', field=name, reason="missing-header")
        return value

    def time(self, name: str, *, optional: bool = False) -> datetime | None:
        """A header holding an RFC 3339 time (mandatory unless `optional`)."""
        if optional and name not in self.headers:
            return None
        return parse_time(self.text(name), name)

    def encoded(self) -> bytes:
        """The assertion as `snap sign` prints it (signature ending in one newline)."""
        return encode_assertion(self.signed, self.signature)


# ---------------------------------------------------------------- decoding


def parse_time(value: str, field: str) -> datetime:
    if _RFC3339.fullmatch(value):
        # Python keeps microseconds only; snapd's nanoseconds do not change any ordering we need.
        trimmed = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
        try:
            return datetime.fromisoformat(trimmed)
        except ValueError:
            pass
    raise invalid(f'"{field}" header is not an RFC 3339 time: {value!r}', field=field, reason="invalid-time")


def decode_assertion(data: bytes) -> Assertion:
    """Exactly one assertion (a trailing newline or blank line is tolerated)."""
    found = decode_stream(data)
    if len(found) != 1:
        raise invalid(f"expected exactly one assertion, got {len(found)}", field="assertion", reason="assertion-count")
    return found[0]


def decode_stream(data: bytes) -> list[Assertion]:
    """Split and parse a stream of assertions the way snapd's stream decoder does.

    Headers run up to the first blank line, the body is exactly `body-length` bytes (so a body
    may itself contain blank lines), and the signature runs up to the next blank line or the end.
    """
    out: list[Assertion] = []
    pos = 0
    while True:
        # Extra blank lines between assertions (or a trailing one) carry nothing and are skipped.
        while pos < len(data) and data[pos : pos + 1] == b"\n":
            pos += 1
        if pos == len(data):
            break
        assertion, pos = _decode_one(data, pos)
        out.append(assertion)
    if not out:
        raise invalid("no assertion in the input", field="assertion", reason="empty-input")
    return out


def _decode_one(data: bytes, start: int) -> tuple[Assertion, int]:
    head_end = data.find(b"\n\n", start)
    if head_end < 0:
        raise invalid("assertion headers are not followed by a blank line", field="headers", reason="missing-signature")
    if head_end - start > MAX_HEADERS:
        raise invalid("assertion headers are too large", field="headers", reason="headers-too-large")
    headers = decode_headers(_utf8(data[start:head_end], "headers"))
    _check_basic_headers(headers)
    length = int(headers.get("body-length", "0"))  # type: ignore[arg-type]
    if length > MAX_BODY:
        raise invalid("assertion body is too large", field="body-length", reason="body-too-large")
    pos = head_end + 2
    body = b""
    if length:
        body = data[pos : pos + length]
        if len(body) != length or data[pos + length : pos + length + 2] != b"\n\n":
            raise invalid(
                "body-length does not match the body (missing content/signature separator)",
                field="body-length",
                reason="body-length-mismatch",
            )
        _utf8(body, "body")
        pos += length + 2
    signed = data[start : pos - 2]
    sig_end = data.find(b"\n\n", pos)
    stop = len(data) if sig_end < 0 else sig_end + 1
    signature = data[pos:stop]
    if not signature.strip():
        raise invalid("assertion has an empty signature", field="signature", reason="missing-signature")
    if len(signature) > MAX_SIGNATURE:
        raise invalid("assertion signature is too large", field="signature", reason="signature-too-large")
    return Assertion(headers, body, signed, _utf8(signature, "signature")), stop + (1 if sig_end >= 0 else 0)


def _utf8(raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid(f"assertion {field} are not valid UTF-8", field=field, reason="invalid-utf8") from None


def _check_basic_headers(headers: Mapping[str, HeaderValue]) -> None:
    # The checks every assertion type shares; type-specific rules live with the type.
    kind = headers.get("type")
    if not isinstance(kind, str) or not kind:
        raise invalid('"type" header is mandatory', field="type", reason="missing-header")
    for name in _COUNTERS:
        value = headers.get(name)
        if value is not None and (not isinstance(value, str) or not _DECIMAL.fullmatch(value)):
            raise invalid(f'"{name}" header is not an integer: {value!r}', field=name, reason="invalid-integer")
    key_id = headers.get("sign-key-sha3-384")
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise invalid(
            '"sign-key-sha3-384" header is mandatory and must be a sha3-384 key id',
            field="sign-key-sha3-384",
            reason="invalid-key-id",
        )


# ---------------------------------------------------------------- encoding


def header_order(headers: Mapping[str, object]) -> list[str]:
    """The order `snap sign` writes headers in (decoders accept any order)."""
    kind = str(headers.get("type", ""))
    first = ["type", "format", "authority-id", "revision", *_PRIMARY_KEYS.get(kind, ())]
    if kind in _NO_AUTHORITY:
        first.remove("authority-id")
    last = ["body-length", "sign-key-sha3-384"]
    rest = sorted(name for name in headers if name not in first and name not in last)
    return first + rest + last


def assemble_content(headers: Mapping[str, HeaderValue], body: bytes = b"") -> bytes:
    """The bytes to sign for these headers and body, laid out as snapd lays them out.

    `body-length` is set from the body; zero `format`/`revision` and empty bodies are dropped.
    """
    fields = {k: v for k, v in headers.items() if k not in ("body", "body-length")}
    for name in ("format", "revision"):
        if fields.get(name) == "0":
            del fields[name]
    if body:
        fields["body-length"] = str(len(body))
    text = encode_headers(fields, header_order(fields)).encode("utf-8")
    return text + b"\n\n" + body if body else text


def encode_assertion(signed: bytes, signature: str) -> bytes:
    """Content, blank line, signature; one final newline so that `cat` output looks right."""
    signature = signature if signature.endswith("\n") else signature + "\n"
    return signed + b"\n\n" + signature.encode("utf-8")


def encode_stream(assertions: list[Assertion]) -> bytes:
    """Assertions separated by exactly one blank line, as snapd's encoder writes them."""
    return b"\n".join(a.encoded() for a in assertions)
