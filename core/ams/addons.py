"""AMS addons and their versions: rows, lookups and which applications use them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import sqlite_utils
from switchyard.ams.v1 import addons_pb2 as pb

from core.ams.etag import etag_of
from core.errors import AlreadyExists, NotFound


@dataclass(frozen=True)
class AddonVersion:
    version: int
    fingerprint: str
    size: int
    created_at: int


@dataclass(frozen=True)
class Addon:
    name: str
    created_at: int
    versions: tuple[AddonVersion, ...]

    @property
    def latest(self) -> AddonVersion:
        return self.versions[-1]

    def to_proto(self, used_by: list[str]) -> pb.Addon:
        message = pb.Addon(
            name=self.name, used_by=used_by,
            versions=[pb.AddonVersion(version=v.version, fingerprint=v.fingerprint, size=v.size,
                                      created_at=v.created_at) for v in self.versions],
        )
        message.etag = etag_of({"name": self.name, "versions": [v.fingerprint for v in self.versions]})
        return message


def addon_exists(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM ams_addons WHERE name = ?", [name]).fetchone() is not None


def insert_addon(db: sqlite_utils.Database, name: str, version: AddonVersion) -> None:
    if addon_exists(db, name):
        raise AlreadyExists(f"addon {name} already exists", reason="ADDON_EXISTS", metadata={"name": name})
    db.execute("INSERT INTO ams_addons (name, created_at) VALUES (?, ?)", [name, int(time.time())])
    insert_version(db, name, version)


def insert_version(db: sqlite_utils.Database, name: str, version: AddonVersion) -> None:
    db.execute(
        "INSERT INTO ams_addon_versions (addon, version, fingerprint, size, created_at) VALUES (?, ?, ?, ?, ?)",
        [name, version.version, version.fingerprint, version.size, version.created_at],
    )


def next_version(db: sqlite_utils.Database, name: str) -> int:
    row = db.execute("SELECT MAX(version) FROM ams_addon_versions WHERE addon = ?", [name]).fetchone()
    return 0 if row[0] is None else row[0] + 1


def find_addon(db: sqlite_utils.Database, name: str) -> Addon:
    row = db.execute("SELECT name, created_at FROM ams_addons WHERE name = ?", [name]).fetchone()
    if row is None:
        raise NotFound(f"addon {name} not found", reason="ADDON_NOT_FOUND", metadata={"name": name})
    versions = tuple(AddonVersion(*v) for v in db.execute(
        "SELECT version, fingerprint, size, created_at FROM ams_addon_versions WHERE addon = ? ORDER BY version",
        [name],
    ))
    return Addon(row[0], row[1], versions)


def all_addons(db: sqlite_utils.Database) -> list[Addon]:
    return [find_addon(db, row[0]) for row in db.execute("SELECT name FROM ams_addons ORDER BY created_at, name")]


def remove_addon(db: sqlite_utils.Database, name: str) -> None:
    db.execute("DELETE FROM ams_addons WHERE name = ?", [name])


def remove_version(db: sqlite_utils.Database, name: str, version: int) -> None:
    db.execute("DELETE FROM ams_addon_versions WHERE addon = ? AND version = ?", [name, version])


def used_by(db: sqlite_utils.Database, name: str) -> list[str]:
    """Names of the applications that install the addon (their application-level list)."""
    return [app for app, addons in db.execute("SELECT name, addons FROM ams_applications ORDER BY name")
            if name in json.loads(addons)]

