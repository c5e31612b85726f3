"""Content-addressed blob files beside the database.

An upload streams into a temporary file while its SHA-256 is computed; only a complete upload
whose digest matches the expected fingerprint is fsynced and renamed to
`sha256/<first two hex>/<hex>`. Anything else (a mismatch, a size over the limit, a client
that went away) leaves no file behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidArgument, NotFound, ResourceExhausted

log = logging.getLogger("switchyard.blobs")

READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    path: Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"
        self._incoming.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / "sha256").mkdir(mode=0o700, exist_ok=True)

    def forget_incomplete(self) -> int:
        """Remove uploads a dead process left half-written."""
        removed = 0
        for leftover in self._incoming.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    async def store(
        self, chunks: AsyncIterable[bytes], *, expected_sha256: str = "", expected_size: int = 0,
        limit: int | None = None,
    ) -> Blob:
        """Stream `chunks` into the store; InvalidArgument on a fingerprint mismatch or a size
        other than `expected_size` (when given), ResourceExhausted (reason PAYLOAD_TOO_LARGE)
        past `limit` bytes."""
        expected = expected_sha256.strip().lower()
        temporary = self._incoming / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        # Opened here, not in a thread: a cancel while a thread creates the file would leave it behind.
        handle = open(temporary, "xb")
        try:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise ResourceExhausted(
                            f"upload exceeds the limit of {limit} bytes", reason="PAYLOAD_TOO_LARGE"
                        )
                    digest.update(chunk)
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush_and_sync, handle)
            finally:
                await asyncio.to_thread(handle.close)
            actual = digest.hexdigest()
            if expected_size and size != expected_size:
                raise InvalidArgument(
                    f"upload is truncated: got {size} of {expected_size} bytes", reason="UPLOAD_TRUNCATED"
                )
            if expected and expected != actual:
                raise InvalidArgument(
                    f"fingerprint mismatch: got {actual} but expected {expected}",
                    reason="FINGERPRINT_MISMATCH", metadata={"expected": expected, "actual": actual},
                )
            final = self.path(actual)
            await asyncio.to_thread(_publish, temporary, final)
            return Blob(actual, size, final)
        finally:
            # On success the rename has moved it; on any failure nothing may remain.
            temporary.unlink(missing_ok=True)

    def fingerprints(self) -> list[str]:
        """Every stored blob."""
        return sorted(path.name for path in (self.root / "sha256").glob("*/*") if path.is_file())

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def find(self, sha256: str) -> Blob:
        path = self.path(sha256)
        if not path.exists():
            raise NotFound(f"blob {sha256} not found", reason="BLOB_NOT_FOUND")
        return Blob(sha256, path.stat().st_size, path)

    async def read(self, sha256: str, chunk_size: int = READ_CHUNK) -> AsyncIterator[bytes]:
        handle = open(self.find(sha256).path, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def remove(self, sha256: str) -> None:
        await asyncio.to_thread(self.path(sha256).unlink, True)


def _flush_and_sync(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _publish(temporary: Path, final: Path) -> None:
    final.parent.mkdir(mode=0o700, exist_ok=True)
    os.replace(temporary, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
