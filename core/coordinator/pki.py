"""The Coordinator's own PKI, manifest signatures and the certificates it issues to Marbles.

Three CA certificates, as MarbleRun keeps them: the root (self-signed, for the deployment's
life), the intermediate (signed by the root, renewed on every update) and the marble root
(the intermediate's key and name, self-signed) under which Marble and secret certificates are
issued — so Marbles trust a root that stays valid across the client's view of the chain.
Everything here is in memory; `to_store`/`from_store` give bytes for the servicer to persist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets as pysecrets
import uuid as uuidlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from core.errors import InvalidArgument
from core.pki import CA_LIFETIME, COORDINATOR_INTERMEDIATE_CN, COORDINATOR_ROOT_CN

# MarbleRun stores a Marble's type in its leaf certificate under this private OID.
MARBLE_TYPE_OID = ObjectIdentifier("1.3.9903.2.1")
DEFAULT_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class CoordinatorPKI:
    root_key: ec.EllipticCurvePrivateKey
    root_cert: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey
    intermediate_cert: x509.Certificate
    marble_root_cert: x509.Certificate

    def chain_pem(self) -> bytes:
        """The `/quote` chain: intermediate first, then root, as MarbleRun answers it."""
        return pem(self.intermediate_cert) + pem(self.root_cert)

    def to_store(self) -> dict[str, bytes]:
        """Store entries named as MarbleRun names them (DER certificates, PKCS#8 keys)."""
        return {
            "certificate:coordinatorRootCert": der(self.root_cert),
            "privateKey:coordinatorRootKey": _pkcs8(self.root_key),
            "certificate:coordinatorIntermediateCert": der(self.intermediate_cert),
            "privateKey:coordinatorIntermediateKey": _pkcs8(self.intermediate_key),
            "certificate:marbleRootCert": der(self.marble_root_cert),
        }

    @classmethod
    def from_store(cls, store: dict[str, bytes]) -> CoordinatorPKI:
        def key(name: str) -> ec.EllipticCurvePrivateKey:
            k = serialization.load_der_private_key(store[name], password=None)
            assert isinstance(k, ec.EllipticCurvePrivateKey)
            return k

        cert = x509.load_der_x509_certificate
        return cls(
            root_key=key("privateKey:coordinatorRootKey"),
            root_cert=cert(store["certificate:coordinatorRootCert"]),
            intermediate_key=key("privateKey:coordinatorIntermediateKey"),
            intermediate_cert=cert(store["certificate:coordinatorIntermediateCert"]),
            marble_root_cert=cert(store["certificate:marbleRootCert"]),
        )


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def coordinator_sans(dns_names: list[str]) -> list[x509.GeneralName]:
    """DNS names (entries that are IPs become IP SANs) plus the loopback addresses."""
    names: list[x509.GeneralName] = []
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for entry in dns_names or ["localhost"]:
        try:
            ips.append(ipaddress.ip_address(entry))
        except ValueError:
            names.append(x509.DNSName(entry))
    for ip in DEFAULT_IPS:
        if ipaddress.ip_address(ip) not in ips:
            ips.append(ipaddress.ip_address(ip))
    return names + [x509.IPAddress(ip) for ip in ips]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _serial() -> int:
    # MarbleRun draws from [0, 2^128); 0 is not a valid X.509 serial.
    return pysecrets.randbelow(2**128 - 1) + 1


def _ca_cert(cn: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey,
             sans: list[x509.GeneralName], now: dt.datetime) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    # Go picks ECDSA-with-SHA384 for a P-384 signer.
    return builder.sign(issuer_key, hashes.SHA384())


def generate_coordinator_pki(dns_names: list[str] | None = None) -> CoordinatorPKI:
    """A fresh root, intermediate and marble root (all ECDSA P-384)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    sans = coordinator_sans(dns_names or ["localhost"])
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = _ca_cert(COORDINATOR_ROOT_CN, root_key, _name(COORDINATOR_ROOT_CN), root_key, sans, now)
    return renew_intermediate(CoordinatorPKI(root_key, root, root_key, root, root), dns_names)


def renew_intermediate(pki: CoordinatorPKI, dns_names: list[str] | None = None) -> CoordinatorPKI:
    """New intermediate key and certificate, and the marble root with that key (on updates)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    sans = coordinator_sans(dns_names or ["localhost"])
    key = ec.generate_private_key(ec.SECP384R1())
    intermediate = _ca_cert(COORDINATOR_INTERMEDIATE_CN, key, pki.root_cert.subject, pki.root_key, sans, now)
    marble_root = _ca_cert(COORDINATOR_INTERMEDIATE_CN, key, _name(COORDINATOR_INTERMEDIATE_CN), key, sans, now)
    return CoordinatorPKI(pki.root_key, pki.root_cert, key, intermediate, marble_root)


def with_marble_root(pki: CoordinatorPKI) -> CoordinatorPKI:
    """The marble root for an existing intermediate (its key and name, self-signed), e.g. when
    the intermediate comes from elsewhere (the server's foundation CAs)."""
    try:
        sans = list(pki.intermediate_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        sans = coordinator_sans(["localhost"])
    key = pki.intermediate_key
    marble_root = _ca_cert(COORDINATOR_INTERMEDIATE_CN, key, _name(COORDINATOR_INTERMEDIATE_CN), key, sans,
                           pki.intermediate_cert.not_valid_before_utc)
    return CoordinatorPKI(pki.root_key, pki.root_cert, key, pki.intermediate_cert, marble_root)


def manifest_fingerprint(raw: bytes) -> str:
    """Lowercase hex SHA-256 of the exact bytes uploaded."""
    return hashlib.sha256(raw).hexdigest()


def sign_with_root(pki: CoordinatorPKI, data: bytes) -> bytes:
    """ASN.1 DER ECDSA over SHA-256(data), as `openssl dgst -sha256 -verify` checks it."""
    return pki.root_key.sign(data, ec.ECDSA(hashes.SHA256()))


def sign_manifest(pki: CoordinatorPKI, raw: bytes) -> bytes:
    return sign_with_root(pki, raw)


def verify_root_signature(root_cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    try:
        root_cert.public_key().verify(signature, data, ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg,union-attr]
    except InvalidSignature:
        return False
    return True


def sign_quote_verification(pki: CoordinatorPKI, quote: bytes, tcb_status: str) -> bytes:
    """sign-quote: root signature over SHA-256(base64(quote as sent) ‖ TCB status)."""
    import base64

    return sign_with_root(pki, base64.b64encode(quote) + tcb_status.encode())


def issue_marble_certificate(pki: CoordinatorPKI, csr_der: bytes, marble_type: str,
                             marble_uuid: uuidlib.UUID) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A Marble's leaf: a new P-384 key (the CSR only lends its names), CN = UUID, signed by
    the marble root. The CSR's own signature must hold, as MarbleRun checks it."""
    try:
        csr = x509.load_der_x509_csr(csr_der)
    except ValueError:
        raise InvalidArgument("failed to parse CSR", reason="INVALID_CSR") from None
    if not csr.is_signature_valid:
        raise InvalidArgument("signature over CSR is invalid", reason="INVALID_CSR")
    key = ec.generate_private_key(ec.SECP384R1())
    attrs = [a for a in csr.subject if a.oid != NameOID.COMMON_NAME]
    subject = x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, str(marble_uuid))])
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(pki.marble_root_cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.UnrecognizedExtension(MARBLE_TYPE_OID, marble_type.encode()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.intermediate_key.public_key()),
                       critical=False)
    )
    try:
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(pki.intermediate_key, hashes.SHA384()), key
