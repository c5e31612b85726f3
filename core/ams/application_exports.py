"""What leaves AMS about an application version: its manifest (YAML) and its image export (a
plain tar with metadata.yaml and rootfs), both streamed in chunks."""

from __future__ import annotations

import asyncio
import io
import tarfile
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import yaml
from switchyard.ams.v1 import transfer_pb2 as pb

from core.ams import applications as apps
from core.ams import images
from core.errors import FailedPrecondition, InvalidArgument
from core.storage import Database
from core.storage.blobs import READ_CHUNK, BlobStore

APP_DIR = "rootfs/var/lib/anbox/app"


async def manifest_download(db: Database, request: pb.DownloadRequest) -> AsyncIterator[pb.DownloadChunk]:
    app, version = await db.read(lambda db: _version(db, request))
    body = yaml.safe_dump(app.manifest_of(version), sort_keys=False, default_flow_style=False).encode()
    yield pb.DownloadChunk(header=pb.DownloadHeader(content_type="application/x-yaml", size=len(body),
                                                    filename="manifest.yaml"))
    for start in range(0, len(body), READ_CHUNK):
        yield pb.DownloadChunk(data=body[start:start + READ_CHUNK])


async def image_export(db: Database, blobs: BlobStore, request: pb.DownloadRequest,
                       scratch: Path) -> AsyncIterator[pb.DownloadChunk]:
    """The version's image as a tar: the parent image's rootfs with the application's package
    under /var/lib/anbox/app, and a metadata.yaml naming what it was built from. Composed into
    a scratch file (never memory), then streamed and removed."""
    app, version = await db.read(lambda db: _version(db, request))
    if version.status_code != images.ACTIVE:
        raise FailedPrecondition(f"version {version.number} is {apps.VERSION_STATUS_TEXT[version.status_code]}: "
                                 "only an active version has an image", reason="APPLICATION_VERSION_NOT_READY")
    parent = await db.read(lambda db: _parent_blob(db, version))
    # An unnamed file: nothing is left in the scratch folder once the stream ends, however it
    # ends (finished, cancelled, or the process killed), and no thread can recreate it by name.
    with tempfile.TemporaryFile(dir=scratch, suffix=".tar") as composed:
        await asyncio.to_thread(_compose, composed, app, version, blobs, parent)
        yield pb.DownloadChunk(header=pb.DownloadHeader(
            content_type="application/x-tar", size=composed.tell(),
            filename=f"{app.name}-{version.number}.tar"))
        composed.seek(0)
        while chunk := await asyncio.to_thread(composed.read, READ_CHUNK):
            yield pb.DownloadChunk(data=chunk)


def _version(db, request: pb.DownloadRequest) -> tuple[apps.Application, apps.AppVersion]:
    app = apps.find_application(db, request.id)
    if not app.versions:
        raise FailedPrecondition(f"application {app.name} has no version", reason="APPLICATION_VERSION_NOT_FOUND")
    if not request.version:
        return app, app.latest
    try:
        number = int(request.version)
    except ValueError:
        raise InvalidArgument(f"argument version is invalid: {request.version!r} is not a number",
                              metadata={"field": "version"}) from None
    return app, app.version(number)


def _parent_blob(db, version: apps.AppVersion) -> tuple[str, str]:
    """The parent image version's blob fingerprint and architecture ("" when it is gone)."""
    row = db.execute(
        "SELECT v.fingerprint, i.architecture FROM ams_image_versions v JOIN ams_images i ON i.id = v.image_id"
        " WHERE v.image_id = ? AND v.version = ?", [version.parent_image_id, version.parent_image_version],
    ).fetchone()
    return (row[0], row[1]) if row else ("", "")


def _compose(target: BinaryIO, app: apps.Application, version: apps.AppVersion, blobs: BlobStore,
             parent: tuple[str, str]) -> None:
    fingerprint, architecture = parent
    metadata = yaml.safe_dump({
        "architecture": architecture or "x86_64",
        "creation_date": version.created_at,
        "properties": {
            "description": f"{app.name} version {version.number}", "application_id": app.id,
            "application_version": version.number, "parent_image_id": version.parent_image_id,
            "parent_image_version": version.parent_image_version, "fingerprint": version.image_fingerprint,
        },
    }, sort_keys=False).encode()
    with tarfile.open(fileobj=target, mode="w") as out:
        info = tarfile.TarInfo("metadata.yaml")
        info.size, info.mtime = len(metadata), version.created_at
        out.addfile(info, io.BytesIO(metadata))
        root = tarfile.TarInfo("rootfs")
        root.type, root.mode, root.mtime = tarfile.DIRTYPE, 0o755, version.created_at
        out.addfile(root)
        if fingerprint and blobs.path(fingerprint).exists():
            _copy_members(blobs.path(fingerprint), out, "rootfs", "rootfs")
        package = blobs.path(version.package_fingerprint)
        if package.exists():
            _copy_members(package, out, "", APP_DIR)


def _copy_members(source: Path, out: tarfile.TarFile, below: str, into: str) -> None:
    """Copy the members of a checked package under `below` (after its optional single top
    folder) to `into`; the package passed its checks when it was uploaded, so no member
    escapes, and a second pass keeps memory flat whatever its size."""
    prefix = _top_folder(source)

    def relocated(name: str) -> str | None:
        name = (name[len(prefix):] if prefix and name.startswith(prefix) else name).strip("/")
        if below:
            if name != below and not name.startswith(below + "/"):
                return None
            name = name[len(below):].lstrip("/")
        return f"{into}/{name}" if name and name != "." else None

    with tarfile.open(source, "r|*") as tar:
        for member in tar:
            name = relocated(member.name)
            if name is None:
                continue
            member.name = name
            if member.islnk():
                member.linkname = relocated(member.linkname) or into
            out.addfile(member, tar.extractfile(member) if member.isfile() else None)


def _top_folder(source: Path) -> str:
    """"folder/" when every member lives in one top-level folder holding the manifest."""
    with tarfile.open(source, "r|*") as tar:
        tops = {member.name.strip("/").split("/", 1)[0] for member in tar}
    if len(tops) == 1:
        top = tops.pop()
        if top not in ("rootfs", "manifest.yaml", "metadata.yaml"):
            return top + "/"
    return ""
