"""The Coordinator over the wire: users with client certificates, recovery keys, manifests."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import make_client_certificate
from tests.server import RunningServer, running_server

USER_NAMES = ("alice", "bob", "carol", "mallory")  # mallory is in no manifest


@dataclass(frozen=True)
class User:
    name: str
    cert: Path
    key: Path

    @property
    def pair(self) -> tuple[Path, Path]:
        return self.cert, self.key

    @property
    def pem(self) -> str:
        return self.cert.read_text()


@pytest.fixture(scope="session")
def users(tmp_path_factory: pytest.TempPathFactory) -> dict[str, User]:
    directory = tmp_path_factory.mktemp("coordinator-users")
    return {name: User(name, *make_client_certificate(directory, name)) for name in USER_NAMES}


@pytest.fixture(scope="session")
def recovery_keys() -> list[rsa.RSAPrivateKey]:
    """RSA-2048 recovery keys, made once per session (RSA is slow to make)."""
    return [rsa.generate_private_key(65537, 2048) for _ in range(3)]


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def manifest(users: dict[str, User], recovery: list[rsa.RSAPrivateKey] = (), **config) -> dict:
    """alice reads and writes secrets, raises package versions and updates the manifest; bob only
    reads symShared and updates the manifest; carol updates the manifest only when asked."""
    updaters = config.pop("updaters", ("alice", "bob"))
    document = {
        "Packages": {"backend": {"SignerID": "ab" * 32, "ProductID": 1, "SecurityVersion": 2}},
        "Marbles": {"server": {"Package": "backend",
                               "Parameters": {"Env": {"KEY": "{{ hex .Secrets.symShared }}"}}}},
        "Secrets": {
            "symShared": {"Type": "symmetric-key", "Size": 128, "Shared": True},
            "certShared": {"Type": "cert-ecdsa", "Size": 256, "Shared": True},
            "userKey": {"Type": "symmetric-key", "Size": 128, "UserDefined": True},
            "userPlain": {"Type": "plain", "UserDefined": True},
        },
        "Users": {
            "alice": {"Certificate": users["alice"].pem, "Roles": ["reader", "writer", "packages"]},
            "bob": {"Certificate": users["bob"].pem, "Roles": ["symReader"]},
            "carol": {"Certificate": users["carol"].pem, "Roles": []},
        },
        "Roles": {
            "reader": {"ResourceType": "Secrets", "ResourceNames": ["symShared", "certShared", "userKey"],
                       "Actions": ["ReadSecret"]},
            "symReader": {"ResourceType": "Secrets", "ResourceNames": ["symShared"], "Actions": ["readsecret"]},
            "writer": {"ResourceType": "Secrets", "ResourceNames": ["userKey", "userPlain"],
                       "Actions": ["WriteSecret"]},
            "packages": {"ResourceType": "Packages", "ResourceNames": ["backend"],
                         "Actions": ["UpdateSecurityVersion"]},
            "updater": {"ResourceType": "Manifest", "Actions": ["UpdateManifest"]},
        },
        "Config": {"FeatureGates": ["SignQuoteEndpoint"]},
    }
    for name in updaters:
        document["Users"][name]["Roles"].append("updater")
    if recovery:
        document["RecoveryKeys"] = {f"key{i}": public_pem(k) for i, k in enumerate(recovery)}
    document["Config"].update(config)
    return document


def encode(document: dict) -> bytes:
    return json.dumps(document, indent=2).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def set_manifest(server: RunningServer, document: dict) -> dict:
    with server.http("coordinator") as client:
        response = client.post("/api/v2/manifest", json={"manifest": b64(encode(document))})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def client(server: RunningServer, user: User | None = None) -> httpx.Client:
    return server.http("coordinator", cert=user.pair if user else None, timeout=60)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, users: dict[str, User]) -> Iterator[RunningServer]:
    """One Coordinator per module with the standard manifest set."""
    with running_server(tmp_path_factory.mktemp("coordinator") / "data") as running:
        set_manifest(running, manifest(users))
        yield running
