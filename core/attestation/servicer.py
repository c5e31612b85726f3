"""gRPC face of the attestation engine: this process's quotes, and verification for others."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence

import grpc
from switchyard.attestation.v1 import attestation_pb2 as pb
from switchyard.attestation.v1 import attestation_pb2_grpc as pb_grpc

from core.attestation.collateral import Collateral
from core.attestation.collateral_dir import CollateralDirectory
from core.attestation.dcap_library import verify
from core.attestation.pccs import PccsCollateral
from core.attestation.policy import PackageProperties, check_package, check_report_data, evidence_of
from core.attestation.simulation import SimulationAuthority
from core.attestation.sources import QuoteSource, choose_quote_source
from core.attestation.quote import parse_evidence
from core.attestation.verify import VerificationResult
from core.context import CoreContext
from core.errors import InvalidArgument, PermissionDenied, Unavailable
from core.identity import current_caller

log = logging.getLogger("switchyard.attestation")


class AttestationServicer(pb_grpc.AttestationServicer):
    def __init__(self, source: QuoteSource | None, simulation: SimulationAuthority | None,
                 collateral: Sequence[CollateralDirectory | PccsCollateral] = ()) -> None:
        self._source = source
        # Simulation quotes verify only while simulation mode is on, against our own root.
        self._simulation_root = simulation.root if simulation is not None else None
        self._collateral = tuple(collateral)

    async def GetQuote(self, request: pb.GetQuoteRequest, context) -> pb.QuoteReply:
        _require_operator()
        if self._source is None:
            raise Unavailable("no SGX quote source: no Gramine, no DCAP enclave and simulation is off",
                              reason="NO_QUOTE_SOURCE")
        quote = await asyncio.to_thread(self._source.quote, request.report_data)
        return pb.QuoteReply(quote=quote, source=self._source.name, simulated=self._source.simulated)

    async def VerifyQuote(self, request: pb.VerifyQuoteRequest, context) -> pb.QuoteVerification:
        _require_operator()
        collateral = Collateral.from_json(request.collateral) if request.collateral else None
        at = request.at.ToDatetime(dt.timezone.utc) if request.HasField("at") else None
        result = await asyncio.to_thread(self._verify, request.quote, collateral, at)
        if request.HasField("package"):
            check_package(evidence_of(result), _package(request.package))
        if request.expected_report_data_hash:
            if len(request.expected_report_data_hash) != 32:
                raise InvalidArgument("expected_report_data_hash must be 32 bytes", reason="INVALID_HASH")
            check_report_data(result.quote.report, request.expected_report_data_hash)
        return _verification(result)

    def _verify(self, quote: bytes, collateral: Collateral | None, at: dt.datetime | None) -> VerificationResult:
        """Intel's library when present, else offline; without collateral in the request, the
        first the configured sources (directory, then PCCS) have for the quote's platform."""
        parsed = parse_evidence(quote)
        if collateral is None:
            collateral = next(
                (found for source in self._collateral if (found := source.for_quote(parsed)) is not None), None)
        return verify(parsed, collateral=collateral, at=at, simulation_root=self._simulation_root)


def _require_operator() -> None:
    """Other services of this core and operator-issued gRPC clients only; no REST route leads here."""
    if not current_caller().is_operator:
        raise PermissionDenied("attestation is for services of this core", reason="NOT_AN_OPERATOR")


def _package(policy: pb.PackagePolicy) -> PackageProperties:
    return PackageProperties(
        debug=policy.debug,
        unique_id=policy.unique_id or None,
        signer_id=policy.signer_id or None,
        product_id=policy.product_id if policy.HasField("product_id") else None,
        security_version=policy.security_version if policy.HasField("security_version") else None,
        accepted_tcb_statuses=list(policy.accepted_tcb_statuses) or None,
        accepted_advisories=list(policy.accepted_advisories) or None,
    )


def _verification(result: VerificationResult) -> pb.QuoteVerification:
    report = result.quote.report
    message = pb.QuoteVerification(
        fields=pb.QuoteFields(
            version=result.quote.header.version,
            mrenclave=report.mr_enclave.hex(),
            mrsigner=report.mr_signer.hex(),
            isv_prod_id=report.isv_prod_id,
            isv_svn=report.isv_svn,
            debug=report.debug,
            report_data=report.report_data,
            fmspc=result.pck.fmspc.hex(),
            pce_id=result.pck.pce_id.hex(),
            pce_svn=result.pck.pce_svn,
            tcb_components=result.pck.tcb_components,
        ),
        checks_passed=result.checks_passed,
        tcb_status=result.tcb_status,
        advisory_ids=result.advisory_ids,
        collateral_supplied=result.collateral_supplied,
        collateral_expired=result.collateral_expired,
        simulated=result.simulated,
        qe_tcb_status=result.qe_tcb_status or "",
        qv_result=result.qv_result,
    )
    message.evaluated_at.FromDatetime(result.evaluated_at)
    return message


def register(server: grpc.aio.Server, ctx: CoreContext) -> list[str]:
    simulation = SimulationAuthority.load_or_create(ctx.config.data_dir) if ctx.config.sgx_simulation else None
    try:
        source: QuoteSource | None = choose_quote_source(
            ctx.config.data_dir, allow_simulation=ctx.config.sgx_simulation
        )
        log.info("SGX quote source: %s", source.describe())
    except Unavailable as error:
        source = None
        log.warning("SGX quote source: none (%s)", error.message)
    collateral: list[CollateralDirectory | PccsCollateral] = []
    if ctx.config.sgx_collateral_dir is not None:
        collateral.append(CollateralDirectory(ctx.config.sgx_collateral_dir))
        log.info("SGX collateral: files in %s, by platform", ctx.config.sgx_collateral_dir)
    if ctx.config.sgx_pccs_url is not None:
        collateral.append(PccsCollateral(ctx.config.sgx_pccs_url, ctx.config.sgx_pccs_ca))
        log.info("SGX collateral: fetched from the PCCS at %s", ctx.config.sgx_pccs_url)
    pb_grpc.add_AttestationServicer_to_server(AttestationServicer(source, simulation, collateral), server)
    return [pb.DESCRIPTOR.services_by_name["Attestation"].full_name]
