"""The service's own TLS material, created in the data directory on first start.

The Coordinator's root and intermediate CAs follow MarbleRun (ECDSA P-384, its names and key
usages); its client-API server certificate is issued under the intermediate. AMS and the store
have self-signed server certificates, as the real services generate. Direct gRPC clients of the
core present certificates issued by a client CA of ours (`switchyard issue-client-cert`).
Private keys are written with mode 0600; restarting reuses everything, and only a server
certificate whose addresses no longer cover the listeners is issued anew.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

COORDINATOR_ROOT_CN = "MarbleRun Coordinator"
COORDINATOR_INTERMEDIATE_CN = "MarbleRun Coordinator - Intermediate CA"
# MarbleRun's CAs end at now + MaxInt64 nanoseconds (about 292 years).
CA_LIFETIME = dt.timedelta(microseconds=(2**63 - 1) // 1000)
SERVER_LIFETIME = dt.timedelta(days=3650)


@dataclass(frozen=True)
class Identity:
    """A certificate and its private key, as PEM files."""

    cert_path: Path
    key_path: Path

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key


@dataclass(frozen=True)
class TlsMaterial:
    coordinator_root: Identity
    coordinator_intermediate: Identity
    coordinator_server: Identity
    ams_server: Identity
    confdb_server: Identity
    grpc_server: Identity
    grpc_client_ca: Identity

    def coordinator_chain(self) -> list[x509.Certificate]:
        """The Coordinator server's chain as served: leaf, then intermediate."""
        return [self.coordinator_server.certificate(), self.coordinator_intermediate.certificate()]


def ensure_tls_material(tls_dir: Path, addresses: list[str]) -> TlsMaterial:
    """Load the material, creating whatever is missing; `addresses` are the listen addresses."""
    tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def at(name: str) -> Identity:
        return Identity(tls_dir / f"{name}.crt", tls_dir / f"{name}.key")

    root = _ensure_ca(at("coordinator-root"), COORDINATOR_ROOT_CN, issuer=None)
    intermediate = _ensure_ca(at("coordinator-intermediate"), COORDINATOR_INTERMEDIATE_CN, issuer=root)
    client_ca = _ensure_ca(at("grpc-client-ca"), "Switchyard gRPC client CA", issuer=None)
    sans = subject_alternative_names(addresses)
    return TlsMaterial(
        coordinator_root=root,
        coordinator_intermediate=intermediate,
        coordinator_server=_ensure_server(at("coordinator-server"), "MarbleRun Coordinator", sans, intermediate),
        ams_server=_ensure_server(at("ams-server"), "Anbox Management Service", sans, None),
        confdb_server=_ensure_server(at("confdb-server"), "Switchyard confdb store", sans, None),
        grpc_server=_ensure_server(at("grpc-server"), "Switchyard core", sans, None),
        grpc_client_ca=client_ca,
    )


def subject_alternative_names(addresses: list[str]) -> list[x509.GeneralName]:
    """`localhost` first (Go clients pin the first DNS SAN), then every IP we listen on."""
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    ips = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            if address and address != "localhost":
                names.append(x509.DNSName(address))
            continue
        if not ip.is_unspecified:
            ips.add(ip)
    names.extend(x509.IPAddress(ip) for ip in sorted(ips, key=lambda i: (i.version, int(i))))
    return names


def issue_client_certificate(ca: Identity, common_name: str) -> tuple[bytes, bytes]:
    """A client certificate for a direct gRPC caller: (certificate PEM, key PEM)."""
    key = ec.generate_private_key(ec.SECP384R1())
    now = _now()
    builder = (
        _builder(common_name, key, now, now + SERVER_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    cert = _sign(builder, ca.certificate().subject, ca.private_key())
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _ensure_ca(at: Identity, common_name: str, issuer: Identity | None) -> Identity:
    if at.cert_path.exists() and at.key_path.exists():
        return at
    usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    _issue(at, common_name, issuer, CA_LIFETIME, ca=True, usages=usages, sans=subject_alternative_names([]))
    return at


def _ensure_server(
    at: Identity, common_name: str, sans: list[x509.GeneralName], issuer: Identity | None
) -> Identity:
    if at.cert_path.exists() and at.key_path.exists() and _covers(at.certificate(), sans):
        return at
    _issue(at, common_name, issuer, SERVER_LIFETIME, ca=False, usages=[ExtendedKeyUsageOID.SERVER_AUTH], sans=sans)
    return at


def _issue(
    at: Identity, common_name: str, issuer: Identity | None, lifetime: dt.timedelta, *,
    ca: bool, usages: list[x509.ObjectIdentifier], sans: list[x509.GeneralName],
) -> None:
    """A new key and certificate at `at`, self-signed when `issuer` is None."""
    key = ec.generate_private_key(ec.SECP384R1())
    now = _now()
    builder = (
        _builder(common_name, key, now, now + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=ca, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
    )
    if issuer is None:
        cert = _sign(builder, _subject(common_name), key)
    else:
        cert = _sign(builder, issuer.certificate().subject, issuer.private_key())
    _write(at, cert, key)


def _covers(cert: x509.Certificate, sans: list[x509.GeneralName]) -> bool:
    try:
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(sans) <= set(present)


def _subject(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(
    common_name: str, key: ec.EllipticCurvePrivateKey, not_before: dt.datetime, not_after: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(common_name))
        .public_key(key.public_key())
        # MarbleRun draws serials from [0, 2^128); zero is not a valid serial, so start at 1.
        .serial_number(secrets.randbelow(2**128 - 1) + 1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _sign(
    builder: x509.CertificateBuilder, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    builder = builder.issuer_name(issuer).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
    )
    return builder.sign(issuer_key, hashes.SHA384())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(at: Identity, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    write_private(at.key_path, _key_pem(key))
    write_atomic(at.cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def write_private(path: Path, data: bytes) -> None:
    write_atomic(path, data, mode=0o600)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write beside the target, fsync, then rename: readers see the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
