"""AMS images and their versions: rows, statuses, the single default image."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sqlite_utils
from switchyard.ams.v1 import images_pb2 as pb

from core.ams.etag import etag_of
from core.ams.ids import row_id
from core.errors import AlreadyExists, InvalidArgument, NotFound

# ImageStatus codes, shared with application versions.
ERROR, UNKNOWN, INITIALIZING, CREATED, ACTIVE, DELETED, AVAILABLE = -1, 0, 1, 2, 3, 4, 5
STATUS_TEXT = {
    ERROR: "error", UNKNOWN: "unknown", INITIALIZING: "initializing", CREATED: "created",
    ACTIVE: "active", DELETED: "deleted", AVAILABLE: "available",
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class Version:
    version: int
    fingerprint: str
    size: int
    created_at: int
    status_code: int
    remote_id: str = ""


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    status_code: int
    immutable: bool
    default: bool
    architecture: str
    type: str
    created_at: int
    versions: tuple[Version, ...]

    def to_proto(self, used_by: list[str]) -> pb.Image:
        message = pb.Image(
            id=self.id, name=self.name, status_code=self.status_code, status=STATUS_TEXT[self.status_code],
            used_by=used_by, immutable=self.immutable, default=self.default,
            architecture=self.architecture, type=self.type,
            versions=[
                pb.ImageVersion(
                    version=v.version, fingerprint=v.fingerprint, size=v.size, created_at=v.created_at,
                    status_code=v.status_code, status=STATUS_TEXT[v.status_code], remote_id=v.remote_id,
                )
                for v in self.versions
            ],
        )
        message.etag = etag_of({"name": self.name, "default": self.default,
                                "versions": [v.fingerprint for v in self.versions]})
        return message


def checked_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidArgument(f"argument name is invalid: {name!r}", reason="INVALID_IMAGE", metadata={"field": "name"})
    return name


def insert_image(db: sqlite_utils.Database, image_id: str, name: str, version: Version) -> None:
    if db.execute("SELECT 1 FROM ams_images WHERE name = ?", [name]).fetchone():
        raise AlreadyExists(f"image {name} already exists", reason="IMAGE_EXISTS", metadata={"name": name})
    db.execute(
        "INSERT INTO ams_images (id, name, status_code, created_at) VALUES (?, ?, ?, ?)",
        [image_id, name, INITIALIZING, int(time.time())],
    )
    insert_version(db, image_id, version)


def insert_version(db: sqlite_utils.Database, image_id: str, version: Version) -> None:
    db.execute(
        "INSERT INTO ams_image_versions (image_id, version, fingerprint, size, created_at, status_code, remote_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [image_id, version.version, version.fingerprint, version.size, version.created_at,
         version.status_code, version.remote_id],
    )


def next_version(db: sqlite_utils.Database, image_id: str) -> int:
    row = db.execute("SELECT MAX(version) FROM ams_image_versions WHERE image_id = ?", [image_id]).fetchone()
    return 0 if row[0] is None else row[0] + 1


def find_image(db: sqlite_utils.Database, id_or_name: str) -> Image:
    found = row_id(db, "ams_images", id_or_name)
    if found is None:
        raise NotFound("image not found", reason="IMAGE_NOT_FOUND", metadata={"id": id_or_name})
    return load_image(db, found)


def load_image(db: sqlite_utils.Database, image_id: str) -> Image:
    row = db.execute(
        "SELECT id, name, status_code, immutable, is_default, architecture, type, created_at"
        " FROM ams_images WHERE id = ?", [image_id],
    ).fetchone()
    if row is None:
        raise NotFound("image not found", reason="IMAGE_NOT_FOUND", metadata={"id": image_id})
    versions = tuple(
        Version(*version) for version in db.execute(
            "SELECT version, fingerprint, size, created_at, status_code, remote_id"
            " FROM ams_image_versions WHERE image_id = ? ORDER BY version", [image_id],
        )
    )
    id_, name, status_code, immutable, is_default, architecture, type_, created_at = row
    return Image(id_, name, status_code, bool(immutable), bool(is_default), architecture, type_, created_at, versions)


def all_images(db: sqlite_utils.Database) -> list[Image]:
    return [load_image(db, row[0]) for row in db.execute("SELECT id FROM ams_images ORDER BY created_at, id")]


def activate_version(db: sqlite_utils.Database, image_id: str, version: int, architecture: str,
                     make_default: bool) -> None:
    """A checked version is on every node: it and its image become active."""
    db.execute("UPDATE ams_image_versions SET status_code = ? WHERE image_id = ? AND version = ?",
               [ACTIVE, image_id, version])
    db.execute("UPDATE ams_images SET status_code = ?, architecture = ? WHERE id = ?",
               [ACTIVE, architecture, image_id])
    no_default = db.execute("SELECT 1 FROM ams_images WHERE is_default = 1").fetchone() is None
    if make_default or no_default:
        set_default(db, image_id)


def set_default(db: sqlite_utils.Database, image_id: str) -> None:
    db.execute("UPDATE ams_images SET is_default = (id = ?)", [image_id])


def remove_version(db: sqlite_utils.Database, image_id: str, version: int) -> None:
    db.execute("DELETE FROM ams_image_versions WHERE image_id = ? AND version = ?", [image_id, version])


def remove_image(db: sqlite_utils.Database, image_id: str) -> None:
    """Remove the image; when it was the default, the newest remaining active image takes over."""
    was_default = db.execute("SELECT is_default FROM ams_images WHERE id = ?", [image_id]).fetchone()
    db.execute("DELETE FROM ams_images WHERE id = ?", [image_id])
    if was_default and was_default[0]:
        row = db.execute(
            "SELECT id FROM ams_images WHERE status_code = ? ORDER BY created_at DESC, id DESC LIMIT 1", [ACTIVE]
        ).fetchone()
        if row:
            set_default(db, row[0])
