"""AMS applications and their versions: rows, the views clients see, filters, and what a
container launch needs to know about an application (`launch_target`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from google.protobuf import struct_pb2
from switchyard.ams.v1 import applications_pb2 as pb

from core.ams import images
from core.ams.app_manifest import ApplicationManifest, parse_application_manifest
from core.ams.etag import etag_of
from core.ams.ids import row_id
from core.ams.instance_types import Resources, application_resources, derive_resources
from core.errors import AlreadyExists, FailedPrecondition, NotFound

# Application status codes (the SDK's ApplicationStatus).
APP_ERROR, APP_UNKNOWN, APP_INITIALIZING, APP_READY, APP_DELETED = -1, 0, 1, 2, 3
APP_STATUS_TEXT = {APP_ERROR: "error", APP_UNKNOWN: "unknown", APP_INITIALIZING: "initializing",
                   APP_READY: "ready", APP_DELETED: "deleted"}
# Versions use the image status codes.
VERSION_STATUS_TEXT = images.STATUS_TEXT


def application_url(app_id: str) -> str:
    return f"/1.0/applications/{app_id}"


@dataclass(frozen=True)
class AppVersion:
    number: int
    manifest: dict[str, Any]  # manifest.yaml keys, as validated
    package_fingerprint: str
    parent_image_id: str
    parent_image_version: int
    addons: tuple[tuple[str, int], ...]
    status_code: int
    published: bool
    error_message: str
    image_fingerprint: str
    created_at: int
    has_apk: bool = True

    @property
    def parsed(self) -> ApplicationManifest:
        return parse_application_manifest(self.manifest)


@dataclass(frozen=True)
class Application:
    id: str
    name: str
    status_code: int
    image: str
    instance_type: str
    tags: tuple[str, ...]
    addons: tuple[str, ...]
    resources: dict[str, Any]  # the `resources` block as given (manifest keys)
    node_selector: tuple[str, ...]
    inhibit_auto_updates: bool
    immutable: bool
    vm: bool
    abi: str
    created_at: int
    versions: tuple[AppVersion, ...]

    @property
    def latest(self) -> AppVersion:
        return self.versions[-1]

    def version(self, number: int) -> AppVersion:
        for version in self.versions:
            if version.number == number:
                return version
        raise NotFound(f"application version {number} not found", reason="APPLICATION_VERSION_NOT_FOUND",
                       metadata={"id": self.id, "version": str(number)})

    @property
    def published(self) -> bool:
        return any(v.published for v in self.versions)

    def launch_resources(self) -> Resources:
        return derive_resources(self.instance_type or None, application_resources(self.resources))

    def manifest_of(self, version: AppVersion) -> dict[str, Any]:
        """The version's manifest with the application-level fields as they stand now, so the
        download can be uploaded again as it is."""
        document = dict(version.manifest)
        document["name"] = self.name
        for key, value in (("image", self.image), ("instance-type", self.instance_type),
                           ("tags", list(self.tags)), ("addons", list(self.addons)),
                           ("resources", self.resources), ("node-selector", list(self.node_selector))):
            if value:
                document[key] = value
            else:
                document.pop(key, None)
        return document

    def to_proto(self) -> pb.Application:
        latest = self.latest if self.versions else None
        resources = {"gpu-slots": -1} | self.resources
        message = pb.Application(
            id=self.id, name=self.name, status_code=self.status_code, status=APP_STATUS_TEXT[self.status_code],
            instance_type=self.instance_type, boot_package=latest.parsed.boot_package if latest else "",
            parent_image_id=latest.parent_image_id if latest else "", published=self.published,
            versions=[_version_proto(v) for v in self.versions], addons=self.addons, created_at=self.created_at,
            immutable=self.immutable, tags=self.tags, resources=_struct(resources), abi=self.abi,
            inhibit_auto_updates=self.inhibit_auto_updates, node_selector=self.node_selector, vm=self.vm,
        )
        message.etag = etag_of({"name": self.name, "image": self.image, "instance_type": self.instance_type,
                                "tags": self.tags, "addons": self.addons, "resources": self.resources,
                                "node_selector": self.node_selector,
                                "inhibit_auto_updates": self.inhibit_auto_updates,
                                "versions": [(v.number, v.status_code, v.published) for v in self.versions]})
        return message


def _version_proto(version: AppVersion) -> pb.ApplicationVersion:
    manifest = version.parsed
    return pb.ApplicationVersion(
        number=version.number, manifest_version=manifest.version, parent_image_id=version.parent_image_id,
        parent_image_version=version.parent_image_version, status_code=version.status_code,
        status=VERSION_STATUS_TEXT[version.status_code], published=version.published,
        created_at=version.created_at, boot_activity=manifest.boot_activity,
        required_permissions=manifest.required_permissions,
        addons=_list([{"name": name, "version": number} for name, number in version.addons]),
        extra_data=_struct({item.name: {"target": item.target, "owner": item.owner,
                                        "permissions": item.permissions} for item in manifest.extra_data}),
        error_message=version.error_message, video_encoder=manifest.video_encoder,
        watchdog=_struct({"disabled": manifest.watchdog.disabled,
                          "allowed-packages": list(manifest.watchdog.allowed_packages) or None}),
        services=_list([service_json(s) for s in manifest.services]),
        features=manifest.features,
    )


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def _list(value: list[Any]) -> struct_pb2.ListValue:
    message = struct_pb2.ListValue()
    message.extend(value)
    return message


# Rows ----------------------------------------------------------------------------------------

def insert_application(db: sqlite_utils.Database, app: Application) -> None:
    if db.execute("SELECT 1 FROM ams_applications WHERE name = ?", [app.name]).fetchone():
        raise AlreadyExists(f"application {app.name} already exists", reason="APPLICATION_EXISTS",
                            metadata={"name": app.name})
    db.execute(
        "INSERT INTO ams_applications (id, name, status_code, image, instance_type, tags, addons, resources,"
        " node_selector, inhibit_auto_updates, immutable, vm, abi, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [app.id, app.name, app.status_code, app.image, app.instance_type, json.dumps(app.tags),
         json.dumps(app.addons), json.dumps(app.resources), json.dumps(app.node_selector),
         app.inhibit_auto_updates, app.immutable, app.vm, app.abi, app.created_at],
    )
    for version in app.versions:
        insert_version(db, app.id, version)


def save_application_fields(db: sqlite_utils.Database, app: Application) -> None:
    """Store the application-level fields a JSON PATCH may change."""
    db.execute(
        "UPDATE ams_applications SET image = ?, instance_type = ?, tags = ?, addons = ?, resources = ?,"
        " node_selector = ?, inhibit_auto_updates = ? WHERE id = ?",
        [app.image, app.instance_type, json.dumps(app.tags), json.dumps(app.addons), json.dumps(app.resources),
         json.dumps(app.node_selector), app.inhibit_auto_updates, app.id],
    )


def insert_version(db: sqlite_utils.Database, app_id: str, version: AppVersion) -> None:
    db.execute(
        "INSERT INTO ams_application_versions (app_id, number, manifest, package_fingerprint, parent_image_id,"
        " parent_image_version, addons, status_code, published, error_message, image_fingerprint, created_at,"
        " has_apk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [app_id, version.number, json.dumps(version.manifest, default=str), version.package_fingerprint,
         version.parent_image_id, version.parent_image_version, json.dumps(version.addons),
         version.status_code, version.published, version.error_message, version.image_fingerprint,
         version.created_at, version.has_apk],
    )


def next_version(db: sqlite_utils.Database, app_id: str) -> int:
    row = db.execute("SELECT MAX(number) FROM ams_application_versions WHERE app_id = ?", [app_id]).fetchone()
    return 0 if row[0] is None else row[0] + 1


def set_status(db: sqlite_utils.Database, app_id: str, status_code: int) -> None:
    db.execute("UPDATE ams_applications SET status_code = ? WHERE id = ?", [status_code, app_id])


def finish_version(db: sqlite_utils.Database, app_id: str, number: int, *, status_code: int,
                   error_message: str = "", image_fingerprint: str = "") -> None:
    db.execute(
        "UPDATE ams_application_versions SET status_code = ?, error_message = ?, image_fingerprint = ?"
        " WHERE app_id = ? AND number = ?", [status_code, error_message, image_fingerprint, app_id, number],
    )


def set_published(db: sqlite_utils.Database, app_id: str, number: int, published: bool) -> None:
    db.execute("UPDATE ams_application_versions SET published = ? WHERE app_id = ? AND number = ?",
               [published, app_id, number])


def remove_version(db: sqlite_utils.Database, app_id: str, number: int) -> None:
    db.execute("DELETE FROM ams_application_versions WHERE app_id = ? AND number = ?", [app_id, number])


def remove_application(db: sqlite_utils.Database, app_id: str) -> None:
    db.execute("DELETE FROM ams_applications WHERE id = ?", [app_id])


def find_application(db: sqlite_utils.Database, id_or_name: str) -> Application:
    found = row_id(db, "ams_applications", id_or_name)
    if found is None:
        raise NotFound("application not found", reason="APPLICATION_NOT_FOUND", metadata={"id": id_or_name})
    return load_application(db, found)


def load_application(db: sqlite_utils.Database, app_id: str) -> Application:
    row = db.execute(
        "SELECT id, name, status_code, image, instance_type, tags, addons, resources, node_selector,"
        " inhibit_auto_updates, immutable, vm, abi, created_at FROM ams_applications WHERE id = ?", [app_id],
    ).fetchone()
    if row is None:
        raise NotFound("application not found", reason="APPLICATION_NOT_FOUND", metadata={"id": app_id})
    versions = tuple(
        AppVersion(number, json.loads(manifest), package, parent_id, parent_version,
                   tuple((name, n) for name, n in json.loads(addons)), status, bool(published), error, image,
                   created, bool(has_apk))
        for (number, manifest, package, parent_id, parent_version, addons, status, published, error, image, created,
             has_apk) in db.execute(
            "SELECT number, manifest, package_fingerprint, parent_image_id, parent_image_version, addons,"
            " status_code, published, error_message, image_fingerprint, created_at, has_apk"
            " FROM ams_application_versions WHERE app_id = ? ORDER BY number", [app_id])
    )
    (id_, name, status, image, kind, tags, addons, resources, selector, inhibit, immutable, vm, abi,
     created) = row
    return Application(id_, name, status, image, kind, tuple(json.loads(tags)), tuple(json.loads(addons)),
                       json.loads(resources), tuple(json.loads(selector)), bool(inhibit), bool(immutable),
                       bool(vm), abi, created, versions)


def all_applications(db: sqlite_utils.Database) -> list[Application]:
    return [load_application(db, row[0])
            for row in db.execute("SELECT id FROM ams_applications ORDER BY created_at, id")]


def image_used_by(db: sqlite_utils.Database, image: images.Image) -> list[str]:
    """Names of the applications built on the image, or that will build on it next."""
    rows = db.execute(
        "SELECT DISTINCT a.name FROM ams_applications a LEFT JOIN ams_application_versions v ON v.app_id = a.id"
        " WHERE v.parent_image_id = ? OR a.image IN (?, ?) ORDER BY a.name", [image.id, image.id, image.name],
    )
    return [row[0] for row in rows]


def fail_interrupted_builds(db: sqlite_utils.Database) -> int:
    """Builds a dead process left `initializing` end in error, so that the application can be
    rebuilt or deleted (AC-644: a version must never stay initializing)."""
    rows = db.execute("SELECT app_id, number FROM ams_application_versions WHERE status_code = ?",
                      [images.INITIALIZING]).fetchall()
    for app_id, number in rows:
        finish_version(db, app_id, number, status_code=images.ERROR, error_message="interrupted by shutdown")
        set_status(db, app_id, APP_ERROR)
    return len(rows)


def now() -> int:
    return int(time.time())


# Launching ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LaunchTarget:
    """What a container launched from an application runs: the version's image on the parent
    image, with the application's resources."""

    app_id: str
    app_name: str
    app_version: int
    parent_image_id: str
    parent_image_version: int
    image_fingerprint: str
    resources: Resources
    node_selector: frozenset[str]
    boot_package: str
    boot_activity: str
    video_encoder: str
    services: tuple[dict[str, Any], ...]  # [{name, port, port_end?, protocols, expose}]
    architecture: str  # the parent image's; nodes of another cannot run it


def launch_target(db: sqlite_utils.Database, app_id_or_name: str, app_version: int | None) -> LaunchTarget:
    """The version to launch: the given one (which must be active), or else the latest
    published one; FailedPrecondition when nothing can be launched."""
    app = find_application(db, app_id_or_name)
    if app_version is not None:
        version = app.version(app_version)
        if version.status_code != images.ACTIVE:
            raise FailedPrecondition(f"application {app.name} version {app_version} is "
                                     f"{VERSION_STATUS_TEXT[version.status_code]}, not active",
                                     reason="APPLICATION_VERSION_NOT_READY")
    else:
        published = [v for v in app.versions if v.published and v.status_code == images.ACTIVE]
        if not published:
            raise FailedPrecondition(f"application {app.name} has no published version: publish one or "
                                     "launch a version explicitly", reason="APPLICATION_NOT_PUBLISHED")
        version = published[-1]
    manifest = version.parsed
    return LaunchTarget(app.id, app.name, version.number, version.parent_image_id, version.parent_image_version,
                        version.image_fingerprint, app.launch_resources(), frozenset(app.node_selector),
                        manifest.boot_package, manifest.boot_activity, manifest.video_encoder,
                        tuple(service_json(s) for s in manifest.services),
                        images.find_image(db, version.parent_image_id).architecture)


def service_json(service) -> dict[str, Any]:
    """A manifest service as the API writes it: port_end only when it is a range."""
    return {"name": service.name, "port": service.port, **({"port_end": service.port_end} if service.port_end else {}),
            "protocols": list(service.protocols), "expose": service.expose}
