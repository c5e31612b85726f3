"""Secrets named in a manifest: generated ones, user uploads, and the shapes clients read.

Shared secrets are generated once when a manifest is set; private (per-Marble) ones at each
activation — symmetric keys derived by HKDF from the root secret so a Marble gets the same key
every time, certificates fresh. User-defined secrets are never generated, only uploaded.
All functions return new `Secret` values; nothing here persists anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import secrets as pysecrets
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.coordinator.jsondecode import Decoder, loads
from core.coordinator.manifest import CertTemplate, Manifest, Secret
from core.coordinator.manifest_check import check_secret_definitions
from core.coordinator.pki import CoordinatorPKI, der
from core.errors import InvalidArgument

DEFAULT_VALID_FOR_DAYS = 365
GENERATED_CN = "MarbleRun Generated Certificate"
_CURVES = {224: ec.SECP224R1, 256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}
# Go's x509.ExtKeyUsage enum, in Go's order.
_EXT_KEY_USAGES = {
    1: ExtendedKeyUsageOID.SERVER_AUTH, 2: ExtendedKeyUsageOID.CLIENT_AUTH, 3: ExtendedKeyUsageOID.CODE_SIGNING,
    4: ExtendedKeyUsageOID.EMAIL_PROTECTION, 5: x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    6: x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"), 7: x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    8: ExtendedKeyUsageOID.TIME_STAMPING, 9: ExtendedKeyUsageOID.OCSP_SIGNING,
}
_ANY_EXT_KEY_USAGE = x509.ObjectIdentifier("2.5.29.37.0")
# Go's x509.KeyUsage bits (DigitalSignature = 1 << 0 …).
_KU_BITS = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
            "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
_DEFAULT_KEY_USAGE = 1 | 32  # DigitalSignature | CertSign
_SUBJECT_OIDS = {
    "Country": NameOID.COUNTRY_NAME, "Organization": NameOID.ORGANIZATION_NAME,
    "OrganizationalUnit": NameOID.ORGANIZATIONAL_UNIT_NAME, "Locality": NameOID.LOCALITY_NAME,
    "Province": NameOID.STATE_OR_PROVINCE_NAME, "StreetAddress": NameOID.STREET_ADDRESS,
    "PostalCode": NameOID.POSTAL_CODE,
}


def new_root_secret() -> bytes:
    """The 32 random bytes private symmetric keys are derived from."""
    return os.urandom(32)


def generate_shared_secrets(manifest: Manifest, pki: CoordinatorPKI) -> dict[str, Secret]:
    """Every shared, non-user-defined secret; user-defined ones as their empty definition."""
    check_secret_definitions(manifest)
    out: dict[str, Secret] = {}
    for name, definition in manifest.Secrets.items():
        if definition.UserDefined:
            out[name] = _definition_only(definition)
        elif definition.Shared:
            out[name] = generate_secret(definition, pki, shared=True)
    return out


def generate_private_secrets(manifest: Manifest, pki: CoordinatorPKI, root_secret: bytes,
                             marble_uuid: uuidlib.UUID, marble_name: str) -> dict[str, Secret]:
    """The per-Marble secrets of one activation."""
    binding = "" if manifest.Marbles[marble_name].DisableSecretBinding else marble_name
    return {
        name: generate_secret(d, pki, shared=False, secret_name=name, root_secret=root_secret,
                              marble_uuid=marble_uuid, marble_binding=binding)
        for name, d in manifest.Secrets.items() if not d.Shared and not d.UserDefined
    }


def generate_secret(definition: Secret, pki: CoordinatorPKI, *, shared: bool, secret_name: str = "",
                    root_secret: bytes = b"", marble_uuid: uuidlib.UUID | None = None,
                    marble_binding: str = "") -> Secret:
    """One secret's value. Sizes were checked by `check_secret_definitions`."""
    if definition.Type == "symmetric-key":
        length = definition.Size // 8
        if shared:
            key = os.urandom(length)
        else:
            # Deterministic per (Marble UUID, secret, marble type): a restarted Marble keeps its key.
            salt = f"{marble_uuid}{secret_name}".encode()
            key = HKDF(hashes.SHA256(), length, salt, marble_binding.encode()).derive(root_secret)
        return replace(definition, Private=key, Public=key, Cert=CertTemplate())
    if definition.Type in ("cert-ecdsa", "cert-rsa", "cert-ed25519"):
        return _generate_certificate(definition, pki, shared)
    raise InvalidArgument(f"unsupported secret of type {definition.Type}")


def _definition_only(definition: Secret) -> Secret:
    return replace(definition, Cert=CertTemplate(), Private=b"", Public=b"")


def _new_key(definition: Secret):
    if definition.Type == "cert-ecdsa":
        return ec.generate_private_key(_CURVES[definition.Size]())
    if definition.Type == "cert-rsa":
        return rsa.generate_private_key(65537, definition.Size)
    return ed25519.Ed25519PrivateKey.generate()


def _generate_certificate(definition: Secret, pki: CoordinatorPKI, shared: bool) -> Secret:
    template = definition.Cert
    key = _new_key(definition)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    valid_for = definition.ValidFor
    if template.NotAfter is not None and (shared or not valid_for):
        not_after = template.NotAfter
    else:
        valid_for = valid_for or DEFAULT_VALID_FOR_DAYS  # written back, as MarbleRun stores it
        not_after = now + dt.timedelta(days=valid_for)
    dns_names = template.DNSNames or ["localhost"]
    ips = template.IPAddresses or ["127.0.0.1", "::1"]
    cn = template.Subject.CommonName or (dns_names[0] if len(dns_names) == 1 else GENERATED_CN)
    attrs = [x509.NameAttribute(oid, value) for field, oid in _SUBJECT_OIDS.items()
             for value in getattr(template.Subject, field)]
    if template.Subject.SerialNumber:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, template.Subject.SerialNumber))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    sans += [x509.RFC822Name(e) for e in template.EmailAddresses]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    usage_bits = template.KeyUsage or _DEFAULT_KEY_USAGE
    usage = {name: bool(usage_bits & (1 << i)) for i, name in enumerate(_KU_BITS)}
    if not usage["key_agreement"]:
        usage["encipher_only"] = usage["decipher_only"] = False  # only meaningful with key agreement
    ekus = [_EXT_KEY_USAGES.get(e, _ANY_EXT_KEY_USAGE) for e in template.ExtKeyUsage] \
        or [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    path_length = template.MaxPathLen if template.IsCA and template.MaxPathLen > 0 else None
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(pki.marble_root_cert.subject)
        .public_key(key.public_key())
        .serial_number(pysecrets.randbelow(2**128 - 1) + 1)
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=template.IsCA, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.intermediate_key.public_key()),
                       critical=False)
        .sign(pki.intermediate_key, hashes.SHA384())
    )
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return replace(definition, Cert=CertTemplate(Raw=der(cert)), ValidFor=valid_for, Private=private, Public=public)


# ---- user uploads (notes 5.2) ------------------------------------------------------------------

def parse_user_secrets(body: bytes | Mapping[str, Any], definitions: Mapping[str, Secret]) -> dict[str, Secret]:
    """Validate uploaded secrets against their definitions; returns the secrets to store.

    `body` is the v1 request body (raw JSON) or the v2 `secrets` object already decoded.
    Each upload is `{"Key": b64}` or `{"Cert": b64 DER, "Private": b64}` (keys case-insensitive).
    """
    what = "unmarshaling secrets"
    value = loads(body, what) if isinstance(body, bytes) else _as_pairs(body)
    d = Decoder(what)
    uploads = d.mapping(value, "secrets", lambda v, p: d.struct(v, p, ("Cert", "Private", "Key")))
    if not uploads:
        raise InvalidArgument("no new secrets defined", reason="INVALID_SECRET")
    parsed: dict[str, Secret] = {}
    for name, fields in uploads.items():
        definition = definitions.get(name)
        meta = {"field": f"secrets.{name}"}
        if definition is None:
            raise InvalidArgument("secret manifest specifies a secret which the original manifest does not contain",
                                  reason="INVALID_SECRET", metadata=meta)
        if not definition.UserDefined:
            raise InvalidArgument(f"secret {name} is not writeable", reason="INVALID_SECRET", metadata=meta)
        key = d.bytes_(fields.get("Key"), f"{name}.Key") if fields.get("Key") is not None else None
        private = d.bytes_(fields.get("Private"), f"{name}.Private") if fields.get("Private") is not None else None
        cert_der = d.bytes_(fields.get("Cert"), f"{name}.Cert") if fields.get("Cert") is not None else None
        if definition.Type == "symmetric-key":
            if definition.Size == 0 or definition.Size % 8:
                raise InvalidArgument(f"invalid secret size: {name}", reason="INVALID_SECRET", metadata=meta)
            if len(key or b"") != definition.Size // 8:
                raise InvalidArgument(f"declared size and actual size don't match: {name}",
                                      reason="INVALID_SECRET", metadata=meta)
            if cert_der is not None or private is not None:
                raise InvalidArgument(f"secret {name} is set to be of type symmetric-key but specified values "
                                      "for a certificate", reason="INVALID_SECRET", metadata=meta)
            parsed[name] = replace(definition, Private=key or b"", Public=key or b"")
        elif definition.Type.startswith("cert-"):
            if key is not None:
                raise InvalidArgument(f"secret {name} is set to be of type {definition.Type} but specified "
                                      "values for a symmetric key", reason="INVALID_SECRET", metadata=meta)
            if not cert_der:
                raise InvalidArgument(f"no certificate provided for secret {name}",
                                      reason="INVALID_SECRET", metadata=meta)
            try:
                cert = x509.load_der_x509_certificate(cert_der)
            except ValueError:
                raise InvalidArgument(f"secret {name}: x509: malformed certificate",
                                      reason="INVALID_SECRET", metadata=meta) from None
            public = cert.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
            # The private key is stored as given and not checked, as MarbleRun does.
            parsed[name] = replace(definition, Cert=CertTemplate(Raw=cert_der), Private=private or b"", Public=public)
        elif definition.Type == "plain":
            if cert_der is not None or private is not None:
                raise InvalidArgument(f"secret {name} is set to be of type plain but specified values for a "
                                      "certificate", reason="INVALID_SECRET", metadata=meta)
            parsed[name] = replace(definition, Private=key or b"", Public=key or b"")
        else:
            raise InvalidArgument(f"unknown type: {definition.Type} for secret: {name}",
                                  reason="INVALID_SECRET", metadata=meta)
    return parsed


def _as_pairs(value: Any) -> Any:
    """Re-encode an already decoded object so it goes through the same Go-style decoding."""
    return loads(json.dumps(value).encode(), "unmarshaling secrets")


# ---- output shapes (notes 5.4) -----------------------------------------------------------------

def secret_to_json(secret: Secret) -> dict[str, Any]:
    """The stored and returned shape: PascalCase keys, all present, DER/keys base64 or null."""
    def b64(data: bytes) -> str | None:
        return base64.b64encode(data).decode() if data else None

    return {
        "Type": secret.Type, "Size": secret.Size, "Shared": secret.Shared, "UserDefined": secret.UserDefined,
        "Cert": b64(secret.Cert.Raw), "ValidFor": secret.ValidFor,
        "Private": b64(secret.Private), "Public": b64(secret.Public),
    }


def secret_from_json(value: Mapping[str, Any]) -> Secret:
    def unb64(text: str | None) -> bytes:
        return base64.b64decode(text) if text else b""

    return Secret(Type=value["Type"], Size=value["Size"], Shared=value["Shared"],
                  UserDefined=value["UserDefined"], Cert=CertTemplate(Raw=unb64(value["Cert"])),
                  ValidFor=value["ValidFor"], Private=unb64(value["Private"]), Public=unb64(value["Public"]))


def secrets_response_v1(secrets: Mapping[str, Secret]) -> dict[str, Any]:
    return {name: secret_to_json(s) for name, s in secrets.items()}


def secrets_response_v2(secrets: Mapping[str, Secret]) -> dict[str, Any]:
    return {"secrets": secrets_response_v1(secrets)}
