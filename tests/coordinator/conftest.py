"""Session-wide keys and certificates for the Coordinator domain tests (RSA is slow to make)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from core.coordinator.pki import CoordinatorPKI, generate_coordinator_pki


@dataclass(frozen=True)
class UserIdentity:
    name: str
    cert_pem: str
    cert_der: bytes


def make_user(name: str) -> UserIdentity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    return UserIdentity(name, cert.public_bytes(serialization.Encoding.PEM).decode(),
                        cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def pki() -> CoordinatorPKI:
    return generate_coordinator_pki()


@pytest.fixture(scope="session")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    """Three RSA-2048 recovery keys, made once per session."""
    return [rsa.generate_private_key(65537, 2048) for _ in range(3)]


@pytest.fixture(scope="session")
def users() -> dict[str, UserIdentity]:
    return {name: make_user(name) for name in ("alice", "bob", "carol")}


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


BASE = {
    "Packages": {"backend": {"SignerID": "ab" * 32, "ProductID": 1, "SecurityVersion": 2},
                 "frontend": {"UniqueID": "cd" * 32}},
    "Marbles": {
        "server": {"Package": "backend", "MaxActivations": 2,
                   "Parameters": {"Files": {"/key": "{{ raw .Secrets.symShared }}"},
                                  "Env": {"CERT": "{{ pem .Secrets.certShared.Cert }}",
                                          "PRIV": "{{ hex .Secrets.symPrivate }}"},
                                  "Argv": ["server", "--verbose"]}},
        "client": {"Package": "frontend"},
    },
    "Secrets": {
        "symShared": {"Type": "symmetric-key", "Size": 128, "Shared": True},
        "symPrivate": {"Type": "symmetric-key", "Size": 256},
        "certShared": {"Type": "cert-ecdsa", "Size": 256, "Shared": True},
        "userKey": {"Type": "symmetric-key", "Size": 128, "UserDefined": True},
        "userCert": {"Type": "cert-ecdsa", "UserDefined": True},
        "userPlain": {"Type": "plain", "UserDefined": True},
    },
}


def manifest_dict(users: dict[str, UserIdentity] | None = None, **overrides) -> dict:
    """A valid manifest; with `users`, alice/bob may read/write secrets and update everything."""
    m = copy.deepcopy(BASE)
    if users:
        m["Users"] = {
            "alice": {"Certificate": users["alice"].cert_pem, "Roles": ["secrets", "readonly", "packages", "updater"]},
            "bob": {"Certificate": users["bob"].cert_pem, "Roles": ["readonly", "updater"]},
        }
        m["Roles"] = {
            "secrets": {"ResourceType": "Secrets", "ResourceNames": ["userKey", "userCert", "userPlain"],
                        "Actions": ["ReadSecret", "WriteSecret"]},
            "readonly": {"ResourceType": "Secrets", "ResourceNames": ["symShared"], "Actions": ["readsecret"]},
            "packages": {"ResourceType": "Packages", "ResourceNames": ["backend"],
                         "Actions": ["UpdateSecurityVersion"]},
            "updater": {"ResourceType": "Manifest", "Actions": ["UpdateManifest"]},
        }
    m.update(overrides)
    return m


def manifest_bytes(m: dict) -> bytes:
    return json.dumps(m, indent=2).encode()
