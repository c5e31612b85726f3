"""Quote collateral (TCB Info, QE Identity, CRLs and their issuer chains) and its checks.

The field names follow `sgx_ql_qve_collateral_t`, which is also what the common JSON form
(hex-encoded DER CRLs, hex r||s signatures, PEM issuer chains) uses. TCB Info and QE
Identity are kept as the exact text served, because Intel signs those bytes, not a
re-serialisation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509

from core.errors import InvalidArgument

from .pck import load_pem_chain
from .signatures import verify_raw
from .trust import TrustAnchor, chain_expired, verify_chain

_FIELDS = (
    "pck_crl_issuer_chain",
    "root_ca_crl",
    "pck_crl",
    "tcb_info_issuer_chain",
    "tcb_info",
    "tcb_info_signature",
    "qe_identity_issuer_chain",
    "qe_identity",
    "qe_identity_signature",
)


def _endorsement(message: str, **metadata: str) -> InvalidArgument:
    return InvalidArgument(message, reason="INVALID_ENDORSEMENT", metadata=metadata)


@dataclass(frozen=True)
class Collateral:
    pck_crl_issuer_chain: str
    root_ca_crl: bytes
    pck_crl: bytes
    tcb_info_issuer_chain: str
    tcb_info: str
    tcb_info_signature: bytes
    qe_identity_issuer_chain: str
    qe_identity: str
    qe_identity_signature: bytes

    @property
    def fmspc(self) -> str:
        """The platform (FMSPC, lower-case hex) the TCB Info is for."""
        try:
            value = json.loads(self.tcb_info)["fmspc"]
        except (ValueError, KeyError, TypeError) as exc:
            raise _endorsement("collateral TCB Info names no FMSPC", field="tcb_info") from exc
        if not isinstance(value, str):
            raise _endorsement("collateral TCB Info names no FMSPC", field="tcb_info")
        return value.lower()

    @classmethod
    def from_json(cls, document: str | bytes | Mapping[str, Any]) -> Collateral:
        """Read the JSON collateral form; CRLs may be hex DER, PEM or raw DER text."""
        if isinstance(document, (str, bytes)):
            try:
                document = json.loads(document)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _endorsement(f"collateral is not JSON: {exc}") from exc
        if not isinstance(document, Mapping):
            raise _endorsement("collateral must be a JSON object")
        values = {}
        for name in _FIELDS:
            value = document.get(name)
            if not isinstance(value, str) or not value:
                raise _endorsement(f"collateral field {name} is missing", field=name)
            values[name] = value
        for name in ("root_ca_crl", "pck_crl"):
            values[name] = _crl_bytes(values[name], name)
        for name in ("tcb_info_signature", "qe_identity_signature"):
            values[name] = _hex(values[name], name)
        return cls(**values)


def _hex(text: str, name: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise _endorsement(f"collateral field {name} is not hex", field=name) from exc


def _crl_bytes(text: str, name: str) -> bytes:
    if text.lstrip().startswith("-----BEGIN"):
        return text.encode("ascii", "replace")
    return _hex(text, name)


def load_crl(data: bytes, name: str) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise _endorsement(f"{name} does not parse as a CRL", field=name) from exc


def _crl_expired(crl: x509.CertificateRevocationList, at: dt.datetime) -> bool:
    next_update = crl.next_update_utc
    return at < crl.last_update_utc or next_update is None or at > next_update


def _is_revoked(crl: x509.CertificateRevocationList, cert: x509.Certificate) -> bool:
    return crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None


def _json_window_expired(body: Mapping[str, Any], at: dt.datetime, name: str) -> bool:
    try:
        issued = dt.datetime.fromisoformat(str(body["issueDate"]).replace("Z", "+00:00"))
        next_update = dt.datetime.fromisoformat(str(body["nextUpdate"]).replace("Z", "+00:00"))
    except (KeyError, ValueError) as exc:
        raise _endorsement(f"{name} has no valid issueDate/nextUpdate", field=name) from exc
    if issued.tzinfo is None or next_update.tzinfo is None:
        raise _endorsement(f"{name} dates carry no time zone", field=name)
    return not (issued <= at <= next_update)


@dataclass(frozen=True)
class CheckedCollateral:
    tcb_info: dict[str, Any]
    qe_identity: dict[str, Any]
    expired: bool


def _signed_chain(
    text: str, signature: bytes, chain_pem: str, anchor: TrustAnchor, root_crl, name: str
) -> list[x509.Certificate]:
    chain = load_pem_chain(chain_pem)
    verify_chain(chain, [anchor], reason="INVALID_ENDORSEMENT", what=f"{name} issuer chain")
    if any(_is_revoked(root_crl, cert) for cert in chain[:-1]):
        raise InvalidArgument(f"{name} signing certificate is revoked", reason="VERIFY_REVOKED")
    if not verify_raw(chain[0].public_key(), signature, text.encode("utf-8")):
        raise _endorsement(f"{name} signature is invalid", field=name, check=f"{name}_signature")
    return chain


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise _endorsement(f"{name} is not JSON", field=name) from exc
    if not isinstance(body, dict):
        raise _endorsement(f"{name} must be a JSON object", field=name)
    return body


@dataclass(frozen=True)
class _Endorsements:
    root_crl: x509.CertificateRevocationList
    pck_crl: x509.CertificateRevocationList
    # every certificate that signed some collateral, for the validity-window check
    signers: tuple[x509.Certificate, ...]
    pck_ca_subject: x509.Name


@lru_cache(maxsize=32)
def _verified_endorsements(collateral: Collateral, anchor: TrustAnchor) -> _Endorsements:
    """Signature checks of one collateral set: the same set serves every quote of a platform
    until it is refreshed, and none of these checks depend on the time or the quote."""
    root_crl = load_crl(collateral.root_ca_crl, "root_ca_crl")
    if not root_crl.is_signature_valid(anchor.certificate.public_key()):
        raise _endorsement("root CA CRL is not signed by the root CA", check="root_ca_crl")
    crl_chain = load_pem_chain(collateral.pck_crl_issuer_chain)
    verify_chain(crl_chain, [anchor], reason="INVALID_ENDORSEMENT", what="PCK CRL issuer chain")
    pck_crl = load_crl(collateral.pck_crl, "pck_crl")
    if pck_crl.issuer != crl_chain[0].subject:
        raise _endorsement("PCK CRL is not issued by its issuer chain", check="pck_crl")
    if not pck_crl.is_signature_valid(crl_chain[0].public_key()):
        raise _endorsement("PCK CRL signature is invalid", check="pck_crl")
    tcb_chain = _signed_chain(
        collateral.tcb_info, collateral.tcb_info_signature, collateral.tcb_info_issuer_chain,
        anchor, root_crl, "tcb_info",
    )
    qe_chain = _signed_chain(
        collateral.qe_identity, collateral.qe_identity_signature,
        collateral.qe_identity_issuer_chain, anchor, root_crl, "qe_identity",
    )
    return _Endorsements(
        root_crl, pck_crl, tuple(crl_chain + tcb_chain + qe_chain), crl_chain[0].subject
    )


def clear_endorsement_cache() -> None:
    _verified_endorsements.cache_clear()


def check_collateral(
    collateral: Collateral,
    pck_chain: list[x509.Certificate],
    anchor: TrustAnchor,
    at: dt.datetime,
) -> CheckedCollateral:
    """Verify CRLs, revocation, and the signatures of TCB Info and QE Identity.

    Revocation of a certificate in the PCK chain is terminal (`VERIFY_REVOKED`), as in
    Intel's library; stale material only sets `expired`.
    """
    checked = _verified_endorsements(collateral, anchor)
    if checked.pck_ca_subject != pck_chain[1].subject:
        raise _endorsement("PCK CRL is not issued by the quote's PCK CA", check="pck_crl")
    if _is_revoked(checked.root_crl, pck_chain[1]) or _is_revoked(checked.pck_crl, pck_chain[0]):
        raise InvalidArgument(
            "the quote's PCK certificate chain is revoked",
            reason="VERIFY_REVOKED",
            metadata={"tcb_status": "Revoked"},
        )
    tcb_info = _json_object(collateral.tcb_info, "tcb_info")
    qe_identity = _json_object(collateral.qe_identity, "qe_identity")
    expired = (
        _crl_expired(checked.root_crl, at)
        or _crl_expired(checked.pck_crl, at)
        or chain_expired(list(checked.signers), at)
        or _json_window_expired(tcb_info, at, "tcb_info")
        or _json_window_expired(qe_identity, at, "qe_identity")
    )
    return CheckedCollateral(tcb_info, qe_identity, expired)


def hex_field(body: Mapping[str, Any], key: str, size: int, name: str) -> bytes:
    value = body.get(key)
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) != size:
        raise _endorsement(f"{name}.{key} must be {size} hex bytes", field=f"{name}.{key}")
    return raw

