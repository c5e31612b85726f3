"""Which callers AMS trusts: individual client certificates, by SHA-256 fingerprint (as LXD)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from dataclasses import dataclass

import sqlite_utils
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.ams.config import TRUST_PASSWORD
from core.ams.passwords import password_matches
from core.errors import InvalidArgument, NotFound, PermissionDenied
from core.identity import Caller
from core.storage import Database

GUEST = "guest"
UNTRUSTED = "untrusted"
TRUSTED = "trusted"


@dataclass(frozen=True)
class TrustedCertificate:
    fingerprint: str
    der: bytes

    @property
    def pem(self) -> str:
        return x509.load_der_x509_certificate(self.der).public_bytes(Encoding.PEM).decode()


def trust_level(db: sqlite_utils.Database, caller: Caller) -> str:
    if caller.is_operator:
        return TRUSTED
    if caller.fingerprint is None:
        return GUEST
    row = db.execute(
        "SELECT 1 FROM ams_certificates WHERE fingerprint = ?", [caller.fingerprint]
    ).fetchone()
    return TRUSTED if row else UNTRUSTED


async def require_trusted(db: Database, caller: Caller) -> None:
    """Everything but the public endpoints is for trusted callers only."""
    if caller.is_operator:
        return
    if await db.read(lambda conn: trust_level(conn, caller)) != TRUSTED:
        raise PermissionDenied("not authorized", reason="NOT_TRUSTED")


def certificate_from_body(encoded: str) -> bytes:
    """The DER of a certificate sent as base64 without PEM armour (newlines tolerated)."""
    compact = "".join(encoded.split())
    try:
        der = base64.b64decode(compact, validate=True)
        x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise InvalidArgument("certificate is malformed: expected base64 DER", reason="INVALID_CERTIFICATE",
                              metadata={"field": "certificate"}) from None
    return der


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def trust_password_hash(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM ams_config WHERE name = ?", [TRUST_PASSWORD]).fetchone()
    return row[0] if row else ""


def check_trust_password(password: str, stored_hash: str) -> None:
    """Runs the slow hash: call it off the event loop."""
    if not stored_hash or not password or not password_matches(password, stored_hash):
        raise PermissionDenied("not authorized: wrong or missing trust password", reason="BAD_TRUST_PASSWORD")


def trust_certificate(db: sqlite_utils.Database, der: bytes, name: str = "") -> str:
    """Store a client certificate as trusted; answer its fingerprint."""
    fingerprint = fingerprint_of(der)
    if db.execute("SELECT 1 FROM ams_certificates WHERE fingerprint = ?", [fingerprint]).fetchone():
        raise InvalidArgument("Certificate already in trust store", reason="CERTIFICATE_EXISTS",
                              metadata={"fingerprint": fingerprint})
    db.execute(
        "INSERT INTO ams_certificates (fingerprint, certificate, name, created_at) VALUES (?, ?, ?, ?)",
        [fingerprint, der, name, int(time.time())],
    )
    return fingerprint


def trusted_certificates(db: sqlite_utils.Database) -> list[TrustedCertificate]:
    rows = db.execute("SELECT fingerprint, certificate FROM ams_certificates ORDER BY created_at, fingerprint")
    return [TrustedCertificate(fp, bytes(der)) for fp, der in rows]


def find_certificate(db: sqlite_utils.Database, fingerprint: str) -> TrustedCertificate:
    """By full fingerprint or a unique prefix of it, as LXD accepts."""
    prefix = fingerprint.lower()
    rows = db.execute(
        "SELECT fingerprint, certificate FROM ams_certificates WHERE fingerprint LIKE ? ESCAPE '\\'",
        [prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
    ).fetchall() if prefix else []
    if len(rows) != 1:
        raise NotFound("certificate not found", reason="CERTIFICATE_NOT_FOUND",
                       metadata={"fingerprint": fingerprint})
    return TrustedCertificate(rows[0][0], bytes(rows[0][1]))


def forget_certificate(db: sqlite_utils.Database, fingerprint: str) -> None:
    db.execute("DELETE FROM ams_certificates WHERE fingerprint = ?", [fingerprint])
