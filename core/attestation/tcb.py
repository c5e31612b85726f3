"""TCB status from checked collateral, following Intel's Quote Verification Library rules.

The platform level comes from the PCK certificate's TCB values (not the quote's raw CPUSVN),
the QE level from the QE report's ISVSVN, and the two converge as QVL does, because that is
what the native path's `sgx_ql_qv_result_t` reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidArgument

from .collateral import hex_field
from .pck import PckInfo
from .quote import ReportBody

UP_TO_DATE = "UpToDate"
SW_HARDENING_NEEDED = "SWHardeningNeeded"
CONFIGURATION_NEEDED = "ConfigurationNeeded"
CONFIGURATION_AND_SW_HARDENING_NEEDED = "ConfigurationAndSWHardeningNeeded"
OUT_OF_DATE = "OutOfDate"
OUT_OF_DATE_CONFIGURATION_NEEDED = "OutOfDateConfigurationNeeded"
REVOKED = "Revoked"
TCB_STATUSES = (
    UP_TO_DATE,
    SW_HARDENING_NEEDED,
    CONFIGURATION_NEEDED,
    CONFIGURATION_AND_SW_HARDENING_NEEDED,
    OUT_OF_DATE,
    OUT_OF_DATE_CONFIGURATION_NEEDED,
    REVOKED,
)

# sgx_ql_qv_result_t for each status (sgx_qve_header.h), so both paths report alike.
QV_RESULTS = {
    UP_TO_DATE: 0x0000,
    CONFIGURATION_NEEDED: 0xA001,
    OUT_OF_DATE: 0xA002,
    OUT_OF_DATE_CONFIGURATION_NEEDED: 0xA003,
    REVOKED: 0xA005,
    SW_HARDENING_NEEDED: 0xA007,
    CONFIGURATION_AND_SW_HARDENING_NEEDED: 0xA008,
}
STATUS_OF_QV_RESULT = {value: status for status, value in QV_RESULTS.items()}


def _endorsement(message: str, reason: str = "INVALID_ENDORSEMENT", **meta: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, metadata=meta)


@dataclass(frozen=True)
class TcbEvaluation:
    status: str
    advisory_ids: tuple[str, ...]
    platform_status: str
    qe_status: str
    tcb_date: str | None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _endorsement(f"{name} must be an integer", field=name)
    return value


def _status(level: Mapping[str, Any], name: str) -> str:
    status = level.get("tcbStatus")
    if status not in TCB_STATUSES:
        raise _endorsement(f"{name} has an unrecognised tcbStatus {status!r}", field=name)
    return status


def _advisories(level: Mapping[str, Any]) -> list[str]:
    ids = level.get("advisoryIDs", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _endorsement("advisoryIDs must be a list of strings")
    return ids


def _levels(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    levels = body.get("tcbLevels")
    if not isinstance(levels, list) or not all(isinstance(lv, dict) for lv in levels):
        raise _endorsement(f"{name}.tcbLevels must be a list of objects", field=name)
    return levels


def _level_svns(level: Mapping[str, Any], version: int) -> tuple[list[int], int]:
    tcb = level.get("tcb")
    if not isinstance(tcb, dict):
        raise _endorsement("tcb_info level has no tcb object")
    if version >= 3:
        comps = tcb.get("sgxtcbcomponents")
        if not isinstance(comps, list) or len(comps) != 16 or not all(
            isinstance(c, dict) for c in comps
        ):
            raise _endorsement("tcb_info level needs 16 sgxtcbcomponents")
        svns = [_int(c.get("svn"), "sgxtcbcomponents.svn") for c in comps]
    else:
        svns = [_int(tcb.get(f"sgxtcbcomp{i:02d}svn"), "sgxtcbcompsvn") for i in range(1, 17)]
    return svns, _int(tcb.get("pcesvn"), "pcesvn")


def platform_level(tcb_info: Mapping[str, Any], pck: PckInfo) -> Mapping[str, Any]:
    """The first TCB level the PCK certificate's SVNs all reach (levels are newest first)."""
    if tcb_info.get("id", "SGX") != "SGX":
        raise _endorsement("tcb_info is not for SGX", reason="TCB_INFO_MISMATCH")
    version = _int(tcb_info.get("version"), "tcb_info.version")
    if version not in (2, 3):
        raise _endorsement(f"tcb_info version {version} is not supported")
    if hex_field(tcb_info, "fmspc", 6, "tcb_info") != pck.fmspc:
        raise _endorsement("tcb_info is for another FMSPC", reason="TCB_INFO_MISMATCH",
                           fmspc=pck.fmspc.hex())
    if hex_field(tcb_info, "pceId", 2, "tcb_info") != pck.pce_id:
        raise _endorsement("tcb_info is for another PCE-ID", reason="TCB_INFO_MISMATCH",
                           pce_id=pck.pce_id.hex())
    for level in _levels(tcb_info, "tcb_info"):
        svns, pcesvn = _level_svns(level, version)
        if all(own >= need for own, need in zip(pck.tcb_components, svns)) and (
            pck.pce_svn >= pcesvn
        ):
            return level
    raise InvalidArgument(
        "no TCB level in tcb_info matches the platform", reason="TCB_NOT_SUPPORTED"
    )


def qe_level(qe_identity: Mapping[str, Any], qe_report: ReportBody) -> Mapping[str, Any] | None:
    """Check the QE report against QE Identity; return its level (None means revoked)."""
    if qe_identity.get("id", "QE") != "QE":
        raise _endorsement("qe_identity is not for the QE", reason="QE_IDENTITY_MISMATCH")
    if _int(qe_identity.get("version"), "qe_identity.version") != 2:
        raise _endorsement("qe_identity version is not supported")
    mismatch = []
    if hex_field(qe_identity, "mrsigner", 32, "qe_identity") != qe_report.mr_signer:
        mismatch.append("mrsigner")
    if _int(qe_identity.get("isvprodid"), "isvprodid") != qe_report.isv_prod_id:
        mismatch.append("isvprodid")
    misc = int.from_bytes(hex_field(qe_identity, "miscselect", 4, "qe_identity"), "big")
    misc_mask = int.from_bytes(hex_field(qe_identity, "miscselectMask", 4, "qe_identity"), "big")
    if qe_report.misc_select & misc_mask != misc & misc_mask:
        mismatch.append("miscselect")
    attrs = hex_field(qe_identity, "attributes", 16, "qe_identity")
    mask = hex_field(qe_identity, "attributesMask", 16, "qe_identity")
    if bytes(a & m for a, m in zip(qe_report.attributes, mask)) != bytes(
        a & m for a, m in zip(attrs, mask)
    ):
        mismatch.append("attributes")
    if mismatch:
        raise _endorsement(
            f"QE report does not match QE Identity ({', '.join(mismatch)})",
            reason="QE_IDENTITY_MISMATCH",
            fields=",".join(mismatch),
        )
    for level in _levels(qe_identity, "qe_identity"):
        tcb = level.get("tcb")
        if not isinstance(tcb, dict):
            raise _endorsement("qe_identity level has no tcb object")
        if _int(tcb.get("isvsvn"), "isvsvn") <= qe_report.isv_svn:
            return level
    return None


def converge(platform: str, qe: str) -> str:
    """QVL's convergeTcbStatusWithQeTcbStatus."""
    if qe == REVOKED:
        return REVOKED
    if qe == OUT_OF_DATE:
        if platform in (UP_TO_DATE, SW_HARDENING_NEEDED):
            return OUT_OF_DATE
        if platform in (CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED):
            return OUT_OF_DATE_CONFIGURATION_NEEDED
    return platform


def evaluate_tcb(
    tcb_info: Mapping[str, Any],
    qe_identity: Mapping[str, Any],
    pck: PckInfo,
    qe_report: ReportBody,
) -> TcbEvaluation:
    platform = platform_level(tcb_info, pck)
    platform_status = _status(platform, "tcb_info")
    qe = qe_level(qe_identity, qe_report)
    qe_status = REVOKED if qe is None else _status(qe, "qe_identity")
    advisories = list(_advisories(platform))
    if qe is not None and qe_status != UP_TO_DATE:
        # The QE's own advisories matter once it is behind; keep order, drop repeats.
        advisories += [a for a in _advisories(qe) if a not in advisories]
    tcb_date = platform.get("tcbDate")
    return TcbEvaluation(
        status=converge(platform_status, qe_status),
        advisory_ids=tuple(advisories),
        platform_status=platform_status,
        qe_status=qe_status,
        tcb_date=tcb_date if isinstance(tcb_date, str) else None,
    )
