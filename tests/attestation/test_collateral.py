"""TCB status from collateral: the real Phala vector at a pinned time, and Intel's rules
exercised with a test PKI whose keys the test holds (CRLs, levels, QE convergence)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.attestation.collateral import Collateral
from core.attestation.signatures import sign_raw
from core.attestation.simulation import SIMULATION_QE_MRSIGNER, SimulationAuthority, sgx_extension_der
from core.attestation.verify import verify_quote
from core.errors import InvalidArgument

from .conftest import COLLATERAL_TIME

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_phala_quote_has_the_status_the_notes_record(real_quotes, phala_collateral):
    result = verify_quote(real_quotes["phala_sgx_quote"], collateral=phala_collateral,
                          at=COLLATERAL_TIME)
    assert result.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert result.advisory_ids == ("INTEL-SA-00289", "INTEL-SA-00615")
    assert result.qe_tcb_status == "UpToDate"
    assert result.collateral_supplied and not result.collateral_expired
    assert result.qv_result == 0xA008
    assert result.checks_passed[-2:] == ("collateral", "tcb_level")


@pytest.mark.parametrize("moment", [
    dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc),
    dt.datetime(2025, 7, 20, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
])
def test_outside_the_collateral_window_it_is_reported_expired(real_quotes, phala_collateral, moment):
    result = verify_quote(real_quotes["phala_sgx_quote"], collateral=phala_collateral, at=moment)
    assert result.collateral_expired
    assert result.tcb_status == "ConfigurationAndSWHardeningNeeded"


def test_a_changed_byte_in_tcb_info_fails_its_signature(real_quotes, phala_collateral):
    tampered = dataclasses.replace(
        phala_collateral, tcb_info=phala_collateral.tcb_info.replace('"pcesvn":13', '"pcesvn":12', 1)
    )
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(real_quotes["phala_sgx_quote"], collateral=tampered, at=COLLATERAL_TIME)
    assert caught.value.reason == "INVALID_ENDORSEMENT"


def test_a_flipped_bit_in_the_qe_identity_signature_fails(real_quotes, phala_collateral):
    sig = bytearray(phala_collateral.qe_identity_signature)
    sig[5] ^= 1
    tampered = dataclasses.replace(phala_collateral, qe_identity_signature=bytes(sig))
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(real_quotes["phala_sgx_quote"], collateral=tampered, at=COLLATERAL_TIME)
    assert caught.value.reason == "INVALID_ENDORSEMENT"


def test_collateral_for_another_fmspc_is_a_mismatch(real_quotes, phala_collateral):
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(real_quotes["mobilecoin_hw_quote_debug"], collateral=phala_collateral,
                     at=COLLATERAL_TIME)
    assert caught.value.reason == "TCB_INFO_MISMATCH"


def test_a_processor_crl_does_not_cover_a_platform_ca_quote(real_quotes, phala_collateral):
    with pytest.raises(InvalidArgument) as caught:
        verify_quote(real_quotes["teekit_chinenyeokafor"], collateral=phala_collateral,
                     at=COLLATERAL_TIME)
    assert caught.value.reason == "INVALID_ENDORSEMENT"


@pytest.mark.parametrize("document", ["", "[]", "{}", '{"tcb_info": 3}', b"\xff"])
def test_malformed_collateral_documents_are_typed_errors(document):
    with pytest.raises(InvalidArgument):
        Collateral.from_json(document)


# ---- a test PKI shaped like Intel's, to drive every rule -------------------------------------

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(cn, issuer_cn, key, signer, extension=None):
    builder = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(issuer_cn))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=extension is None, path_length=None), True)
    )
    if extension:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.840.113741.1.13.1"), extension),
            False,
        )
    return builder.sign(signer, hashes.SHA256())


class SgxTestPki:
    ROOT, CA = "Test SGX Root CA", "Test SGX PCK Processor CA"

    def __init__(self, components=(5,) * 16, pce_svn=10):
        keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(5)]
        self.root_key, self.ca_key, pck_key, att_key, self.tcb_key = keys
        self.root = _cert(self.ROOT, self.ROOT, self.root_key, self.root_key)
        self.ca = _cert(self.CA, self.ROOT, self.ca_key, self.root_key)
        ext = sgx_extension_der(bytes.fromhex("00906ed50000"), bytes(2), components, pce_svn, bytes(16))
        self.pck = _cert("Test SGX PCK Certificate", self.CA, pck_key, self.ca_key, ext)
        self.tcb_signer = _cert("Test SGX TCB Signing", self.ROOT, self.tcb_key, self.root_key)
        self.authority = SimulationAuthority(self.root, self.ca, self.pck, pck_key, att_key)

    def _crl(self, issuer_cn, key, revoked=()):
        builder = (
            x509.CertificateRevocationListBuilder().issuer_name(_name(issuer_cn))
            .last_update(NOW - dt.timedelta(hours=1)).next_update(NOW + dt.timedelta(days=7))
        )
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW).build()
            )
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def collateral(self, levels, qe_levels, *, fmspc="00906ED50000", mrsigner=None,
                   revoke_pck=False, revoke_ca=False, window_days=7) -> Collateral:
        dates = {"issueDate": _iso(NOW - dt.timedelta(hours=1)),
                 "nextUpdate": _iso(NOW + dt.timedelta(days=window_days))}
        tcb_info = json.dumps({"id": "SGX", "version": 3, **dates, "fmspc": fmspc,
                               "pceId": "0000", "tcbType": 0, "tcbLevels": levels})
        qe_identity = json.dumps({
            "id": "QE", "version": 2, **dates, "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
            "attributes": "05" + "00" * 15, "attributesMask": "FBFFFFFFFFFFFFFF" + "00" * 8,
            "mrsigner": (mrsigner or SIMULATION_QE_MRSIGNER).hex().upper(), "isvprodid": 1,
            "tcbLevels": qe_levels,
        })
        chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.tcb_signer, self.root))
        return Collateral(
            pck_crl_issuer_chain=b"".join(
                c.public_bytes(serialization.Encoding.PEM) for c in (self.ca, self.root)).decode(),
            root_ca_crl=self._crl(self.ROOT, self.root_key,
                                  [self.ca.serial_number] if revoke_ca else []),
            pck_crl=self._crl(self.CA, self.ca_key, [self.pck.serial_number] if revoke_pck else []),
            tcb_info_issuer_chain=chain.decode(),
            tcb_info=tcb_info,
            tcb_info_signature=sign_raw(self.tcb_key, tcb_info.encode()),
            qe_identity_issuer_chain=chain.decode(),
            qe_identity=qe_identity,
            qe_identity_signature=sign_raw(self.tcb_key, qe_identity.encode()),
        )

    def verify(self, collateral, at=NOW):
        quote = self.authority.quote(b"pki")
        return verify_quote(quote, collateral=collateral, at=at, simulation_root=self.root)


def _level(svn, pcesvn, status, advisories=()):
    return {"tcb": {"sgxtcbcomponents": [{"svn": svn}] * 16, "pcesvn": pcesvn},
            "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": status, "advisoryIDs": list(advisories)}


def _qe(isvsvn, status, advisories=()):
    return {"tcb": {"isvsvn": isvsvn}, "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": status,
            "advisoryIDs": list(advisories)}


LEVELS = [_level(6, 10, "UpToDate"), _level(5, 10, "ConfigurationNeeded", ["INTEL-SA-1"]),
          _level(1, 1, "OutOfDate", ["INTEL-SA-1", "INTEL-SA-2"])]


@pytest.fixture(scope="module")
def pki() -> SgxTestPki:
    return SgxTestPki()


def test_the_first_level_the_pck_svns_reach_decides(pki):
    result = pki.verify(pki.collateral(LEVELS, [_qe(1, "UpToDate")]))
    assert (result.tcb_status, result.advisory_ids) == ("ConfigurationNeeded", ("INTEL-SA-1",))
    assert not result.collateral_expired


def test_a_pcesvn_below_the_level_skips_it(pki):
    levels = [_level(5, 11, "UpToDate"), _level(5, 10, "SWHardeningNeeded", ["INTEL-SA-3"])]
    assert pki.verify(pki.collateral(levels, [_qe(1, "UpToDate")])).tcb_status == "SWHardeningNeeded"


def test_an_out_of_date_qe_converges_with_the_platform_status(pki):
    qe_levels = [_qe(2, "UpToDate"), _qe(1, "OutOfDate", ["INTEL-SA-Q"])]
    result = pki.verify(pki.collateral(LEVELS, qe_levels))
    assert result.qe_tcb_status == "OutOfDate"
    assert result.tcb_status == "OutOfDateConfigurationNeeded"
    assert result.advisory_ids == ("INTEL-SA-1", "INTEL-SA-Q")


def test_a_qe_below_every_level_is_revoked(pki):
    result = pki.verify(pki.collateral(LEVELS, [_qe(5, "UpToDate")]))
    assert result.tcb_status == "Revoked" and result.qv_result == 0xA005


def test_no_matching_level_is_tcb_not_supported(pki):
    with pytest.raises(InvalidArgument) as caught:
        pki.verify(pki.collateral([_level(9, 10, "UpToDate")], [_qe(1, "UpToDate")]))
    assert caught.value.reason == "TCB_NOT_SUPPORTED"


@pytest.mark.parametrize("what", ["revoke_pck", "revoke_ca"])
def test_a_revoked_certificate_in_the_pck_chain_is_terminal(pki, what):
    with pytest.raises(InvalidArgument) as caught:
        pki.verify(pki.collateral(LEVELS, [_qe(1, "UpToDate")], **{what: True}))
    assert caught.value.reason == "VERIFY_REVOKED"


def test_tcb_info_for_another_platform_is_a_mismatch(pki):
    with pytest.raises(InvalidArgument) as caught:
        pki.verify(pki.collateral(LEVELS, [_qe(1, "UpToDate")], fmspc="00A067110000"))
    assert caught.value.reason == "TCB_INFO_MISMATCH"


def test_a_foreign_quoting_enclave_does_not_match_qe_identity(pki):
    with pytest.raises(InvalidArgument) as caught:
        pki.verify(pki.collateral(LEVELS, [_qe(1, "UpToDate")], mrsigner=bytes(32)))
    assert caught.value.reason == "QE_IDENTITY_MISMATCH"


def test_collateral_past_its_next_update_is_expired(pki):
    collateral = pki.collateral(LEVELS, [_qe(1, "UpToDate")], window_days=1)
    assert pki.verify(collateral, at=NOW + dt.timedelta(days=3)).collateral_expired
