"""Which AMS records refer to a content-addressed blob, and removing blobs none refer to.

Identical bytes uploaded twice (as an image, an addon or an application) share one file, so a
blob may go only when no version of any kind still names it. A stop between storing a blob and
recording it (an upload cut off, a check or build interrupted) leaves a blob nothing names; the
start-up sweep removes those.
"""

from __future__ import annotations

import sqlite_utils

from core.storage import Database
from core.storage.blobs import BlobStore

_REFERENCES = (
    "SELECT 1 FROM ams_addon_versions WHERE fingerprint = ?",
    "SELECT 1 FROM ams_application_versions WHERE package_fingerprint = ? OR image_fingerprint = ?",
    "SELECT 1 FROM ams_image_versions WHERE fingerprint = ?",
)


def blob_in_use(db: sqlite_utils.Database, fingerprint: str) -> bool:
    return any(db.execute(query, [fingerprint] * query.count("?")).fetchone() for query in _REFERENCES)


async def forget_unused_blob(db: Database, blobs: BlobStore, fingerprint: str) -> None:
    if not await db.read(lambda conn: blob_in_use(conn, fingerprint)):
        await blobs.remove(fingerprint)


def forget_unreferenced_blobs(db: sqlite_utils.Database, blobs: BlobStore) -> int:
    """Remove every blob no version names; run at start-up, before anything can store one."""
    removed = 0
    for fingerprint in blobs.fingerprints():
        if not blob_in_use(db, fingerprint):
            blobs.path(fingerprint).unlink(missing_ok=True)
            removed += 1
    return removed
