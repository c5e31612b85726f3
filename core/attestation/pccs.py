"""Collateral from a PCCS (Intel's Provisioning Certificate Caching Service, API v4), which is
where Intel's quote provider library finds it for MarbleRun's Coordinator.

One set per platform (FMSPC) and PCK CA is kept until its TCB Info or QE Identity is due for an
update, and never longer than a day, so the service is asked once per platform, not per quote.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import ssl
import string
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.errors import InvalidArgument, Unavailable

from .collateral import Collateral
from .pck import quote_platform
from .quote import Quote

log = logging.getLogger("switchyard.attestation")

API_PATH = "/sgx/certification/v4"
MAX_AGE = dt.timedelta(hours=24)
# Collateral already past its nextUpdate is still used (as by Intel's library) but asked for again soon.
STALE_RETRY = dt.timedelta(minutes=5)
TIMEOUT_SECONDS = 10.0
MAX_BODY = 1 << 20  # Intel's largest answer, a PCK CRL, is tens of KiB


def _unavailable(message: str) -> Unavailable:
    return Unavailable(message, reason="COLLATERAL_UNAVAILABLE")


class PccsCollateral:
    def __init__(self, base_url: str, ca_file: Path | None = None, timeout: float = TIMEOUT_SECONDS,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("https", "http"):
            raise InvalidArgument(f"PCCS URL {base_url!r} is not an http(s) URL", reason="INVALID_PCCS_URL")
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._now = now
        # A PCCS usually has a self-signed certificate, hence the CA file. Whoever serves the
        # collateral, the verifier checks Intel's own signatures on it.
        try:
            self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except OSError as error:
            raise InvalidArgument(f"PCCS CA file {ca_file}: {error}", reason="INVALID_PCCS_CA") from None
        self._kept: dict[tuple[str, str], tuple[dt.datetime, Collateral]] = {}
        self._fetching = threading.Lock()

    def for_quote(self, quote: Quote) -> Collateral | None:
        platform = quote_platform(quote)
        if platform is None:
            return None
        key = (platform.fmspc.hex().upper(), platform.ca_kind)
        if (kept := self._fresh(key)) is not None:
            return kept
        with self._fetching:
            if (kept := self._fresh(key)) is not None:
                return kept  # fetched by another thread while this one waited
            collateral = self._fetch(*key)
            self._kept[key] = (self._keep_until(collateral), collateral)
            return collateral

    def _fresh(self, key: tuple[str, str]) -> Collateral | None:
        kept = self._kept.get(key)
        return kept[1] if kept is not None and self._now() < kept[0] else None

    def _keep_until(self, collateral: Collateral) -> dt.datetime:
        now = self._now()
        due = [_next_update(text) for text in (collateral.tcb_info, collateral.qe_identity)]
        if None in due:
            return now + STALE_RETRY  # a doubtful answer is not kept long
        until = min([now + MAX_AGE, *due])
        return until if until > now else now + STALE_RETRY

    def _fetch(self, fmspc: str, ca_kind: str) -> Collateral:
        log.info("fetching SGX collateral for platform %s (%s CA) from %s", fmspc, ca_kind, self.base_url)
        tcb_body, tcb_chain = self._get(f"tcb?fmspc={fmspc}", "TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain")
        qe_body, qe_chain = self._get("qe/identity", "SGX-Enclave-Identity-Issuer-Chain")
        pck_crl, crl_chain = self._get(f"pckcrl?ca={ca_kind}&encoding=der", "SGX-PCK-CRL-Issuer-Chain")
        root_crl, _ = self._get("rootcacrl")
        tcb_info, tcb_signature = _signed_member(tcb_body, "tcbInfo")
        qe_identity, qe_signature = _signed_member(qe_body, "enclaveIdentity")
        return Collateral(
            pck_crl_issuer_chain=crl_chain, root_ca_crl=_crl(root_crl), pck_crl=_crl(pck_crl),
            tcb_info_issuer_chain=tcb_chain, tcb_info=tcb_info, tcb_info_signature=tcb_signature,
            qe_identity_issuer_chain=qe_chain, qe_identity=qe_identity, qe_identity_signature=qe_signature,
        )

    def _get(self, resource: str, *chain_headers: str) -> tuple[bytes, str]:
        """The body and, when asked for, the issuer chain (a URL-encoded PEM header; the first
        of the names given that is present, as v3 and v4 name some differently)."""
        url = f"{self.base_url}{API_PATH}/{resource}"
        try:
            with urllib.request.urlopen(url, timeout=self._timeout, context=self._tls) as answer:
                body = answer.read(MAX_BODY + 1)
                headers = answer.headers
        except urllib.error.HTTPError as error:
            raise _unavailable(f"PCCS answered {error.code} {error.reason} for {url}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            raise _unavailable(f"PCCS at {self.base_url} is unreachable: {error}") from None
        if len(body) > MAX_BODY:
            raise _unavailable(f"PCCS answer for {url} is larger than {MAX_BODY} bytes")
        if not chain_headers:
            return body, ""
        chain = next((headers[name] for name in chain_headers if headers.get(name)), None)
        if chain is None:
            raise _unavailable(f"PCCS answer for {url} has no {chain_headers[0]} header")
        return body, urllib.parse.unquote(chain)


def _signed_member(body: bytes, name: str) -> tuple[str, bytes]:
    """The exact text of the signed object `name` (Intel signs those bytes, not a re-encoding)
    and its `signature`, from an answer shaped `{"<name>": {...}, "signature": "<hex>"}`."""
    try:
        members = _member_texts(body.decode("utf-8"))
        signature = bytes.fromhex(json.loads(members["signature"]))
        return members[name], signature
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise _unavailable(f"PCCS answer is not a signed {name}: {error!r}") from None


def _member_texts(text: str) -> dict[str, str]:
    """The source text of each member of a top-level JSON object."""
    decoder, members, at = json.JSONDecoder(), {}, _skip_space(text, 0)
    if text[at:at + 1] != "{":
        raise ValueError("not a JSON object")
    at = _skip_space(text, at + 1)
    while text[at:at + 1] != "}":
        name, at = decoder.raw_decode(text, at)
        at = _skip_space(text, at)
        if not isinstance(name, str) or text[at:at + 1] != ":":
            raise ValueError(f"malformed member at offset {at}")
        start = _skip_space(text, at + 1)
        _, at = decoder.raw_decode(text, start)
        members[name] = text[start:at]
        at = _skip_space(text, at)
        if text[at:at + 1] == ",":
            at = _skip_space(text, at + 1)
        elif text[at:at + 1] != "}":
            raise ValueError(f"expected , or }} at offset {at}")
    if text[_skip_space(text, at + 1):]:
        raise ValueError("data after the JSON object")
    return members


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _crl(body: bytes) -> bytes:
    """A CRL as DER or PEM (kept as served), or DER as hex text, which some PCCS versions send."""
    stripped = body.strip()
    if stripped and all(chr(c) in string.hexdigits for c in stripped):
        return bytes.fromhex(stripped.decode("ascii"))
    return body


def _next_update(signed_text: str) -> dt.datetime | None:
    """When the served object says it is due for renewal, if it says so clearly."""
    try:
        when = dt.datetime.fromisoformat(str(json.loads(signed_text)["nextUpdate"]).replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return when if when.tzinfo is not None else None
