"""Simulation mode: real v3 quotes signed by a simulation quoting key.

Where no SGX hardware exists we still produce quotes in Intel's exact layout so the parser and
verifier run end to end. The chain is simulation root -> simulation PCK CA -> simulation PCK
leaf (with a real SGX extension), created once in the data directory. It is never Intel's
root, so a verifier accepts these quotes only when it is handed this root, i.e. only with
simulation mode switched on. Key generation blocks: call `load_or_create` off the event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.errors import InvalidArgument

from .pck import SGX_EXTENSION_OID
from .quote import ATTRIBUTE_DEBUG, INTEL_QE_VENDOR_ID, REPORT_BODY_SIZE
from .signatures import sign_raw, xy_of

SIMULATION_DIR = "attestation-simulation"
# Marks simulation quotes in the header's user_data, where Intel's QE puts its QE_ID.
SIMULATION_USER_DATA = b"SWITCHYARD-SIMULATED"
SIMULATION_QE_MRSIGNER = hashlib.sha256(b"switchyard simulation quoting enclave").digest()
_ATTR_INITTED_MODE64 = 0x01 | 0x04
_SGX_OID = bytes.fromhex("2a864886f84d010d01")


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _oid(*arcs: int) -> bytes:
    return _der(0x06, _SGX_OID + bytes(arcs))


def _int(value: int, tag: int = 0x02) -> bytes:
    return _der(tag, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def sgx_extension_der(
    fmspc: bytes, pce_id: bytes, components: tuple[int, ...], pce_svn: int, ppid: bytes
) -> bytes:
    """DER of Intel's SGX PCK extension value (same shape as a real PCK certificate)."""
    tcb = b"".join(_der(0x30, _oid(2, i + 1) + _int(svn)) for i, svn in enumerate(components))
    tcb += _der(0x30, _oid(2, 17) + _int(pce_svn))
    tcb += _der(0x30, _oid(2, 18) + _der(0x04, bytes(components)))
    return _der(
        0x30,
        _der(0x30, _oid(1) + _der(0x04, ppid))
        + _der(0x30, _oid(2) + _der(0x30, tcb))
        + _der(0x30, _oid(3) + _der(0x04, pce_id))
        + _der(0x30, _oid(4) + _der(0x04, fmspc))
        + _der(0x30, _oid(5) + _int(0, 0x0A)),
    )


def report_body(
    *,
    report_data: bytes,
    mr_enclave: bytes = bytes(32),
    mr_signer: bytes = bytes(32),
    isv_prod_id: int = 0,
    isv_svn: int = 0,
    debug: bool = False,
) -> bytes:
    """A 384-byte `sgx_report_body_t` with the given identity."""
    if len(report_data) > 64 or len(mr_enclave) != 32 or len(mr_signer) != 32:
        raise InvalidArgument(
            "report data is at most 64 bytes, measurements 32", reason="BAD_REPORT"
        )
    if not (0 <= isv_prod_id < 1 << 16 and 0 <= isv_svn < 1 << 16):
        raise InvalidArgument("ISVPRODID and ISVSVN are 16-bit", reason="BAD_REPORT")
    flags = _ATTR_INITTED_MODE64 | (ATTRIBUTE_DEBUG if debug else 0)
    body = bytearray(REPORT_BODY_SIZE)
    body[48:56] = struct.pack("<Q", flags)
    body[56:64] = struct.pack("<Q", 0x3)  # XFRM: x87 + SSE, as a minimal enclave has
    body[64:96] = mr_enclave
    body[128:160] = mr_signer
    body[256:260] = struct.pack("<HH", isv_prod_id, isv_svn)
    body[320 : 320 + len(report_data)] = report_data
    return bytes(body)


def _name(cn: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Switchyard simulation (not Intel)"),
    ])


def _certificate(subject, issuer, key, signer, *, ca: bool, extension: bytes | None = None):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if extension is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(SGX_EXTENSION_OID, extension), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@dataclass(frozen=True)
class SimulationAuthority:
    root: x509.Certificate
    pck_ca: x509.Certificate
    pck: x509.Certificate
    pck_key: ec.EllipticCurvePrivateKey
    attestation_key: ec.EllipticCurvePrivateKey

    @classmethod
    def load_or_create(cls, data_dir: Path) -> SimulationAuthority:
        """Load the simulation chain from `data_dir`, creating it atomically the first time.

        The root's private key is discarded after signing the CA: nothing needs it again.
        """
        home = Path(data_dir) / SIMULATION_DIR
        if not home.exists():
            home.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".sim-", dir=home.parent))
            _create(staging)
            try:
                os.rename(staging, home)
            except OSError:
                # Another process won the race; use its chain.
                for item in staging.iterdir():
                    item.unlink()
                staging.rmdir()
        load = lambda n: x509.load_pem_x509_certificate((home / n).read_bytes())  # noqa: E731
        key = lambda n: serialization.load_pem_private_key(  # noqa: E731
            (home / n).read_bytes(), None
        )
        return cls(load("root.pem"), load("pck_ca.pem"), load("pck.pem"), key("pck.key"),
                   key("attestation.key"))

    def chain_pem(self) -> bytes:
        return b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.pck, self.pck_ca, self.root)
        )

    def sign_report(self, body: bytes) -> bytes:
        """A v3 quote over a 384-byte report body, laid out exactly as Intel's QE3 does."""
        if len(body) != REPORT_BODY_SIZE:
            raise InvalidArgument("report body must be 384 bytes", reason="BAD_REPORT")
        header = struct.pack("<HHIHH", 3, 2, 0, 1, 1) + INTEL_QE_VENDOR_ID + SIMULATION_USER_DATA
        attest_xy = xy_of(self.attestation_key.public_key())
        auth = bytes(range(32))
        qe_report = report_body(
            report_data=hashlib.sha256(attest_xy + auth).digest(),
            mr_signer=SIMULATION_QE_MRSIGNER,
            isv_prod_id=1,
            isv_svn=1,
        )
        chain = self.chain_pem()
        signature_data = (
            sign_raw(self.attestation_key, header + body)
            + attest_xy
            + qe_report
            + sign_raw(self.pck_key, qe_report)
            + struct.pack("<H", len(auth)) + auth
            + struct.pack("<HI", 5, len(chain)) + chain
        )
        return header + body + struct.pack("<I", len(signature_data)) + signature_data

    def quote(self, report_data: bytes, **identity: object) -> bytes:
        """A simulation quote for an enclave identity (`report_body` keywords)."""
        return self.sign_report(report_body(report_data=report_data, **identity))


def _create(directory: Path) -> None:
    root_key = ec.generate_private_key(ec.SECP256R1())
    ca_key = ec.generate_private_key(ec.SECP256R1())
    pck_key = ec.generate_private_key(ec.SECP256R1())
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Switchyard Simulation SGX Root CA")
    ca_name = _name("Switchyard Simulation SGX PCK Processor CA")
    root = _certificate(root_name, root_name, root_key, root_key, ca=True)
    ca = _certificate(ca_name, root_name, ca_key, root_key, ca=True)
    extension = sgx_extension_der(bytes(6), bytes(2), (0,) * 16, 0, os.urandom(16))
    pck = _certificate(_name("Switchyard Simulation SGX PCK Certificate"), ca_name, pck_key,
                       ca_key, ca=False, extension=extension)
    for name, cert in (("root.pem", root), ("pck_ca.pem", ca), ("pck.pem", pck)):
        (directory / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for name, key in (("pck.key", pck_key), ("attestation.key", attestation_key)):
        path = directory / name
        path.touch(mode=0o600)
        path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))
