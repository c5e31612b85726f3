"""Creating, updating and removing applications and their versions. Every change that builds a
version is an operation running the bootstrap; a package that fails its check leaves nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import sqlite_utils
from google.protobuf import json_format
from switchyard.ams.v1 import applications_pb2 as pb
from switchyard.ams.v1 import transfer_pb2

from core.ams import addons, images
from core.ams import applications as apps
from core.ams.app_manifest import parse_application_manifest
from core.ams.application_updates import ApplicationUpdate, parse_update, whole_numbers
from core.ams.blob_refs import forget_unused_blob
from core.ams.bootstrap import Bootstrap, enforce_published_limit, forget_versions
from core.ams.config import setting
from core.ams.etag import check_if_match
from core.ams.ids import new_id
from core.ams.manifest_rules import load_manifest
from core.ams.packages import validate_application_package
from core.ams.runtime import ContainerRuntime
from core.ams.uploads import receive_upload, request_details
from core.ams.versions import require_not_last
from core.errors import FailedPrecondition, InvalidArgument
from core.operations.engine import OperationsEngine, Progress
from core.operations.model import Operation
from core.storage import Database
from core.storage.blobs import Blob, BlobStore

url = apps.application_url
# Image architectures as Android ABIs, for applications whose ABI nothing else names.
ABI_OF_ARCHITECTURE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64-v8a", "arm64": "arm64-v8a"}


class ApplicationAdmin:
    def __init__(self, db: Database, operations: OperationsEngine, blobs: BlobStore, upload_limit: int,
                 runtime: ContainerRuntime) -> None:
        self._db = db
        self._operations = operations
        self._blobs = blobs
        self._limit = upload_limit
        self._bootstrap = Bootstrap(db, runtime, self.forget_blob)

    async def create(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        header, blob = await receive_upload(requests, self._blobs, self._limit)
        try:
            request_details(header)  # the SDK sends it empty; anything given must still be JSON
        except BaseException:
            await self.forget_blob(blob.sha256)
            raise
        app_id = new_id()

        async def work(progress: Progress) -> None:
            try:
                document, has_apk = await self._checked_package(blob)
                await self._db.write(lambda db: _insert_new(db, app_id, document, blob, has_apk, header.vm))
            except BaseException:
                await self.forget_blob(blob.sha256)
                raise
            await self._bootstrap.build(app_id, 0)

        return await self._operations.launch("Creating application", work, resources={"applications": [url(app_id)]})

    async def add_version(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        async def current_etag(header: transfer_pb2.UploadHeader) -> None:
            app = await self._db.read(lambda db: apps.find_application(db, header.id))
            check_if_match(header.if_match, app.to_proto().etag)

        header, blob = await receive_upload(requests, self._blobs, self._limit, current_etag)
        try:
            request_details(header)
            app = await self._db.read(lambda db: apps.find_application(db, header.id))
            _not_building(app)
        except BaseException:
            await self.forget_blob(blob.sha256)
            raise

        async def work(progress: Progress) -> None:
            try:
                document, has_apk = await self._checked_package(blob)
                if document.get("name") != app.name:
                    raise InvalidArgument(f"manifest.yaml: name {document.get('name')} does not match the "
                                          f"application {app.name}", reason="INVALID_MANIFEST")
                number = await self._db.write(lambda db: _insert_from_package(db, app.id, document, blob, has_apk))
            except BaseException:
                await self.forget_blob(blob.sha256)
                raise
            await self._bootstrap.build(app.id, number)

        return await self._operations.launch("Updating application", work, resources={"applications": [url(app.id)]})

    async def update(self, request: pb.UpdateApplicationRequest) -> Operation:
        app = await self._db.read(lambda db: apps.find_application(db, request.id))
        check_if_match(request.if_match, app.to_proto().etag)
        fields = dict(whole_numbers(_struct_dict(request.fields)))
        update = parse_update(fields)
        await self._db.read(lambda db: _check_references(db, update.fields))
        if not update.new_version:
            async def apply(progress: Progress) -> None:
                await self._db.write(lambda db: _apply_fields(db, app.id, update))

            return await self._operations.launch("Updating application", apply,
                                                 resources={"applications": [url(app.id)]})
        _not_building(app)
        manifest = app.latest.manifest | update.manifest
        parse_application_manifest(manifest)  # a 400 now rather than a failed build later

        async def rebuild(progress: Progress) -> None:
            number = await self._db.write(lambda db: _insert_rebuild(db, app.id, update, manifest))
            await self._bootstrap.build(app.id, number)

        return await self._operations.launch("Updating application", rebuild,
                                             resources={"applications": [url(app.id)]})

    async def delete(self, request: pb.DeleteApplicationRequest) -> Operation:
        return await self.delete_many(pb.DeleteApplicationsRequest(ids=[request.id], force=request.force),
                                      "Deleting application")

    async def delete_many(self, request: pb.DeleteApplicationsRequest,
                          description: str = "Deleting applications") -> Operation:
        if not request.ids:
            raise InvalidArgument("argument ids is invalid: no application given", metadata={"field": "ids"})

        def check(db) -> list[apps.Application]:
            found = [apps.find_application(db, app_id) for app_id in request.ids]
            for app in found:
                users = _containers_of(db, app.id)
                if users and not request.force:
                    raise FailedPrecondition(f"application {app.name} is used by {len(users)} containers: "
                                             "use force to delete it", reason="APPLICATION_IN_USE")
                if app.versions and app.latest.status_code == images.INITIALIZING and not request.force:
                    raise FailedPrecondition(f"application {app.name} is being built: use force to delete it",
                                             reason="APPLICATION_BUSY")
            return found

        found = await self._db.read(check)

        async def remove(progress: Progress) -> None:
            for app in found:
                await self._db.write(lambda db, app=app: apps.remove_application(db, app.id))
                await forget_versions(list(app.versions), self.forget_blob)

        return await self._operations.launch(description, remove,
                                             resources={"applications": [url(app.id) for app in found]})

    async def update_version(self, request: pb.UpdateApplicationVersionRequest) -> Operation:
        app = await self._db.read(lambda db: apps.find_application(db, request.id))
        version = app.version(request.version)
        if request.published and version.status_code != images.ACTIVE:
            raise FailedPrecondition(f"version {version.number} is {apps.VERSION_STATUS_TEXT[version.status_code]}:"
                                     " only an active version can be published", reason="APPLICATION_VERSION_NOT_READY")

        def publish(db) -> list[apps.AppVersion]:
            apps.set_published(db, app.id, version.number, request.published)
            return enforce_published_limit(db, app.id, keep=version.number) if request.published else []

        async def apply(progress: Progress) -> None:
            await forget_versions(await self._db.write(publish), self.forget_blob)

        return await self._operations.launch("Updating application version", apply,
                                             resources={"applications": [url(app.id)]})

    async def delete_version(self, request: pb.DeleteApplicationVersionRequest) -> Operation:
        app = await self._db.read(lambda db: apps.find_application(db, request.id))
        version = app.version(request.version)
        require_not_last("application", app.versions)
        if version.status_code == images.INITIALIZING:
            raise FailedPrecondition(f"version {version.number} is being built", reason="APPLICATION_BUSY")
        users = await self._db.read(lambda db: _containers_of(db, app.id, version.number))
        if users and not request.force:
            raise FailedPrecondition(f"version {version.number} is used by {len(users)} containers: use force",
                                     reason="APPLICATION_VERSION_IN_USE")

        def remove(db) -> None:
            apps.remove_version(db, app.id, version.number)
            _refresh_status(db, app.id)

        async def apply(progress: Progress) -> None:
            await self._db.write(remove)
            await forget_versions([version], self.forget_blob)

        return await self._operations.launch("Delete application version", apply,
                                             resources={"applications": [url(app.id)]})

    async def forget_blob(self, fingerprint: str) -> None:
        await forget_unused_blob(self._db, self._blobs, fingerprint)

    async def _checked_package(self, blob: Blob) -> tuple[dict, bool]:
        package = await asyncio.to_thread(validate_application_package, blob.path)
        return dict(load_manifest(package.listing.manifest)), package.has_apk


def _struct_dict(struct) -> dict:
    return json_format.MessageToDict(struct)


def _not_building(app: apps.Application) -> None:
    if app.versions and app.latest.status_code == images.INITIALIZING:
        raise FailedPrecondition(f"application {app.name} is being built; try again when it is done",
                                 reason="APPLICATION_BUSY")


def _insert_new(db: sqlite_utils.Database, app_id: str, document: dict, blob: Blob, has_apk: bool,
                vm: bool) -> None:
    manifest = parse_application_manifest(document)
    image = _parent_image(db, manifest.image)
    abi = setting(db, "application.default_abi") or ABI_OF_ARCHITECTURE.get(image.architecture, image.architecture)
    app = apps.Application(
        id=app_id, name=manifest.name, status_code=apps.APP_INITIALIZING, image=manifest.image,
        instance_type=manifest.instance_type, tags=manifest.tags, addons=manifest.addons,
        resources=dict(document.get("resources") or {}), node_selector=manifest.node_selector,
        inhibit_auto_updates=False, immutable=False, vm=vm, abi=abi, created_at=apps.now(), versions=(),
    )
    apps.insert_application(db, app)
    apps.insert_version(db, app_id, _draft_version(db, app, 0, document, blob.sha256, has_apk))


def _insert_from_package(db: sqlite_utils.Database, app_id: str, document: dict, blob: Blob, has_apk: bool) -> int:
    """A package PATCH replaces the manifest: application-level fields come from it too."""
    manifest = parse_application_manifest(document)
    app = apps.load_application(db, app_id)
    _not_building(app)
    app = _with_fields(app, {"image": manifest.image, "instance-type": manifest.instance_type,
                             "tags": list(manifest.tags), "addons": list(manifest.addons),
                             "resources": dict(document.get("resources") or {}),
                             "node_selector": list(manifest.node_selector)})
    apps.save_application_fields(db, app)
    number = apps.next_version(db, app_id)
    apps.insert_version(db, app_id, _draft_version(db, app, number, document, blob.sha256, has_apk))
    apps.set_status(db, app_id, apps.APP_INITIALIZING)
    return number


def _insert_rebuild(db: sqlite_utils.Database, app_id: str, update: ApplicationUpdate, manifest: dict) -> int:
    app = apps.load_application(db, app_id)
    _not_building(app)
    app = _with_fields(app, update.fields)
    apps.save_application_fields(db, app)
    number = apps.next_version(db, app_id)
    latest = app.latest
    apps.insert_version(db, app_id, _draft_version(db, app, number, manifest, latest.package_fingerprint,
                                                   latest.has_apk))
    apps.set_status(db, app_id, apps.APP_INITIALIZING)
    return number


def _apply_fields(db: sqlite_utils.Database, app_id: str, update: ApplicationUpdate) -> None:
    _check_references(db, update.fields)
    apps.save_application_fields(db, _with_fields(apps.load_application(db, app_id), update.fields))


def _with_fields(app: apps.Application, fields: dict) -> apps.Application:
    changes = {"image": fields.get("image"), "instance_type": fields.get("instance-type"),
               "tags": _tuple(fields.get("tags")), "addons": _tuple(fields.get("addons")),
               "resources": fields.get("resources"), "node_selector": _tuple(fields.get("node_selector")),
               "inhibit_auto_updates": fields.get("inhibit_auto_updates")}
    return replace(app, **{key: value for key, value in changes.items() if value is not None})


def _tuple(value) -> tuple | None:
    return None if value is None else tuple(value)


def _check_references(db: sqlite_utils.Database, fields: dict) -> None:
    """An image or addons named by a PATCH must exist."""
    if fields.get("image"):
        images.find_image(db, fields["image"])
    for name in fields.get("addons") or ():
        addons.find_addon(db, name)


def _draft_version(db: sqlite_utils.Database, app: apps.Application, number: int, manifest: dict,
                   package: str, has_apk: bool) -> apps.AppVersion:
    """A version about to be built: its parent image and addons pinned as they are now."""
    image = _parent_image(db, app.image)
    wanted = list(app.addons) + [n for n in _global_addons(db) if n not in app.addons]
    pinned = tuple((addon.name, addon.latest.version) for addon in (addons.find_addon(db, n) for n in wanted))
    return apps.AppVersion(number, manifest, package, image.id, image.versions[-1].version, pinned,
                           images.INITIALIZING, False, "", "", apps.now(), has_apk)


def _parent_image(db: sqlite_utils.Database, name: str) -> images.Image:
    if name:
        return images.find_image(db, name)
    row = db.execute("SELECT id FROM ams_images WHERE is_default = 1").fetchone()
    if row is None:
        raise FailedPrecondition("no image to build the application on: the manifest names none and there is "
                                 "no default image", reason="NO_DEFAULT_IMAGE")
    return images.load_image(db, row[0])


def _global_addons(db: sqlite_utils.Database) -> list[str]:
    """`application.addons`: addons every application gets, comma-separated."""
    return [name.strip() for name in setting(db, "application.addons").split(",") if name.strip()]


def _containers_of(db: sqlite_utils.Database, app_id: str, version: int | None = None) -> list[str]:
    """Regular containers running the application (the containers table may not exist yet)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ams_containers'").fetchone():
        return []
    query = "SELECT id FROM ams_containers WHERE app_id = ? AND type = 'regular'"
    args: list = [app_id]
    if version is not None:
        query += " AND app_version = ?"
        args.append(version)
    return [row[0] for row in db.execute(query, args)]


def _refresh_status(db: sqlite_utils.Database, app_id: str) -> None:
    """The application's status follows its newest version once a version is removed."""
    app = apps.load_application(db, app_id)
    status = {images.ACTIVE: apps.APP_READY, images.ERROR: apps.APP_ERROR}.get(app.latest.status_code)
    if status is not None:
        apps.set_status(db, app_id, status)
