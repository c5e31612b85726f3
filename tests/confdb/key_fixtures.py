"""The confdb tests' RSA-4096 keys, one of each per session (generating one takes seconds).

A pytest plugin (named in the root conftest) so that the domain and the API tests share them."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.confdb import signer


@pytest.fixture(scope="session")
def publisher_key() -> rsa.RSAPrivateKey:
    return signer.session_key("publisher")


@pytest.fixture(scope="session")
def stranger_key() -> rsa.RSAPrivateKey:
    """Never registered with the store."""
    return signer.session_key("stranger")


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return signer.session_key("other-publisher")
