"""Real SGX test vectors and a simulation authority whose keys the tests keep."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.attestation.collateral import Collateral
from core.attestation.simulation import SimulationAuthority

# Real quotes from SGX hardware (provenance in data/SOURCES.md).
TESTDATA = Path(__file__).parent / "data"
REAL_QUOTES = sorted(TESTDATA.glob("*.bin"))
COLLATERAL_TIME = dt.datetime(2025, 6, 20, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="session")
def real_quotes() -> dict[str, bytes]:
    assert REAL_QUOTES, "no real quotes found"
    return {path.stem: path.read_bytes() for path in REAL_QUOTES}


@pytest.fixture(scope="session")
def phala_collateral() -> Collateral:
    return Collateral.from_json((TESTDATA / "phala_sgx_quote_collateral.json").read_text())


@pytest.fixture(scope="session")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> SimulationAuthority:
    return SimulationAuthority.load_or_create(tmp_path_factory.mktemp("sim"))


def with_cert_data(quote: bytes, cert_type: int, data: bytes) -> bytes:
    """Rebuild a v3 quote with other certification data (sizes rewritten)."""
    auth_size = struct.unpack_from("<H", quote, 1012)[0]
    start = 1014 + auth_size
    head = quote[:start] + struct.pack("<HI", cert_type, len(data)) + data
    sig_len = len(head) - 436
    return head[:432] + struct.pack("<I", sig_len) + head[436:]


def pem(certs: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
