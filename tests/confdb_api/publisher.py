"""A publisher as the store sees one: an account, a registered RSA-4096 key and a credential,
all set up through `switchyard confdb …` on the server's data directory, then used over HTTPS
the way snapcraft uses the store."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.confdb import signer
from tests.server import RunningServer

MEDIA_TYPE = "application/x.ubuntu.assertion"
VIEWS = {"wifi-setup": {"rules": [{"access": "read-write", "request": "ssids", "storage": "wifi.ssids"}]}}
BODY = '{"storage": {"schema": {"wifi": {"values": "any"}}}}'


def confdb_cli(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "confdb", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=check, timeout=60,
    )


def unique_account(prefix: str = "pub") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@dataclass
class Publisher:
    server: RunningServer
    account_id: str
    key: rsa.RSAPrivateKey
    authorization: str

    def client(self, authorization: str | None = "own") -> httpx.Client:
        headers = {"Accept": "application/json"}
        if authorization == "own":
            headers["Authorization"] = self.authorization
        elif authorization is not None:
            headers["Authorization"] = authorization
        return self.server.http("confdb", headers=headers)

    def build_request(self, name: str, **extra) -> dict:
        return {"account-id": self.account_id, "name": name, "views": VIEWS, "body": BODY, **extra}

    def build(self, name: str) -> dict:
        with self.client() as client:
            response = client.post("/api/v2/confdb-schemas/build-assertion", json=self.build_request(name))
        assert response.status_code == 200, response.text
        return response.json()

    def sign(self, headers: dict, key: rsa.RSAPrivateKey | None = None) -> bytes:
        """What `snap sign` prints for the built headers."""
        return signer.sign_assertion(headers, key or self.key, headers["body"].encode())

    def upload(self, raw: bytes, content_type: str = MEDIA_TYPE, authorization: str | None = "own") -> httpx.Response:
        with self.client(authorization) as client:
            return client.post("/api/v2/confdb-schemas", content=raw, headers={"Content-Type": content_type})

    def publish(self, name: str) -> bytes:
        raw = self.sign(self.build(name))
        response = self.upload(raw)
        assert response.status_code == 201, response.text
        return raw


def new_publisher(server: RunningServer, key: rsa.RSAPrivateKey, tmp: Path, account_id: str | None = None) -> Publisher:
    """create-account, register-key (an account-key-request file), issue-macaroon."""
    account_id = account_id or unique_account()
    data = server.data_dir
    confdb_cli(data, "create-account", "--id", account_id, "--email", f"{account_id}@example.com")
    request = tmp / f"{account_id}.account-key-request"
    request.write_bytes(signer.account_key_request(key, account_id, name=f"key-{account_id}"))
    key_id = confdb_cli(data, "register-key", account_id, str(request)).stdout.strip()
    assert key_id == signer.snapd_key_id(key)
    authorization = confdb_cli(data, "issue-macaroon", account_id, "--expires", "1d").stdout.strip()
    return Publisher(server, account_id, key, authorization)


def stored_revisions(server: RunningServer, account_id: str, name: str) -> list[tuple[int, bytes]]:
    """Straight from the database file: what the store kept, byte for byte."""
    with sqlite3.connect(server.data_dir / "switchyard.db") as conn:
        return [
            (revision, bytes(raw))
            for revision, raw in conn.execute(
                "SELECT revision, assertion FROM confdb_schemas WHERE account_id = ? AND name = ? ORDER BY revision",
                [account_id, name],
            )
        ]
