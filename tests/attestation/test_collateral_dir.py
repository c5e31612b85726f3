"""The collateral directory: files found by the FMSPC their TCB Info names, re-read on change."""

from __future__ import annotations

import os

from core.attestation.collateral_dir import CollateralDirectory
from core.attestation.quote import parse_evidence
from tests.attestation.conftest import TESTDATA

PHALA_FMSPC = bytes.fromhex("00A067110000")


def test_a_platforms_file_is_found_by_fmspc_whatever_its_name(tmp_path):
    (tmp_path / "any-name.json").write_bytes((TESTDATA / "phala_sgx_quote_collateral.json").read_bytes())
    directory = CollateralDirectory(tmp_path)
    assert directory.for_fmspc(PHALA_FMSPC).fmspc == "00a067110000"
    assert directory.for_fmspc(bytes(6)) is None


def test_a_changed_file_is_read_again_and_a_broken_one_is_skipped(tmp_path, caplog):
    path = tmp_path / "platform.json"
    directory = CollateralDirectory(tmp_path)
    assert directory.for_fmspc(PHALA_FMSPC) is None  # nothing there yet
    path.write_bytes((TESTDATA / "phala_sgx_quote_collateral.json").read_bytes())
    assert directory.for_fmspc(PHALA_FMSPC) is not None
    path.write_text('{"tcb_info": "not what Intel serves"}')
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 1_000_000))  # a later mtime, even on coarse clocks
    assert directory.for_fmspc(PHALA_FMSPC) is None
    assert "ignoring collateral file" in caplog.text and "platform.json" in caplog.text


def test_a_quote_finds_the_file_of_the_platform_its_pck_certificate_names(tmp_path, real_quotes):
    (tmp_path / "phala.json").write_bytes((TESTDATA / "phala_sgx_quote_collateral.json").read_bytes())
    directory = CollateralDirectory(tmp_path)
    assert directory.for_quote(parse_evidence(real_quotes["phala_sgx_quote"])) is not None
    assert directory.for_quote(parse_evidence(real_quotes["teekit_tlsn_quote9"])) is None  # FMSPC 00906ed50000
