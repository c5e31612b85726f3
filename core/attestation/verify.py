"""Offline SGX quote verification: signatures always, TCB status when collateral is given.

Checks, in order (each failure raises `InvalidArgument` with the reason named here):
  header       parse_evidence (QUOTE_*): a raw quote or one in an Open Enclave header
  pck_chain    PCK leaf <- PCK CA <- pinned root (PCK_CHAIN_INVALID)
  qe_report_signature   QE report signed by the PCK leaf key (QE_REPORT_SIGNATURE_INVALID)
  qe_report_data        SHA-256(attestation key || QE auth data) in QE REPORTDATA
                        (QE_REPORT_DATA_MISMATCH)
  quote_signature       header+body signed by the attestation key (QUOTE_SIGNATURE_INVALID)
  collateral            CRLs, revocation, TCB Info / QE Identity signatures (INVALID_ENDORSEMENT,
                        VERIFY_REVOKED, TCB_INFO_MISMATCH, QE_IDENTITY_MISMATCH, TCB_NOT_SUPPORTED)

Without collateral nothing is known about the platform's patch level: the result carries
`tcb_status == "NoCollateral"` and `collateral_supplied == False`, never "UpToDate".

How `POST /api/v2/sign-quote` should answer then (recommendation): run these offline checks;
a failure answers 400 fail `quote verification failed: <reason>` as MarbleRun does. When they
pass but no collateral is configured, answer 200 with `tcbStatus: "Unknown"` (a string
MarbleRun/EGo clients already know, mapped from "NoCollateral") and sign
SHA-256(base64(quote) + "Unknown"): the signature then vouches only for what was proven
(genuine Intel QE, genuine SGX CPU, untampered report) and a relying party that requires
"UpToDate" cannot be misled. A simulated quote verifies only against the simulation root, which
is trusted only in simulation mode; there the Coordinator's own quote is simulated too, so its
signature vouches for nothing a relying party could mistake for hardware evidence, and the answer
says `simulation: true` (docs/coordinator.md, "Quotes").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509

from .collateral import Collateral, check_collateral, clear_endorsement_cache
from .pck import PckInfo, common_name, pck_chain_of, pck_info
from .quote import CertificationData, Quote, parse_evidence
from .signatures import public_key_from_xy, verify_raw
from .tcb import QV_RESULTS, evaluate_tcb
from .trust import TrustAnchor, chain_expired, intel_root_ca, untrusted, verify_chain

NO_COLLATERAL = "NoCollateral"
# sgx_ql_qv_result_t UNSPECIFIED: what a caller mirroring Intel's API sees without collateral.
QV_RESULT_UNSPECIFIED = 0xA006


@dataclass(frozen=True)
class VerificationResult:
    quote: Quote
    pck: PckInfo
    checks_passed: tuple[str, ...]
    tcb_status: str
    advisory_ids: tuple[str, ...]
    collateral_supplied: bool
    # True when any certificate, CRL, TCB Info or QE Identity is outside its window at `at`.
    collateral_expired: bool
    simulated: bool
    qe_tcb_status: str | None
    evaluated_at: dt.datetime

    @property
    def qv_result(self) -> int:
        """The `sgx_ql_qv_result_t` Intel's library would report for this outcome."""
        return QV_RESULTS.get(self.tcb_status, QV_RESULT_UNSPECIFIED)


def _chain_names_ok(chain: list[x509.Certificate]) -> bool:
    leaf, middle, root = (common_name(c.subject) for c in chain)
    return "SGX PCK Certificate" in leaf and "CA" in middle and "SGX Root CA" in root


@lru_cache(maxsize=256)
def verified_pck_chain(
    quote_certification: CertificationData, anchors: tuple[TrustAnchor, ...]
) -> tuple[tuple[x509.Certificate, ...], TrustAnchor, PckInfo]:
    """Check a PCK chain once per distinct chain and trust-anchor set.

    Every quote from one platform carries the same chain, and the checks depend only on these
    bytes (validity windows are checked per call, against each call's time), so a small
    cache saves most of a quote's cost. Failures raise and are never cached.
    """
    chain = pck_chain_of(quote_certification)
    if not _chain_names_ok(chain):
        raise untrusted("PCK chain is not leaf/CA/root SGX certificates", "PCK_CHAIN_INVALID")
    anchor = verify_chain(chain, list(anchors), reason="PCK_CHAIN_INVALID", what="PCK chain")
    return tuple(chain), anchor, pck_info(chain[0])


def clear_verification_caches() -> None:
    """Forget cached chain and collateral checks (tests, benchmarks, trust-store changes)."""
    verified_pck_chain.cache_clear()
    clear_endorsement_cache()


def verify_signatures(quote: Quote, anchors: tuple[TrustAnchor, ...]) -> tuple[
    list[x509.Certificate], TrustAnchor, PckInfo, list[str]
]:
    """The offline checks; returns the PCK chain, its anchor, the PCK facts and the checks run."""
    cached_chain, anchor, pck = verified_pck_chain(quote.certification, anchors)
    chain = list(cached_chain)
    checks = ["header", "pck_chain"]
    if not verify_raw(chain[0].public_key(), quote.qe_report_signature, quote.qe_report.raw):
        raise untrusted(
            "QE report is not signed by the PCK key", "QE_REPORT_SIGNATURE_INVALID",
            check="qe_report_signature",
        )
    checks.append("qe_report_signature")
    binding = hashlib.sha256(quote.attestation_key + quote.qe_auth_data).digest()
    report_data = quote.qe_report.report_data
    if report_data[:32] != binding or any(report_data[32:]):
        raise untrusted(
            "QE report data does not bind the attestation key", "QE_REPORT_DATA_MISMATCH",
            check="qe_report_data",
        )
    checks.append("qe_report_data")
    key = public_key_from_xy(quote.attestation_key)
    if not verify_raw(key, quote.signature, quote.signed_region):
        raise untrusted(
            "quote is not signed by its attestation key", "QUOTE_SIGNATURE_INVALID",
            check="quote_signature",
        )
    checks.append("quote_signature")
    return chain, anchor, pck, checks


def verify_quote(
    quote: bytes | Quote,
    *,
    collateral: Collateral | None = None,
    at: dt.datetime | None = None,
    simulation_root: x509.Certificate | None = None,
) -> VerificationResult:
    """Verify a quote (raw, or wrapped in an Open Enclave report header) offline.

    `at` is the evaluation time (default: now, UTC). Quotes whose chain ends in
    `simulation_root` are accepted only when that root is passed, i.e. when the caller has
    simulation mode switched on; the result then says `simulated=True`.
    """
    at = at or dt.datetime.now(dt.timezone.utc)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    if not isinstance(quote, Quote):
        quote = parse_evidence(quote)
    anchors: tuple[TrustAnchor, ...] = (intel_root_ca(),)
    if simulation_root is not None:
        anchors += (TrustAnchor(simulation_root, simulated=True),)
    chain, anchor, pck, checks = verify_signatures(quote, anchors)
    expired = chain_expired(chain, at)
    if collateral is None:
        return VerificationResult(
            quote, pck, tuple(checks), NO_COLLATERAL, (), False, expired, anchor.simulated,
            None, at,
        )
    checked = check_collateral(collateral, chain, anchor, at)
    checks.append("collateral")
    tcb = evaluate_tcb(checked.tcb_info, checked.qe_identity, pck, quote.qe_report)
    checks.append("tcb_level")
    return VerificationResult(
        quote, pck, tuple(checks), tcb.status, tcb.advisory_ids, True,
        expired or checked.expired, anchor.simulated, tcb.qe_status, at,
    )
