"""Accounts for the confdb domain tests (their keys come from `tests.confdb.key_fixtures`)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from core.confdb.keys import AccountKey, key_from_request
from tests.confdb import signer

VECTORS = Path(__file__).parent / "vectors"
ACCOUNT = "publisher1"


@pytest.fixture(scope="session")
def registered(publisher_key: rsa.RSAPrivateKey) -> AccountKey:
    return key_from_request(signer.account_key_request(publisher_key, ACCOUNT))


@pytest.fixture
def now() -> datetime:
    return datetime.now(timezone.utc)
