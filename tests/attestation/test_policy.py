"""A quote matches a manifest package by MarbleRun's PackageProperties rules."""

from __future__ import annotations

import hashlib

import pytest

from core.attestation.policy import (
    PackageProperties,
    QuoteEvidence,
    check_package,
    check_report_data,
    evidence_of,
)
from core.attestation.verify import verify_quote
from core.errors import InvalidArgument, PermissionDenied

MRENCLAVE, MRSIGNER = b"\xaa" * 32, b"\xbb" * 32


@pytest.fixture(scope="module")
def evidence(simulation) -> QuoteEvidence:
    raw = simulation.quote(hashlib.sha256(b"peer").digest(), mr_enclave=MRENCLAVE,
                           mr_signer=MRSIGNER, isv_prod_id=3, isv_svn=5)
    sim = evidence_of(verify_quote(raw, simulation_root=simulation.root))
    return QuoteEvidence(sim.report, "UpToDate", (), simulated=False)


def _with(evidence, status, advisories=()):
    return QuoteEvidence(evidence.report, status, tuple(advisories), evidence.simulated)


def _denied(evidence, package) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as caught:
        check_package(evidence, package)
    return caught.value


def test_unique_id_matches_case_insensitively(evidence):
    check_package(evidence, PackageProperties(unique_id=MRENCLAVE.hex().upper()))


def test_signer_id_with_product_id_and_security_version(evidence):
    check_package(evidence, PackageProperties(signer_id=MRSIGNER.hex(), product_id=3,
                                              security_version=5))


@pytest.mark.parametrize("package, field", [
    (PackageProperties(unique_id="00" * 32), "UniqueID"),
    (PackageProperties(signer_id="00" * 32, product_id=3), "SignerID"),
    (PackageProperties(signer_id=MRSIGNER.hex(), product_id=4), "ProductID"),
    (PackageProperties(signer_id=MRSIGNER.hex(), product_id=3, security_version=6), "SecurityVersion"),
    (PackageProperties(unique_id=MRENCLAVE.hex(), debug=True), "Debug"),
])
def test_each_mismatch_names_its_field(evidence, package, field):
    error = _denied(evidence, package)
    assert error.reason == "PACKAGE_MISMATCH" and error.metadata["field"] == field


def test_a_package_without_identity_or_with_bad_hex_is_invalid(evidence):
    for package in (PackageProperties(), PackageProperties(signer_id=MRSIGNER.hex()),
                    PackageProperties(unique_id="zz")):
        with pytest.raises(InvalidArgument):
            check_package(evidence, package)


def test_tcb_statuses_default_to_uptodate_and_sw_hardening(evidence):
    package = PackageProperties(unique_id=MRENCLAVE.hex())
    check_package(_with(evidence, "SWHardeningNeeded"), package)
    for status in ("OutOfDate", "ConfigurationNeeded", "NoCollateral", "Revoked"):
        assert _denied(_with(evidence, status), package).reason == "TCB_LEVEL_INVALID"


def test_accepted_tcb_statuses_and_advisories_from_the_package(evidence):
    package = PackageProperties(unique_id=MRENCLAVE.hex(),
                                accepted_tcb_statuses=["ConfigurationAndSWHardeningNeeded"],
                                accepted_advisories=["INTEL-SA-00615", "INTEL-SA-00289"])
    check_package(_with(evidence, "ConfigurationAndSWHardeningNeeded",
                        ["INTEL-SA-00289", "INTEL-SA-00615"]), package)
    assert _denied(_with(evidence, "SWHardeningNeeded"), package).reason == "TCB_LEVEL_INVALID"
    error = _denied(_with(evidence, "ConfigurationAndSWHardeningNeeded", ["INTEL-SA-00477"]), package)
    assert error.metadata["field"] == "AcceptedAdvisories"


def test_a_simulated_quote_is_checked_for_identity_only(evidence):
    simulated = QuoteEvidence(evidence.report, "NoCollateral", (), simulated=True)
    check_package(simulated, PackageProperties(unique_id=MRENCLAVE.hex()))
    assert _denied(simulated, PackageProperties(unique_id="00" * 32)).reason == "PACKAGE_MISMATCH"


def test_report_data_binds_the_expected_hash(evidence):
    check_report_data(evidence.report, hashlib.sha256(b"peer").digest())
    with pytest.raises(PermissionDenied) as caught:
        check_report_data(evidence.report, hashlib.sha256(b"other").digest())
    assert caught.value.reason == "REPORT_DATA_MISMATCH"
    with pytest.raises(InvalidArgument):
        check_report_data(evidence.report, b"short")


def test_real_debug_quote_fails_a_production_package(real_quotes):
    report = verify_quote(real_quotes["mobilecoin_hw_quote_debug"]).quote.report
    package = PackageProperties(unique_id=report.mr_enclave.hex())
    error = _denied(QuoteEvidence(report, "UpToDate", (), False), package)
    assert error.metadata["field"] == "Debug"
