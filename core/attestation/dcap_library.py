"""Python face of the `_dcap` C extension, falling back to the offline verifier.

Intel's `sgx_qv_verify_quote` answers with two things that must both be read: the return
code (terminal failures) and, on success, the `sgx_ql_qv_result_t` plus the collateral
expiration status. This module turns that triple into the same `VerificationResult` the
offline verifier returns, so callers never care which path ran.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cryptography import x509

from core.errors import InvalidArgument, Unavailable

from . import _dcap
from .collateral import Collateral
from .quote import Quote, parse_evidence
from .tcb import STATUS_OF_QV_RESULT
from .verify import VerificationResult, verify_quote

SGX_QL_SUCCESS = 0
# Collateral version 3.1 (u16 major 3, u16 minor 1): CRLs are raw DER, as `Collateral` holds.
COLLATERAL_VERSION_3_1 = 3 | (1 << 16)

# quote3_error_t -> our reason; names mirror the Open Enclave results MarbleRun users see.
_REASONS = {
    0xE01C: "QUOTE_CERTIFICATION_DATA_UNSUPPORTED",
    0xE01D: "QUOTE_VERIFICATION_ERROR",
    0xE01F: "QE_REPORT_SIGNATURE_INVALID",
    0xE020: "QUOTE_VERIFICATION_ERROR",
    0xE021: "PCK_CHAIN_INVALID",
    0xE022: "PCK_CHAIN_INVALID",
    0xE023: "INVALID_ENDORSEMENT",
    0xE024: "TCB_INFO_MISMATCH",
    0xE025: "INVALID_ENDORSEMENT",
    0xE026: "QE_IDENTITY_MISMATCH",
    0xE02E: "VERIFY_CRL_EXPIRED",
    0xE031: "VERIFY_REVOKED",
    0xE032: "VERIFY_REVOKED",
    0xE038: "INVALID_ENDORSEMENT",
    0xE039: "INVALID_ENDORSEMENT",
    0xE03A: "INVALID_ENDORSEMENT",
    0xE066: "TCB_NOT_SUPPORTED",
}


def available() -> bool:
    """True when Intel's quote verification library is loadable on this machine."""
    return bool(_dcap.available())


def quote_generation_available() -> bool:
    return bool(_dcap.quote_generation_available())


def load_errors() -> tuple[str, str]:
    """Why the libraries did not load (for start-up logs); empty strings when they did."""
    return _dcap.load_errors()


def _native_collateral(collateral: Collateral) -> dict[str, object]:
    return {
        "version": COLLATERAL_VERSION_3_1,
        "pck_crl_issuer_chain": collateral.pck_crl_issuer_chain.encode(),
        "root_ca_crl": collateral.root_ca_crl,
        "pck_crl": collateral.pck_crl,
        "tcb_info_issuer_chain": collateral.tcb_info_issuer_chain.encode(),
        # QVL takes the PCS response form and checks the signature inside it itself.
        "tcb_info": (
            '{"tcbInfo":' + collateral.tcb_info
            + ',"signature":"' + collateral.tcb_info_signature.hex() + '"}'
        ).encode(),
        "qe_identity_issuer_chain": collateral.qe_identity_issuer_chain.encode(),
        "qe_identity": (
            '{"enclaveIdentity":' + collateral.qe_identity
            + ',"signature":"' + collateral.qe_identity_signature.hex() + '"}'
        ).encode(),
    }


def native_verdict(rc: int, qv_result: int, expiration_status: int) -> tuple[str, bool]:
    """(TCB status, collateral expired) from Intel's triple; raise on terminal failures."""
    if rc != SGX_QL_SUCCESS:
        raise InvalidArgument(
            f"quote verification failed (quote3_error_t {rc:#06x})",
            reason=_REASONS.get(rc, "QUOTE_VERIFICATION_ERROR"),
            metadata={"quote3_error": hex(rc), "qv_result": hex(qv_result)},
        )
    status = STATUS_OF_QV_RESULT.get(qv_result)
    if status is None:
        raise InvalidArgument(
            f"quote verification result {qv_result:#06x} is not a TCB status",
            reason="QUOTE_VERIFICATION_ERROR",
            metadata={"qv_result": hex(qv_result)},
        )
    return status, expiration_status != 0


def verify(
    quote: bytes | Quote,
    *,
    collateral: Collateral | None = None,
    at: dt.datetime | None = None,
    simulation_root: x509.Certificate | None = None,
) -> VerificationResult:
    """Verify with Intel's library when present and collateral is given, else offline.

    The offline checks always run first: they parse the fields callers need and reject a
    bad quote before it reaches native code. Intel's library then decides the TCB status
    (its advisory list lives in supplemental data, which is not read yet).
    """
    parsed = quote if isinstance(quote, Quote) else parse_evidence(quote)
    if collateral is None or not available():
        return verify_quote(parsed, collateral=collateral, at=at, simulation_root=simulation_root)
    offline = verify_quote(parsed, at=at, simulation_root=simulation_root)
    if offline.simulated:
        # Intel's library would (rightly) reject a chain that is not Intel's.
        return verify_quote(parsed, collateral=collateral, at=at, simulation_root=simulation_root)
    when = offline.evaluated_at
    status, expired = native_verdict(
        *_dcap.verify_quote(parsed.raw, _native_collateral(collateral), int(when.timestamp()))
    )
    return dataclasses.replace(
        offline,
        checks_passed=offline.checks_passed + ("native_dcap",),
        tcb_status=status,
        collateral_supplied=True,
        collateral_expired=expired,
    )


def generate_quote(report: bytes) -> bytes:
    """Quote an `sgx_report_t` (432 bytes, made by an enclave for the QE's target info)."""
    if len(report) != _dcap.REPORT_SIZE:
        raise InvalidArgument("sgx_report_t must be 432 bytes", reason="BAD_REPORT")
    rc, quote = _dcap.get_quote(bytes(report))
    if rc != SGX_QL_SUCCESS or quote is None:
        raise Unavailable(
            f"DCAP quote generation failed (quote3_error_t {rc:#06x})",
            reason="QUOTE_GENERATION_FAILED",
            metadata={"quote3_error": hex(rc)},
        )
    return quote


def qe_target_info() -> bytes:
    """The QE's `sgx_target_info_t`, which the enclave needs to make its report."""
    rc, info = _dcap.get_target_info()
    if rc != SGX_QL_SUCCESS or info is None:
        raise Unavailable(
            f"DCAP target info unavailable (quote3_error_t {rc:#06x})",
            reason="QUOTE_GENERATION_FAILED",
            metadata={"quote3_error": hex(rc)},
        )
    return info
