"""Fixtures that start the real server and build real client credentials."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.server import RunningServer, running_server

pytest_plugins = ["tests.confdb.key_fixtures"]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> RunningServer:
    """One server shared by the tests that do not care about a fresh state."""
    with running_server(tmp_path_factory.mktemp("shared") / "data") as running:
        yield running


@pytest.fixture
def fresh_server(tmp_path: Path) -> RunningServer:
    with running_server(tmp_path / "data") as running:
        yield running


def make_client_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed client certificate nobody trusts yet, as `amc` or `lxc` would create."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def client_cert(tmp_path: Path) -> tuple[Path, Path]:
    return make_client_certificate(tmp_path / "client", "client")
