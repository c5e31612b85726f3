"""The Attestation service over gRPC, with the real quotes and collateral of tests/attestation/data."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from switchyard.attestation.v1 import attestation_pb2 as pb
from switchyard.attestation.v1 import attestation_pb2_grpc as pb_grpc

from tests.server import running_server

DATA = Path(__file__).resolve().parents[1] / "attestation" / "data"
REAL_QUOTES = ["phala_sgx_quote.bin", "mobilecoin_hw_quote_debug.bin", "teekit_chinenyeokafor.bin",
               "teekit_tlsn_quote9.bin"]


def reason_of(error: grpc.RpcError) -> str:
    details = dict(error.trailing_metadata())["grpc-status-details-bin"]
    info = error_details_pb2.ErrorInfo()
    status_pb2.Status.FromString(details).details[0].Unpack(info)
    return info.reason


@pytest.fixture(scope="module")
def attestation(server):
    with server.grpc_channel() as channel:
        yield pb_grpc.AttestationStub(channel)


@pytest.mark.parametrize("name", REAL_QUOTES)
def test_real_quotes_verify_offline_and_say_there_is_no_collateral(attestation, name):
    reply = attestation.VerifyQuote(pb.VerifyQuoteRequest(quote=(DATA / name).read_bytes()))
    assert reply.tcb_status == "NoCollateral"
    assert not reply.simulated and not reply.collateral_supplied
    assert len(reply.fields.mrenclave) == 64 and len(reply.fields.fmspc) == 12
    assert reply.checks_passed


def test_collateral_gives_the_tcb_status_and_advisories_at_a_pinned_time(attestation):
    request = pb.VerifyQuoteRequest(
        quote=(DATA / "phala_sgx_quote.bin").read_bytes(),
        collateral=(DATA / "phala_sgx_quote_collateral.json").read_text(),
    )
    request.at.FromDatetime(dt.datetime(2025, 6, 20, tzinfo=dt.timezone.utc))
    reply = attestation.VerifyQuote(request)
    assert reply.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert set(reply.advisory_ids) == {"INTEL-SA-00289", "INTEL-SA-00615"}
    assert reply.collateral_supplied and not reply.collateral_expired


def test_a_package_the_quote_does_not_match_is_refused_with_a_reason(attestation):
    quote = (DATA / "mobilecoin_hw_quote_debug.bin").read_bytes()
    request = pb.VerifyQuoteRequest(quote=quote, package=pb.PackagePolicy(debug=False, unique_id="00" * 32))
    with pytest.raises(grpc.RpcError) as raised:
        attestation.VerifyQuote(request)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(raised.value) == "PACKAGE_MISMATCH"


@pytest.mark.parametrize("quote", [b"", b"\x03\x00" + b"\x00" * 40, b"garbage" * 100])
def test_garbage_is_a_typed_invalid_argument(attestation, quote):
    with pytest.raises(grpc.RpcError) as raised:
        attestation.VerifyQuote(pb.VerifyQuoteRequest(quote=quote))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(raised.value).startswith("QUOTE_")


def test_simulation_quotes_round_trip_and_bind_their_report_data(attestation):
    digest = hashlib.sha256(b"root certificate DER || nonce").digest()
    reply = attestation.GetQuote(pb.GetQuoteRequest(report_data=digest))
    assert (reply.source, reply.simulated) == ("simulation", True)
    verified = attestation.VerifyQuote(pb.VerifyQuoteRequest(quote=reply.quote, expected_report_data_hash=digest))
    assert verified.simulated and verified.fields.report_data[:32] == digest
    with pytest.raises(grpc.RpcError) as raised:
        attestation.VerifyQuote(pb.VerifyQuoteRequest(quote=reply.quote, expected_report_data_hash=b"\x00" * 32))
    assert reason_of(raised.value) == "REPORT_DATA_MISMATCH"


def test_without_simulation_there_is_no_quote_and_simulation_quotes_do_not_verify(server, tmp_path):
    with server.grpc_channel() as channel:
        simulated = pb_grpc.AttestationStub(channel).GetQuote(pb.GetQuoteRequest(report_data=b"x")).quote
    with running_server(tmp_path / "data", "--no-sgx-simulation") as strict, strict.grpc_channel() as channel:
        stub = pb_grpc.AttestationStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.GetQuote(pb.GetQuoteRequest(report_data=b"x"))
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(grpc.RpcError) as raised:
            stub.VerifyQuote(pb.VerifyQuoteRequest(quote=simulated))
        assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED)
        assert "SGX quote source: none" in strict.log()
