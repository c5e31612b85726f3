"""The C extension builds, loads, says no Intel library is here, survives hostile input, and
marshals correctly into a stand-in library that exports Intel's symbols."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.attestation import _dcap, dcap_library
from core.attestation.verify import NO_COLLATERAL
from core.errors import InvalidArgument, Unavailable

from .conftest import COLLATERAL_TIME

FIELDS = ["pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
          "qe_identity_issuer_chain", "qe_identity"]


def test_the_extension_loads_and_reports_no_intel_library_here():
    assert Path(_dcap.__file__).suffix == ".so"
    assert _dcap.available() is False
    assert _dcap.quote_generation_available() is False
    qv_error, ql_error = _dcap.load_errors()
    assert "libsgx_dcap_quoteverify.so.1" in qv_error and "libsgx_dcap_ql.so.1" in ql_error


def test_without_the_library_every_entry_point_answers_unavailable():
    assert _dcap.get_target_info() == (0xE00E, None)
    assert _dcap.get_quote(bytes(432)) == (0xE00E, None)
    assert _dcap.verify_quote(b"\x03", None, 0)[0] == 0xE00E
    with pytest.raises(Unavailable):
        dcap_library.generate_quote(bytes(432))
    with pytest.raises(Unavailable):
        dcap_library.qe_target_info()


def test_the_wrapper_falls_back_to_the_offline_verifier(real_quotes, phala_collateral):
    assert dcap_library.verify(real_quotes["phala_sgx_quote"]).tcb_status == NO_COLLATERAL
    result = dcap_library.verify(real_quotes["phala_sgx_quote"], collateral=phala_collateral,
                                 at=COLLATERAL_TIME)
    assert result.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert "native_dcap" not in result.checks_passed


_collateral_values = st.one_of(st.binary(max_size=64), st.integers(), st.text(max_size=8), st.none())


@settings(max_examples=300, deadline=None)
@given(
    quote=st.one_of(st.binary(max_size=2048), st.text(max_size=8), st.integers()),
    collateral=st.one_of(
        st.none(),
        st.integers(),
        st.dictionaries(st.sampled_from(FIELDS + ["version", "x"]), _collateral_values),
        st.fixed_dictionaries({f: st.binary(max_size=64) for f in FIELDS},
                              optional={"version": st.integers(-(2**70), 2**70)}),
    ),
    when=st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.none()),
)
def test_verify_entry_point_survives_hostile_arguments(quote, collateral, when):
    try:
        rc, result, expired = _dcap.verify_quote(quote, collateral, when)
    except (TypeError, ValueError, OverflowError):
        return
    assert rc == 0xE00E and expired == 1


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=1000), st.binary(min_size=432, max_size=432), st.text()))
def test_quote_entry_point_survives_hostile_reports(report):
    try:
        assert _dcap.get_quote(report) == (0xE00E, None)
    except (TypeError, ValueError):
        assert not isinstance(report, bytes) or len(report) != 432


def test_hostile_sizes_are_refused_before_any_library_call():
    with pytest.raises(ValueError):
        _dcap.verify_quote(b"", None, 0)
    with pytest.raises(ValueError):
        _dcap.verify_quote(b"\x00" * ((1 << 20) + 1), None, 0)
    with pytest.raises(ValueError):
        _dcap.verify_quote(b"\x03", None, -1)
    with pytest.raises(ValueError):
        _dcap.get_quote(b"short")
    with pytest.raises(InvalidArgument):
        dcap_library.generate_quote(b"short")


# ---- a stand-in for Intel's libraries: same symbols, checks what it is handed ---------------

FAKE_QV = r"""
#include <stdint.h>
#include <string.h>
#include <time.h>
typedef struct { uint32_t version, tee_type;
  char *a; uint32_t as; char *b; uint32_t bs; char *c; uint32_t cs; char *d; uint32_t ds;
  char *tcb_info; uint32_t tcb_info_size; char *f; uint32_t fs; char *qe; uint32_t qe_size; } coll;
uint32_t sgx_qv_verify_quote(const uint8_t *q, uint32_t qs, const coll *c, time_t when,
    uint32_t *exp, uint32_t *res, void *ri, uint32_t ss, uint8_t *sd) {
  if (!c || !exp || !res || ri || ss || sd) return 0xE002;
  if (c->version != 0x10003 || c->tee_type != 0) return 0xE002;
  if (c->tcb_info_size < 12 || c->tcb_info[c->tcb_info_size - 1] != 0) return 0xE023;
  if (strncmp(c->tcb_info, "{\"tcbInfo\":", 11) || strncmp(c->qe, "{\"enclaveIdentity\":", 19))
    return 0xE023;
  if (c->bs < 2 || (unsigned char)c->b[0] != 0x30) return 0xE038; /* raw DER root CRL */
  if (qs < 1020 || q[0] != 3) return 0xE01D;
  *exp = when > 1752883278 ? 1 : 0;
  *res = 0xA008;
  return 0;
}
"""

FAKE_QL = r"""
#include <stdint.h>
#include <string.h>
uint32_t sgx_qe_get_target_info(uint8_t *t) { memset(t, 0x7a, 512); return 0; }
uint32_t sgx_qe_get_quote_size(uint32_t *s) { *s = 1020; return 0; }
uint32_t sgx_qe_get_quote(const uint8_t *r, uint32_t s, uint8_t *q) {
  if (s != 1020) return 0xE002;
  memset(q, 0, s); memcpy(q, r, 432); return 0; }
"""


@pytest.fixture
def stand_in_libraries(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    paths = []
    for name, source in (("qv", FAKE_QV), ("ql", FAKE_QL)):
        (tmp_path / f"{name}.c").write_text(source)
        paths.append(str(tmp_path / f"lib{name}.so"))
        subprocess.run([compiler, "-shared", "-fPIC", "-o", paths[-1], str(tmp_path / f"{name}.c")],
                       check=True)
    assert _dcap.load(quoteverify=paths[0], quotelib=paths[1]) is True
    try:
        yield
    finally:
        assert _dcap.load() is False


def test_native_path_is_used_when_the_library_exists(stand_in_libraries, real_quotes, phala_collateral):
    assert dcap_library.available() and dcap_library.quote_generation_available()
    result = dcap_library.verify(real_quotes["phala_sgx_quote"], collateral=phala_collateral,
                                 at=COLLATERAL_TIME)
    assert result.checks_passed[-1] == "native_dcap"
    assert result.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert not result.collateral_expired
    later = dcap_library.verify(real_quotes["phala_sgx_quote"], collateral=phala_collateral,
                                at=dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc))
    assert later.collateral_expired


def test_quote_generation_goes_through_the_library(stand_in_libraries):
    assert dcap_library.qe_target_info() == b"\x7a" * 512
    report = bytes(range(256)) + bytes(176)
    quote = dcap_library.generate_quote(report)
    assert len(quote) == 1020 and quote[:432] == report


def test_native_return_codes_become_typed_errors():
    assert dcap_library.native_verdict(0, 0, 0) == ("UpToDate", False)
    assert dcap_library.native_verdict(0, 0xA007, 1) == ("SWHardeningNeeded", True)
    for rc, reason in ((0xE031, "VERIFY_REVOKED"), (0xE01F, "QE_REPORT_SIGNATURE_INVALID"),
                       (0xE0AB, "QUOTE_VERIFICATION_ERROR")):
        with pytest.raises(InvalidArgument) as caught:
            dcap_library.native_verdict(rc, 0xA004, 0)
        assert caught.value.reason == reason
    with pytest.raises(InvalidArgument):
        dcap_library.native_verdict(0, 0xA004, 0)  # INVALID_SIGNATURE is never a status
