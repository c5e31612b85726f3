"""The MarbleRun manifest as plain dataclasses, parsed from the exact bytes a client uploaded.

Field names follow MarbleRun's Go structs, so the JSON keys a client writes (in any casing)
map one-to-one onto attributes here. `parse_manifest` only decodes; the rules live in
`manifest_check`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from core.coordinator.jsondecode import Decoder, decode_error, loads

WHAT = "unmarshaling manifest"


@dataclass
class Package:
    Debug: bool = False
    UniqueID: str = ""
    SignerID: str = ""
    ProductID: int | None = None
    SecurityVersion: int | None = None
    AcceptedTCBStatuses: list[str] = field(default_factory=list)
    AcceptedAdvisories: list[str] = field(default_factory=list)


@dataclass
class Infrastructure:
    CPUSVN: bytes = b""
    QESVN: int | None = None
    PCESVN: int | None = None
    RootCA: bytes = b""


@dataclass
class File:
    """A file or environment value; base64/hex data is already decoded to bytes."""

    Data: bytes = b""
    Encoding: str = "string"
    NoTemplates: bool = False


@dataclass
class Parameters:
    Files: dict[str, File] = field(default_factory=dict)
    Env: dict[str, File] = field(default_factory=dict)
    Argv: list[str] = field(default_factory=list)


@dataclass
class Marble:
    Package: str = ""
    MaxActivations: int = 0
    Parameters: Parameters = field(default_factory=Parameters)
    TLS: list[str] = field(default_factory=list)
    DisableSecretBinding: bool = False


@dataclass
class User:
    Certificate: str = ""
    Roles: list[str] = field(default_factory=list)


@dataclass
class Role:
    ResourceType: str = ""
    ResourceNames: list[str] = field(default_factory=list)
    Actions: list[str] = field(default_factory=list)


@dataclass
class TLSTagEntry:
    Port: str = ""
    Addr: str = ""
    Cert: str = ""
    DisableClientAuth: bool = False


@dataclass
class TLSTag:
    Outgoing: list[TLSTagEntry] = field(default_factory=list)
    Incoming: list[TLSTagEntry] = field(default_factory=list)


@dataclass
class Config:
    SealMode: str = ""
    FeatureGates: list[str] = field(default_factory=list)
    UpdateThreshold: int = 0
    RecoveryThreshold: int = 0
    RotateRootSecret: bool = False


@dataclass
class Subject:
    CommonName: str = ""
    SerialNumber: str = ""
    Country: list[str] = field(default_factory=list)
    Organization: list[str] = field(default_factory=list)
    OrganizationalUnit: list[str] = field(default_factory=list)
    Locality: list[str] = field(default_factory=list)
    Province: list[str] = field(default_factory=list)
    StreetAddress: list[str] = field(default_factory=list)
    PostalCode: list[str] = field(default_factory=list)


@dataclass
class CertTemplate:
    """The subset of Go's x509.Certificate a manifest may give as a certificate template.

    KeyUsage and ExtKeyUsage are Go's enum integers. `Raw` is set when the manifest (or a
    stored secret) carries a finished certificate as base64 DER instead of a template.
    """

    Subject: Subject = field(default_factory=Subject)
    DNSNames: list[str] = field(default_factory=list)
    EmailAddresses: list[str] = field(default_factory=list)
    IPAddresses: list[str] = field(default_factory=list)
    NotBefore: dt.datetime | None = None
    NotAfter: dt.datetime | None = None
    KeyUsage: int = 0
    ExtKeyUsage: list[int] = field(default_factory=list)
    IsCA: bool = False
    MaxPathLen: int = 0
    SerialNumber: int | None = None
    Raw: bytes = b""


@dataclass
class Secret:
    Type: str = ""
    Size: int = 0
    Shared: bool = False
    UserDefined: bool = False
    Cert: CertTemplate = field(default_factory=CertTemplate)
    ValidFor: int = 0
    Private: bytes = b""
    Public: bytes = b""


@dataclass
class Manifest:
    Packages: dict[str, Package] = field(default_factory=dict)
    Infrastructures: dict[str, Infrastructure] = field(default_factory=dict)
    Marbles: dict[str, Marble] = field(default_factory=dict)
    Users: dict[str, User] = field(default_factory=dict)
    Secrets: dict[str, Secret] = field(default_factory=dict)
    RecoveryKeys: dict[str, str] = field(default_factory=dict)
    Roles: dict[str, Role] = field(default_factory=dict)
    TLS: dict[str, TLSTag] = field(default_factory=dict)
    Config: Config = field(default_factory=Config)

    def is_package_update_only(self) -> bool:
        """An update request holding nothing but Packages (Config is ignored, as MarbleRun does)."""
        return not (
            self.Infrastructures or self.Marbles or self.Users or self.RecoveryKeys
            or self.Roles or self.Secrets or self.TLS
        )


def parse_manifest(raw: bytes, what: str = WHAT) -> Manifest:
    """Decode a manifest from its raw JSON bytes (keys case-insensitive, unknown keys ignored)."""
    return _ManifestDecoder(what).manifest(loads(raw, what), "Manifest")


def parse_cert_template(value: Any, path: str = "Secret.Cert", what: str = WHAT) -> CertTemplate:
    return _ManifestDecoder(what).cert(value, path)


class _ManifestDecoder(Decoder):
    def manifest(self, value: Any, path: str) -> Manifest:
        f = self.struct(value, path, Manifest.__dataclass_fields__)
        return Manifest(
            Packages=self.mapping(f.get("Packages"), "Packages", self.package),
            Infrastructures=self.mapping(f.get("Infrastructures"), "Infrastructures", self.infrastructure),
            Marbles=self.mapping(f.get("Marbles"), "Marbles", self.marble),
            Users=self.mapping(f.get("Users"), "Users", self.user),
            Secrets=self.mapping(f.get("Secrets"), "Secrets", self.secret),
            RecoveryKeys=self.mapping(f.get("RecoveryKeys"), "RecoveryKeys", self.string),
            Roles=self.mapping(f.get("Roles"), "Roles", self.role),
            TLS=self.mapping(f.get("TLS"), "TLS", self.tls_tag),
            Config=self.config(f.get("Config"), "Config"),
        )

    def package(self, value: Any, path: str) -> Package:
        f = self.struct(value, path, Package.__dataclass_fields__)
        return Package(
            Debug=self.boolean(f.get("Debug"), f"{path}.Debug"),
            UniqueID=self.string(f.get("UniqueID"), f"{path}.UniqueID"),
            SignerID=self.string(f.get("SignerID"), f"{path}.SignerID"),
            ProductID=self.optional_uint(f.get("ProductID"), f"{path}.ProductID"),
            SecurityVersion=self.optional_uint(f.get("SecurityVersion"), f"{path}.SecurityVersion"),
            AcceptedTCBStatuses=self.array(f.get("AcceptedTCBStatuses"), f"{path}.AcceptedTCBStatuses", self.string),
            AcceptedAdvisories=self.array(f.get("AcceptedAdvisories"), f"{path}.AcceptedAdvisories", self.string),
        )

    def infrastructure(self, value: Any, path: str) -> Infrastructure:
        f = self.struct(value, path, Infrastructure.__dataclass_fields__)
        return Infrastructure(
            CPUSVN=self.bytes_(f.get("CPUSVN"), f"{path}.CPUSVN"),
            QESVN=self.optional_uint(f.get("QESVN"), f"{path}.QESVN", bits=16),
            PCESVN=self.optional_uint(f.get("PCESVN"), f"{path}.PCESVN", bits=16),
            RootCA=self.bytes_(f.get("RootCA"), f"{path}.RootCA"),
        )

    def marble(self, value: Any, path: str) -> Marble:
        f = self.struct(value, path, Marble.__dataclass_fields__)
        p = self.struct(f.get("Parameters"), f"{path}.Parameters", Parameters.__dataclass_fields__)
        return Marble(
            Package=self.string(f.get("Package"), f"{path}.Package"),
            MaxActivations=self.uint(f.get("MaxActivations"), f"{path}.MaxActivations"),
            Parameters=Parameters(
                Files=self.mapping(p.get("Files"), f"{path}.Parameters.Files", self.file),
                Env=self.mapping(p.get("Env"), f"{path}.Parameters.Env", self.file),
                Argv=self.array(p.get("Argv"), f"{path}.Parameters.Argv", self.string),
            ),
            TLS=self.array(f.get("TLS"), f"{path}.TLS", self.string),
            DisableSecretBinding=self.boolean(f.get("DisableSecretBinding"), f"{path}.DisableSecretBinding"),
        )

    def file(self, value: Any, path: str) -> File:
        """A plain string is template text; an object names its encoding, decoded here."""
        if isinstance(value, str):
            return File(Data=value.encode())
        f = self.struct(value, path, File.__dataclass_fields__)
        data = self.string(f.get("Data"), f"{path}.Data")
        encoding = self.string(f.get("Encoding"), f"{path}.Encoding").lower() or "string"
        try:
            if encoding == "string":
                decoded = data.encode()
            elif encoding == "base64":
                decoded = base64.b64decode(data, validate=True)
            elif encoding == "hex":
                decoded = bytes.fromhex(data)
            else:
                raise decode_error(self.what, f"unknown encoding type: {encoding}", f"{path}.Encoding")
        except (binascii.Error, ValueError):
            raise decode_error(self.what, f"{path}.Data is not valid {encoding}", f"{path}.Data") from None
        return File(Data=decoded, Encoding=encoding,
                    NoTemplates=self.boolean(f.get("NoTemplates"), f"{path}.NoTemplates"))

    def user(self, value: Any, path: str) -> User:
        f = self.struct(value, path, User.__dataclass_fields__)
        return User(
            Certificate=self.string(f.get("Certificate"), f"{path}.Certificate"),
            Roles=self.array(f.get("Roles"), f"{path}.Roles", self.string),
        )

    def role(self, value: Any, path: str) -> Role:
        f = self.struct(value, path, Role.__dataclass_fields__)
        return Role(
            ResourceType=self.string(f.get("ResourceType"), f"{path}.ResourceType"),
            ResourceNames=self.array(f.get("ResourceNames"), f"{path}.ResourceNames", self.string),
            Actions=self.array(f.get("Actions"), f"{path}.Actions", self.string),
        )

    def tls_tag(self, value: Any, path: str) -> TLSTag:
        f = self.struct(value, path, TLSTag.__dataclass_fields__)
        return TLSTag(
            Outgoing=self.array(f.get("Outgoing"), f"{path}.Outgoing", self.tls_entry),
            Incoming=self.array(f.get("Incoming"), f"{path}.Incoming", self.tls_entry),
        )

    def tls_entry(self, value: Any, path: str) -> TLSTagEntry:
        f = self.struct(value, path, TLSTagEntry.__dataclass_fields__)
        return TLSTagEntry(
            Port=self.string(f.get("Port"), f"{path}.Port"),
            Addr=self.string(f.get("Addr"), f"{path}.Addr"),
            Cert=self.string(f.get("Cert"), f"{path}.Cert"),
            DisableClientAuth=self.boolean(f.get("DisableClientAuth"), f"{path}.DisableClientAuth"),
        )

    def config(self, value: Any, path: str) -> Config:
        f = self.struct(value, path, Config.__dataclass_fields__)
        return Config(
            SealMode=self.string(f.get("SealMode"), f"{path}.SealMode"),
            FeatureGates=self.array(f.get("FeatureGates"), f"{path}.FeatureGates", self.string),
            UpdateThreshold=self.uint(f.get("UpdateThreshold"), f"{path}.UpdateThreshold"),
            RecoveryThreshold=self.uint(f.get("RecoveryThreshold"), f"{path}.RecoveryThreshold"),
            RotateRootSecret=self.boolean(f.get("RotateRootSecret"), f"{path}.RotateRootSecret"),
        )

    def secret(self, value: Any, path: str) -> Secret:
        f = self.struct(value, path, Secret.__dataclass_fields__)
        return Secret(
            Type=self.string(f.get("Type"), f"{path}.Type"),
            Size=self.uint(f.get("Size"), f"{path}.Size"),
            Shared=self.boolean(f.get("Shared"), f"{path}.Shared"),
            UserDefined=self.boolean(f.get("UserDefined"), f"{path}.UserDefined"),
            Cert=self.cert(f.get("Cert"), f"{path}.Cert"),
            ValidFor=self.uint(f.get("ValidFor"), f"{path}.ValidFor"),
            Private=self.bytes_(f.get("Private"), f"{path}.Private"),
            Public=self.bytes_(f.get("Public"), f"{path}.Public"),
        )

    def cert(self, value: Any, path: str) -> CertTemplate:
        if isinstance(value, str):
            der = self.bytes_(value, path)
            try:
                x509.load_der_x509_certificate(der)
            except ValueError:
                raise decode_error(self.what, f"{path}: x509: malformed certificate", path) from None
            return CertTemplate(Raw=der)
        f = self.struct(value, path, CertTemplate.__dataclass_fields__)
        s = self.struct(f.get("Subject"), f"{path}.Subject", Subject.__dataclass_fields__)
        strings = {k: self.array(s.get(k), f"{path}.Subject.{k}", self.string)
                   for k in Subject.__dataclass_fields__ if k not in ("CommonName", "SerialNumber")}
        serial = f.get("SerialNumber")
        return CertTemplate(
            Subject=Subject(
                CommonName=self.string(s.get("CommonName"), f"{path}.Subject.CommonName"),
                SerialNumber=self.string(s.get("SerialNumber"), f"{path}.Subject.SerialNumber"),
                **strings,
            ),
            DNSNames=self.array(f.get("DNSNames"), f"{path}.DNSNames", self.string),
            EmailAddresses=self.array(f.get("EmailAddresses"), f"{path}.EmailAddresses", self.string),
            IPAddresses=self.array(f.get("IPAddresses"), f"{path}.IPAddresses", self.ip),
            NotBefore=self.time(f.get("NotBefore"), f"{path}.NotBefore"),
            NotAfter=self.time(f.get("NotAfter"), f"{path}.NotAfter"),
            KeyUsage=self.integer(f.get("KeyUsage"), f"{path}.KeyUsage"),
            ExtKeyUsage=self.array(f.get("ExtKeyUsage"), f"{path}.ExtKeyUsage", self.integer),
            IsCA=self.boolean(f.get("IsCA"), f"{path}.IsCA"),
            MaxPathLen=self.integer(f.get("MaxPathLen"), f"{path}.MaxPathLen"),
            SerialNumber=None if serial is None else self.integer(serial, f"{path}.SerialNumber"),
        )

    def ip(self, value: Any, path: str) -> str:
        text = self.string(value, path)
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            raise decode_error(self.what, f"invalid IP address: {text}", path) from None

    def time(self, value: Any, path: str) -> dt.datetime | None:
        """Go's time.Time takes RFC 3339; its zero time means "not set"."""
        text = self.string(value, path)
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise decode_error(self.what, f"parsing time {text!r} as RFC 3339", path) from None
        if parsed.tzinfo is None:
            raise decode_error(self.what, f"parsing time {text!r} as RFC 3339: missing time zone", path)
        if parsed.year <= 1:
            return None
        return parsed.astimezone(dt.timezone.utc)

