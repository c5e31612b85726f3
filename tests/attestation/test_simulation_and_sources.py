"""Simulation quotes round-trip through the real parser and verifier; quote sources."""

from __future__ import annotations

import hashlib

import pytest

from core.attestation.quote import parse_quote
from core.attestation.simulation import SIMULATION_USER_DATA, SimulationAuthority
from core.attestation.sources import (
    DcapQuoteSource,
    GramineQuoteSource,
    SimulationQuoteSource,
    choose_quote_source,
)
from core.attestation.trust import intel_root_ca
from core.attestation.verify import NO_COLLATERAL, verify_quote
from core.errors import InvalidArgument, Unavailable


def test_a_simulation_quote_round_trips_with_simulation_mode_on(simulation):
    digest = hashlib.sha256(b"certificate").digest()
    raw = simulation.quote(digest, mr_enclave=b"\x11" * 32, mr_signer=b"\x22" * 32,
                           isv_prod_id=7, isv_svn=3, debug=True)
    result = verify_quote(raw, simulation_root=simulation.root)
    assert result.simulated and result.tcb_status == NO_COLLATERAL
    report = result.quote.report
    assert (report.mr_enclave, report.mr_signer) == (b"\x11" * 32, b"\x22" * 32)
    assert (report.isv_prod_id, report.isv_svn, report.debug) == (7, 3, True)
    assert report.report_data[:32] == digest
    assert result.quote.header.user_data == SIMULATION_USER_DATA


def test_a_simulation_quote_is_refused_without_simulation_mode(simulation):
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(simulation.quote(b"x"))
    assert caught.value.reason == "PCK_CHAIN_INVALID"


def test_a_real_quote_is_not_simulated_even_with_simulation_mode_on(real_quotes, simulation):
    result = verify_quote(real_quotes["phala_sgx_quote"], simulation_root=simulation.root)
    assert not result.simulated


def test_the_simulation_root_lives_in_the_data_directory_and_is_not_intels(tmp_path):
    first = SimulationAuthority.load_or_create(tmp_path)
    again = SimulationAuthority.load_or_create(tmp_path)
    assert first.root == again.root
    assert first.root != intel_root_ca().certificate
    assert "Simulation" in first.root.subject.rfc4514_string()
    home = tmp_path / "attestation-simulation"
    assert not (home / "root.key").exists()  # the root key is never kept
    assert (home / "attestation.key").stat().st_mode & 0o077 == 0


def test_a_flipped_bit_in_a_simulation_quote_fails_like_a_real_one(simulation):
    raw = bytearray(simulation.quote(b"x"))
    raw[200] ^= 1
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(bytes(raw), simulation_root=simulation.root)
    assert caught.value.reason == "QUOTE_SIGNATURE_INVALID"


def test_report_data_longer_than_64_bytes_is_refused(simulation):
    with pytest.raises(InvalidArgument):
        simulation.quote(bytes(65))


def test_gramine_files_are_used_when_present(tmp_path):
    gramine = tmp_path / "attestation"
    gramine.mkdir()
    (gramine / "user_report_data").write_bytes(b"")
    (gramine / "quote").write_bytes(b"QUOTE")
    (gramine / "attestation_type").write_text("dcap\n")
    source = choose_quote_source(tmp_path / "data", gramine_dir=gramine)
    assert isinstance(source, GramineQuoteSource) and not source.simulated
    assert source.quote(b"abc") == b"QUOTE"
    assert (gramine / "user_report_data").read_bytes() == b"abc".ljust(64, b"\x00")
    assert "attestation_type=dcap" in source.describe()


def test_simulation_is_chosen_without_gramine_or_dcap(tmp_path):
    source = choose_quote_source(tmp_path / "data", gramine_dir=tmp_path / "none",
                                 reporter=lambda info, data: bytes(432),
                                 simulation_identity={"isv_svn": 2})
    assert isinstance(source, SimulationQuoteSource) and source.simulated
    assert "simulation" in source.describe() and "not Intel" in source.describe()
    raw = source.quote(b"nonce")
    assert parse_quote(raw).report.isv_svn == 2
    assert verify_quote(raw, simulation_root=source.authority.root).simulated


def test_no_source_when_simulation_is_off(tmp_path):
    with pytest.raises(Unavailable) as caught:
        choose_quote_source(tmp_path, gramine_dir=tmp_path / "none", allow_simulation=False)
    assert caught.value.reason == "NO_QUOTE_SOURCE"


def test_dcap_source_without_the_library_is_unavailable():
    source = DcapQuoteSource(lambda info, data: bytes(432))
    with pytest.raises(Unavailable):
        source.quote(b"x")
