"""`serve --sgx-pccs-url`: VerifyQuote over gRPC judges real quotes with collateral fetched from a
PCCS over HTTPS, once per platform; a PCCS that cannot answer makes the call UNAVAILABLE."""

from __future__ import annotations

import grpc
import pytest
from switchyard.attestation.v1 import attestation_pb2 as pb
from switchyard.attestation.v1 import attestation_pb2_grpc as pb_grpc

from tests.attestation.conftest import COLLATERAL_TIME
from tests.attestation.fake_pccs import running_pccs
from tests.attestation_api.test_attestation_service import DATA, reason_of
from tests.server import running_server


def verify(stub: pb_grpc.AttestationStub, name: str) -> pb.QuoteVerification:
    request = pb.VerifyQuoteRequest(quote=(DATA / name).read_bytes())
    request.at.FromDatetime(COLLATERAL_TIME)
    return stub.VerifyQuote(request)


@pytest.fixture(scope="module")
def pccs(tmp_path_factory):
    with running_pccs(tmp_path_factory.mktemp("pccs")) as running:
        yield running


def test_quotes_are_judged_with_collateral_the_pccs_serves_fetched_once(tmp_path, pccs):
    pccs.requests.clear()
    with running_server(tmp_path / "data", "--no-sgx-simulation", "--sgx-pccs-url", pccs.url,
                        "--sgx-pccs-ca", str(pccs.ca_file)) as server, server.grpc_channel() as channel:
        stub = pb_grpc.AttestationStub(channel)
        for _ in range(3):
            reply = verify(stub, "phala_sgx_quote.bin")
            assert reply.tcb_status == "ConfigurationAndSWHardeningNeeded"
            assert set(reply.advisory_ids) == {"INTEL-SA-00289", "INTEL-SA-00615"}
            assert reply.collateral_supplied and not reply.collateral_expired
        assert len(pccs.requests) == 4  # one set for the platform, not one per quote
        # A platform the PCCS has nothing for (its 404) cannot be judged.
        with pytest.raises(grpc.RpcError) as raised:
            verify(stub, "teekit_tlsn_quote9.bin")
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        assert reason_of(raised.value) == "COLLATERAL_UNAVAILABLE" and "404" in raised.value.details()
        assert f"SGX collateral: fetched from the PCCS at {pccs.url}" in server.log()


def test_the_collateral_directory_wins_for_the_platforms_it_holds(tmp_path, pccs):
    pccs.requests.clear()
    (tmp_path / "collateral").mkdir()
    (tmp_path / "collateral" / "phala.json").write_bytes((DATA / "phala_sgx_quote_collateral.json").read_bytes())
    with running_server(tmp_path / "data", "--sgx-collateral-dir", str(tmp_path / "collateral"),
                        "--sgx-pccs-url", pccs.url, "--sgx-pccs-ca", str(pccs.ca_file)) as server, \
            server.grpc_channel() as channel:
        assert verify(pb_grpc.AttestationStub(channel), "phala_sgx_quote.bin").collateral_supplied
    assert pccs.requests == []


@pytest.mark.parametrize("flags, said", [
    (("--sgx-pccs-url", "pccs.example:8081"), "is not an http(s) URL"),
    (("--sgx-pccs-url", "https://pccs.example", "--sgx-pccs-ca", "/nonexistent/pccs.crt"), "PCCS CA file"),
])
def test_a_pccs_that_cannot_be_used_stops_the_start_with_a_message(tmp_path, flags, said):
    with pytest.raises(RuntimeError, match="did not start") as raised:
        with running_server(tmp_path / "data", *flags):
            pass
    assert "switchyard: " in str(raised.value) and said in str(raised.value)
    assert "Traceback" not in str(raised.value)
