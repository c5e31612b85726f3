"""Parsing SGX quotes: real vectors, v4/v5 SGX layouts, and hostile bytes."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.attestation.pck import pck_info, quote_pck_chain
from core.attestation.quote import INTEL_QE_VENDOR_ID, parse_evidence, parse_quote
from core.attestation.verify import verify_quote
from core.errors import InvalidArgument, SwitchyardError

QE_MRSIGNER = "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff"


def test_every_real_quote_parses_with_intel_qe_fields(real_quotes):
    for name, raw in real_quotes.items():
        quote = parse_quote(raw)
        assert quote.header.version == 3, name
        assert quote.header.qe_vendor_id == INTEL_QE_VENDOR_ID
        assert quote.qe_report.mr_signer.hex() == QE_MRSIGNER
        assert quote.qe_report.isv_prod_id == 1
        assert quote.qe_auth_data == bytes(range(32))
        assert quote.certification.cert_type == 5
        assert quote.signed_region == raw[:432]
        assert quote.trailing_bytes == 0
        assert len(quote_pck_chain(quote)) == 3


def test_phala_quote_fields_match_the_notes(real_quotes):
    quote = parse_quote(real_quotes["phala_sgx_quote"])
    assert (quote.header.qe_svn, quote.header.pce_svn) == (10, 15)
    assert quote.qe_report.isv_svn == 10
    assert not quote.report.debug
    pck = pck_info(quote_pck_chain(quote)[0])
    assert pck.fmspc.hex() == "00a067110000"
    assert pck.pce_id.hex() == "0000"
    assert pck.tcb_components[:7] == (11, 11, 2, 2, 255, 1, 0)
    assert pck.pce_svn == 13
    assert pck.ca_kind == "processor"


def test_mobilecoin_quote_is_a_debug_enclave(real_quotes):
    quote = parse_quote(real_quotes["mobilecoin_hw_quote_debug"])
    assert quote.report.flags == 0x7
    assert quote.report.debug


def test_platform_ca_chain_is_recognised(real_quotes):
    quote = parse_quote(real_quotes["teekit_chinenyeokafor"])
    assert pck_info(quote_pck_chain(quote)[0]).ca_kind == "platform"


def test_report_data_of_tlsn_quote_is_a_compressed_point(real_quotes):
    report = parse_quote(real_quotes["teekit_tlsn_quote9"]).report
    assert report.report_data[0] in (2, 3)
    assert report.isv_prod_id == 7 and report.isv_svn == 1


@pytest.mark.parametrize(
    "offset, value, reason",
    [
        (0, struct.pack("<H", 2), "QUOTE_VERSION_UNSUPPORTED"),
        (2, struct.pack("<H", 3), "QUOTE_ATT_KEY_TYPE_UNSUPPORTED"),
        (4, struct.pack("<I", 0x81), "QUOTE_TEE_TYPE_UNSUPPORTED"),
        (12, b"\x00" * 16, "QUOTE_VENDOR_UNKNOWN"),
        (432, struct.pack("<I", 0xFFFFFFFF), "QUOTE_TRUNCATED"),
        (1012, struct.pack("<H", 0xFFFF), "QUOTE_TRUNCATED"),
    ],
)
def test_bad_header_and_sizes_are_typed_errors(real_quotes, offset, value, reason):
    raw = bytearray(real_quotes["phala_sgx_quote"])
    raw[offset : offset + len(value)] = value
    with pytest.raises(InvalidArgument) as caught:
        parse_quote(bytes(raw))
    assert caught.value.reason == reason


def test_truncation_at_every_offset_is_a_typed_error(real_quotes):
    for raw in real_quotes.values():
        for cut in range(len(raw)):
            with pytest.raises(InvalidArgument) as caught:
                parse_quote(raw[:cut])
            assert caught.value.reason == "QUOTE_TRUNCATED"


def test_trailing_bytes_are_tolerated_and_reported(real_quotes):
    quote = parse_quote(real_quotes["phala_sgx_quote"] + b"\x00" * 70)
    assert quote.trailing_bytes == 70
    assert verify_quote(quote).checks_passed[-1] == "quote_signature"


def test_oversized_input_is_refused():
    with pytest.raises(InvalidArgument) as caught:
        parse_quote(b"\x03" * ((1 << 20) + 1))
    assert caught.value.reason == "QUOTE_TOO_LARGE"


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=6000))
def test_random_bytes_never_escape_as_untyped_errors(data):
    try:
        parse_quote(data)
    except InvalidArgument:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_quotes_fail_only_with_typed_errors(real_quotes, data):
    raw = bytearray(data.draw(st.sampled_from(sorted(real_quotes.values()))))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    try:
        verify_quote(bytes(raw[:cut]))
    except SwitchyardError:
        pass


def test_an_open_enclave_remote_report_is_unwrapped(real_quotes):
    raw = real_quotes["phala_sgx_quote"]
    wrapped = struct.pack("<IIQ", 1, 2, len(raw)) + raw
    assert parse_evidence(wrapped).raw == raw
    uuid = bytes.fromhex("a3a21e871b4d4014b70aa125d2fbcd8c")
    attested = struct.pack("<I", 3) + uuid + struct.pack("<Q", len(wrapped)) + wrapped
    assert parse_evidence(attested).raw == raw
    assert parse_evidence(raw).raw == raw
    foreign = struct.pack("<I", 3) + bytes(16) + struct.pack("<Q", len(raw)) + raw
    with pytest.raises(InvalidArgument) as caught:
        parse_evidence(foreign)
    assert caught.value.reason == "QUOTE_FORMAT_UNSUPPORTED"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_evidence_never_escapes_as_untyped_errors(data):
    for candidate in (data, struct.pack("<IIQ", 1, 2, len(data)) + data):
        try:
            parse_evidence(candidate)
        except InvalidArgument:
            pass
