"""Does a verified quote satisfy a manifest package? (MarbleRun's PackageProperties rules.)

Plain dataclasses in, typed errors out, so the Coordinator can call this without the
attestation engine knowing its manifest model.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.errors import InvalidArgument, PermissionDenied

from .quote import ReportBody
from .tcb import SW_HARDENING_NEEDED, UP_TO_DATE
from .verify import VerificationResult

# MarbleRun accepts these when a package lists no AcceptedTCBStatuses.
DEFAULT_ACCEPTED_TCB_STATUSES = (UP_TO_DATE, SW_HARDENING_NEEDED)


@dataclass(frozen=True)
class PackageProperties:
    """A manifest package. `None` means "not set", which differs from 0 or an empty list."""

    debug: bool = False
    unique_id: str | None = None
    signer_id: str | None = None
    product_id: int | None = None
    security_version: int | None = None
    accepted_tcb_statuses: Sequence[str] | None = None
    accepted_advisories: Sequence[str] | None = None


class Evidence(Protocol):
    """What policy needs from a verification result (offline or native)."""

    @property
    def report(self) -> ReportBody: ...

    tcb_status: str
    advisory_ids: tuple[str, ...]
    simulated: bool


@dataclass(frozen=True)
class QuoteEvidence:
    report: ReportBody
    tcb_status: str
    advisory_ids: tuple[str, ...]
    simulated: bool


def evidence_of(result: VerificationResult) -> QuoteEvidence:
    """Adapt a `VerificationResult` (which holds the parsed quote) to `Evidence`."""
    return QuoteEvidence(
        result.quote.report, result.tcb_status, tuple(result.advisory_ids), result.simulated
    )


def _measurement(value: str, field: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidArgument(
            f"package {field} must be 32 bytes of hex", reason="INVALID_PACKAGE",
            metadata={"field": field},
        )
    return raw


def _mismatch(message: str, field: str, reason: str = "PACKAGE_MISMATCH") -> PermissionDenied:
    return PermissionDenied(message, reason=reason, metadata={"field": field})


def check_identity(report: ReportBody, package: PackageProperties) -> None:
    """UniqueID / SignerID+ProductID / SecurityVersion / Debug, as `IsCompliant` does."""
    if package.unique_id is None and (package.signer_id is None or package.product_id is None):
        raise InvalidArgument(
            "package needs UniqueID, or SignerID with ProductID", reason="INVALID_PACKAGE",
            metadata={"field": "UniqueID"},
        )
    if package.debug != report.debug:
        raise _mismatch(
            f"enclave debug flag is {report.debug}, package requires {package.debug}", "Debug"
        )
    if package.unique_id is not None and not hmac.compare_digest(
        _measurement(package.unique_id, "UniqueID"), report.mr_enclave
    ):
        raise _mismatch("MRENCLAVE does not match the package's UniqueID", "UniqueID")
    if package.signer_id is not None and not hmac.compare_digest(
        _measurement(package.signer_id, "SignerID"), report.mr_signer
    ):
        raise _mismatch("MRSIGNER does not match the package's SignerID", "SignerID")
    if package.product_id is not None and package.product_id != report.isv_prod_id:
        raise _mismatch(
            f"ISVPRODID {report.isv_prod_id} is not the package's ProductID "
            f"{package.product_id}", "ProductID",
        )
    if package.security_version is not None and report.isv_svn < package.security_version:
        raise _mismatch(
            f"ISVSVN {report.isv_svn} is below the package's SecurityVersion "
            f"{package.security_version}", "SecurityVersion",
        )


def check_tcb(evidence: Evidence, package: PackageProperties) -> None:
    """The TCB status must be accepted and, when listed, every advisory too."""
    accepted = (
        DEFAULT_ACCEPTED_TCB_STATUSES
        if package.accepted_tcb_statuses is None
        else (UP_TO_DATE, *package.accepted_tcb_statuses)
    )
    if evidence.tcb_status not in accepted:
        raise _mismatch(
            f"platform TCB status {evidence.tcb_status} is not accepted",
            "AcceptedTCBStatuses",
            "TCB_LEVEL_INVALID",
        )
    if package.accepted_advisories is not None:
        unaccepted = [a for a in evidence.advisory_ids if a not in package.accepted_advisories]
        if unaccepted:
            raise _mismatch(
                f"advisories not accepted: {', '.join(unaccepted)}",
                "AcceptedAdvisories",
                "TCB_LEVEL_INVALID",
            )


def check_package(evidence: Evidence, package: PackageProperties) -> None:
    """Raise `PermissionDenied` unless the quote satisfies the package.

    A simulated quote carries no platform TCB at all, so only its identity is checked; the
    caller accepted simulation when it verified the quote with the simulation root.
    """
    check_identity(evidence.report, package)
    if not evidence.simulated:
        check_tcb(evidence, package)


def check_report_data(report: ReportBody, expected_hash: bytes) -> None:
    """REPORTDATA[0:32] must equal `expected_hash` (e.g. SHA-256 of the peer certificate)."""
    if len(expected_hash) != 32:
        raise InvalidArgument("expected report data hash must be 32 bytes", reason="BAD_HASH")
    if not hmac.compare_digest(report.report_data[:32], expected_hash):
        raise PermissionDenied(
            "quote report data does not bind the expected hash", reason="REPORT_DATA_MISMATCH"
        )
