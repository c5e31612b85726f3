"""The blob store: complete, verified uploads only."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from core.errors import InvalidArgument, ResourceExhausted
from core.storage.blobs import BlobStore


async def chunks_of(data: bytes, size: int = 1000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def files_under(store: BlobStore) -> list:
    return [p for p in store.root.rglob("*") if p.is_file()]


def test_a_verified_upload_lands_under_its_digest(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    data = b"x" * 12345
    digest = hashlib.sha256(data).hexdigest()
    blob = asyncio.run(store.store(chunks_of(data), expected_sha256=digest.upper()))
    assert (blob.sha256, blob.size) == (digest, len(data))
    assert blob.path == tmp_path / "blobs" / "sha256" / digest[:2] / digest
    assert blob.path.read_bytes() == data
    assert files_under(store) == [blob.path]

    async def read_back() -> bytes:
        return b"".join([chunk async for chunk in store.read(digest, 4096)])

    assert asyncio.run(read_back()) == data


def test_a_fingerprint_mismatch_keeps_nothing(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidArgument) as raised:
        asyncio.run(store.store(chunks_of(b"payload"), expected_sha256="00" * 32))
    assert raised.value.reason == "FINGERPRINT_MISMATCH"
    assert files_under(store) == []


def test_an_upload_over_the_limit_keeps_nothing(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(ResourceExhausted) as raised:
        asyncio.run(store.store(chunks_of(b"y" * 5000), limit=4096))
    assert raised.value.reason == "PAYLOAD_TOO_LARGE"
    assert files_under(store) == []


def test_an_interrupted_upload_keeps_nothing(tmp_path):
    store = BlobStore(tmp_path / "blobs")

    async def broken():
        yield b"first part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(store.store(broken()))
    assert files_under(store) == []


def test_leftovers_of_a_dead_process_are_removed(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    (store.root / "incoming" / "half").write_bytes(b"half an upload")
    assert store.forget_incomplete() == 1
    assert files_under(store) == []


def test_a_short_upload_keeps_nothing(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidArgument) as raised:
        asyncio.run(store.store(chunks_of(b"z" * 100), expected_size=150))
    assert raised.value.reason == "UPLOAD_TRUNCATED"
    assert files_under(store) == []
