"""Offline verification of real quotes: every check passes, one flipped bit fails the right one."""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.attestation.pck import quote_pck_chain
from core.attestation.quote import parse_quote
from core.attestation.signatures import sign_raw, xy_of
from core.attestation.simulation import SIMULATION_QE_MRSIGNER, report_body
from core.attestation.trust import INTEL_ROOT_CA_SHA256, intel_root_ca
from core.attestation.verify import NO_COLLATERAL, verify_quote
from core.errors import InvalidArgument

from .conftest import pem, with_cert_data

ALL_CHECKS = ("header", "pck_chain", "qe_report_signature", "qe_report_data", "quote_signature")
PARSE_REASONS = {
    "QUOTE_VERSION_UNSUPPORTED",
    "QUOTE_ATT_KEY_TYPE_UNSUPPORTED",
    "QUOTE_TEE_TYPE_UNSUPPORTED",
    "QUOTE_VENDOR_UNKNOWN",
}


def _flip(raw: bytes, offset: int, bit: int = 0) -> bytes:
    out = bytearray(raw)
    out[offset] ^= 1 << bit
    return bytes(out)


def _reason(raw: bytes) -> str:
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(raw)
    return caught.value.reason


def test_the_shipped_root_is_intels_pinned_root():
    der = intel_root_ca().der
    assert hashlib.sha256(der).hexdigest() == INTEL_ROOT_CA_SHA256


def test_every_real_quote_passes_all_offline_checks(real_quotes):
    for name, raw in real_quotes.items():
        result = verify_quote(raw)
        assert result.checks_passed == ALL_CHECKS, name
        assert result.tcb_status == NO_COLLATERAL
        assert not result.collateral_supplied
        assert not result.simulated
        assert result.qv_result == 0xA006  # UNSPECIFIED, never OK without collateral


def test_a_flipped_bit_in_header_or_body_fails_the_quote_signature(real_quotes):
    for raw in real_quotes.values():
        for offset in range(432):
            reason = _reason(_flip(raw, offset, offset % 8))
            if 8 <= offset < 12 or offset >= 28:
                assert reason == "QUOTE_SIGNATURE_INVALID", offset
            else:
                assert reason in PARSE_REASONS | {"QUOTE_SIGNATURE_INVALID"}, offset


def test_a_flipped_bit_in_the_quote_signature_fails_it(real_quotes):
    raw = real_quotes["phala_sgx_quote"]
    for offset in range(436, 500):
        assert _reason(_flip(raw, offset)) == "QUOTE_SIGNATURE_INVALID"


def test_a_flipped_bit_in_the_attestation_key_breaks_the_qe_binding(real_quotes):
    raw = real_quotes["phala_sgx_quote"]
    for offset in range(500, 564):
        assert _reason(_flip(raw, offset)) == "QE_REPORT_DATA_MISMATCH"


def test_a_flipped_bit_in_the_qe_report_or_its_signature_fails_the_pck_signature(real_quotes):
    for raw in real_quotes.values():
        for offset in range(564, 1012):
            assert _reason(_flip(raw, offset, offset % 8)) == "QE_REPORT_SIGNATURE_INVALID"


def test_a_flipped_bit_in_the_qe_auth_data_breaks_the_binding(real_quotes):
    raw = real_quotes["phala_sgx_quote"]
    for offset in range(1014, 1046):
        assert _reason(_flip(raw, offset)) == "QE_REPORT_DATA_MISMATCH"


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_flipped_bit_in_a_chain_certificate_signature_fails_the_chain(real_quotes, index):
    raw = real_quotes["phala_sgx_quote"]
    chain = quote_pck_chain(parse_quote(raw))
    der = bytearray(chain[index].public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the signature's s value
    chain[index] = x509.load_der_x509_certificate(bytes(der))
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(with_cert_data(raw, 5, pem(chain)))
    assert caught.value.reason == "PCK_CHAIN_INVALID"
    # the root is compared with the pinned DER; the others fail their issuer's signature
    assert caught.value.metadata["check"] == ("root" if index == 2 else "issuer")


def test_a_chain_ending_in_another_root_is_untrusted(real_quotes, simulation):
    raw = real_quotes["phala_sgx_quote"]
    chain = quote_pck_chain(parse_quote(raw))
    forged = with_cert_data(raw, 5, pem(chain[:2] + [simulation.root]))
    assert _reason(forged) == "PCK_CHAIN_INVALID"


@pytest.mark.parametrize("cert_type", [1, 2, 3, 4])
def test_other_certification_data_types_are_reported_unsupported(real_quotes, cert_type):
    raw = with_cert_data(real_quotes["phala_sgx_quote"], cert_type, b"\x01" * 16)
    assert parse_quote(raw).certification.cert_type == cert_type
    assert _reason(raw) == "QUOTE_CERTIFICATION_DATA_UNSUPPORTED"


def _sgx_quote_v4_or_v5(simulation, version: int) -> bytes:
    """A v4/v5 SGX quote (type-6 QE report certification data) signed by simulation keys."""
    header = struct.pack("<HHIHH", version, 2, 0, 0, 0) + bytes.fromhex(
        "939a7233f79c4ca9940a0db3957f0607"
    ) + bytes(20)
    body = report_body(report_data=b"v%d" % version, isv_svn=4)
    if version == 5:
        header += struct.pack("<HI", 1, 384)
    xy = xy_of(simulation.attestation_key.public_key())
    auth = bytes(range(32))
    qe = report_body(report_data=hashlib.sha256(xy + auth).digest(),
                     mr_signer=SIMULATION_QE_MRSIGNER, isv_prod_id=1, isv_svn=1)
    chain = simulation.chain_pem()
    inner = qe + sign_raw(simulation.pck_key, qe) + struct.pack("<H", 32) + auth
    inner += struct.pack("<HI", 5, len(chain)) + chain
    sig_data = sign_raw(simulation.attestation_key, header + body) + xy
    sig_data += struct.pack("<HI", 6, len(inner)) + inner
    return header + body + struct.pack("<I", len(sig_data)) + sig_data


@pytest.mark.parametrize("version", [4, 5])
def test_sgx_quotes_in_v4_and_v5_layout_verify(simulation, version):
    raw = _sgx_quote_v4_or_v5(simulation, version)
    result = verify_quote(raw, simulation_root=simulation.root)
    assert result.quote.header.version == version
    assert result.quote.report.isv_svn == 4
    assert result.checks_passed == ALL_CHECKS and result.simulated
    for cut in range(0, len(raw), 7):
        with pytest.raises(InvalidArgument):
            parse_quote(raw[:cut])


def test_v4_quote_with_a_tdx_tee_type_is_refused(simulation):
    raw = bytearray(_sgx_quote_v4_or_v5(simulation, 4))
    raw[4:8] = struct.pack("<I", 0x81)
    assert _reason(bytes(raw)) == "QUOTE_TEE_TYPE_UNSUPPORTED"
