"""Collateral fetched from a PCCS over HTTPS: exactly what Intel signed, kept per platform until
it is due, and every failure of the service an Unavailable that names it."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from core.attestation.pccs import MAX_BODY, PccsCollateral
from core.attestation.quote import parse_evidence
from core.errors import InvalidArgument, Unavailable
from tests.attestation.conftest import COLLATERAL_TIME, with_cert_data
from tests.attestation.fake_pccs import API, running_pccs

EXPECTED_REQUESTS = [f"{API}/tcb?fmspc=00A067110000", f"{API}/qe/identity",
                     f"{API}/pckcrl?ca=processor&encoding=der", f"{API}/rootcacrl"]


@pytest.fixture
def pccs(tmp_path):
    with running_pccs(tmp_path / "pccs") as running:
        yield running


@pytest.fixture
def phala(real_quotes):
    return parse_evidence(real_quotes["phala_sgx_quote"])


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def test_fetched_collateral_is_byte_for_byte_the_platforms_collateral(pccs, phala, phala_collateral):
    assert PccsCollateral(pccs.url, pccs.ca_file).for_quote(phala) == phala_collateral
    assert pccs.requests == EXPECTED_REQUESTS


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_a_root_crl_sent_as_hex_text_is_read_too(pccs, phala, phala_collateral, case):
    pccs.overrides[f"{API}/rootcacrl"] = (200, case(phala_collateral.root_ca_crl.hex()).encode() + b"\n", {})
    assert PccsCollateral(pccs.url, pccs.ca_file).for_quote(phala) == phala_collateral


UTC = dt.timezone.utc
# (when first fetched, how long it is then kept at least, how much later it is asked for again)
KEEPING = {
    # The Phala TCB Info is good until 2025-07-19: a day is the shorter bound.
    "a day at most": (COLLATERAL_TIME, dt.timedelta(hours=23), dt.timedelta(hours=2)),
    # The QE Identity is due at 2025-07-19T10:01:18Z, sooner than a day from midnight.
    "until it is due": (dt.datetime(2025, 7, 19, tzinfo=UTC), dt.timedelta(hours=10), dt.timedelta(minutes=2)),
    # Long past due: used, but asked for again after five minutes.
    "briefly when stale": (dt.datetime(2026, 1, 1, tzinfo=UTC), dt.timedelta(minutes=4), dt.timedelta(minutes=2)),
}


@pytest.mark.parametrize("case", KEEPING)
def test_fetched_collateral_is_kept_as_long_as_it_is_good(pccs, phala, case):
    start, kept_for, asked_again_after = KEEPING[case]
    clock = Clock(start)
    source = PccsCollateral(pccs.url, pccs.ca_file, now=clock)
    first = source.for_quote(phala)
    clock.at += kept_for
    assert source.for_quote(phala) is first and len(pccs.requests) == 4
    clock.at += asked_again_after
    assert source.for_quote(phala) == first and len(pccs.requests) == 8


def test_a_quote_whose_certificates_do_not_parse_asks_nothing(pccs, real_quotes):
    broken = parse_evidence(with_cert_data(real_quotes["phala_sgx_quote"], 5, b"not a PEM chain"))
    assert PccsCollateral(pccs.url, pccs.ca_file).for_quote(broken) is None
    assert pccs.requests == []


TCB = f"{API}/tcb?fmspc=00A067110000"
MISBEHAVIOUR = {
    "unknown platform": ({TCB: (404, b"No cache data for this platform", {})}, "answered 404"),
    "server error": ({f"{API}/qe/identity": (503, b"", {})}, "answered 503"),
    "no issuer chain": ({TCB: (200, b'{"tcbInfo":{},"signature":"00"}', {})}, "no TCB-Info-Issuer-Chain header"),
    "not JSON": ({TCB: (200, b"<html>", {"TCB-Info-Issuer-Chain": "x"})}, "not a signed tcbInfo"),
    "signature not hex": ({TCB: (200, b'{"tcbInfo":{},"signature":"zz"}', {"TCB-Info-Issuer-Chain": "x"})},
                          "not a signed tcbInfo"),
    "trailing data": ({TCB: (200, b'{"tcbInfo":{},"signature":"00"} {}', {"TCB-Info-Issuer-Chain": "x"})},
                      "not a signed tcbInfo"),
    "too deep": ({TCB: (200, b'{"tcbInfo":' + b"[" * 100_000 + b', "signature":"00"}',
                        {"TCB-Info-Issuer-Chain": "x"})}, "not a signed tcbInfo"),
    "too large": ({f"{API}/rootcacrl": (200, b"0" * (MAX_BODY + 1), {})}, "larger than"),
}


@pytest.mark.parametrize("name", MISBEHAVIOUR)
def test_a_misbehaving_pccs_is_unavailable_with_its_reason(pccs, phala, name):
    overrides, said = MISBEHAVIOUR[name]
    pccs.overrides.update(overrides)
    with pytest.raises(Unavailable) as raised:
        PccsCollateral(pccs.url, pccs.ca_file).for_quote(phala)
    assert raised.value.reason == "COLLATERAL_UNAVAILABLE" and said in raised.value.message


def test_nothing_is_kept_from_a_failed_fetch(pccs, phala, phala_collateral):
    source = PccsCollateral(pccs.url, pccs.ca_file)
    pccs.overrides[TCB] = (503, b"", {})
    with pytest.raises(Unavailable):
        source.for_quote(phala)
    del pccs.overrides[TCB]
    assert source.for_quote(phala) == phala_collateral


def test_an_unreachable_slow_or_untrusted_pccs_is_unavailable(pccs, phala):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(Unavailable, match="unreachable"):
        PccsCollateral(f"https://127.0.0.1:{port}", pccs.ca_file).for_quote(phala)
    with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED"):
        PccsCollateral(pccs.url).for_quote(phala)  # its self-signed certificate is nobody's CA
    pccs.delay = 1.0
    with pytest.raises(Unavailable, match="timed out"):
        PccsCollateral(pccs.url, pccs.ca_file, timeout=0.2).for_quote(phala)


def test_a_bad_url_or_ca_file_is_refused_when_configured(tmp_path):
    with pytest.raises(InvalidArgument, match="not an http"):
        PccsCollateral("ftp://pccs")
    with pytest.raises(InvalidArgument, match="PCCS CA file"):
        PccsCollateral("https://pccs", tmp_path / "missing.crt")
    (tmp_path / "junk.crt").write_text("junk")
    with pytest.raises(InvalidArgument, match="PCCS CA file"):
        PccsCollateral("https://pccs", tmp_path / "junk.crt")

