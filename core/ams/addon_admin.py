"""Adding, versioning and removing addons: uploads become operations that check the package
before anything is recorded, so a bad package leaves nothing behind."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from switchyard.ams.v1 import addons_pb2 as pb
from switchyard.ams.v1 import transfer_pb2

from core.ams import addons
from core.ams.blob_refs import forget_unused_blob
from core.ams.etag import check_if_match
from core.ams.manifest_rules import NAME
from core.ams.packages import validate_addon_package
from core.ams.uploads import receive_upload, request_details
from core.ams.versions import version_to_delete
from core.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from core.operations.engine import OperationsEngine, Progress
from core.operations.model import Operation
from core.storage import Database
from core.storage.blobs import Blob, BlobStore


def addon_url(name: str) -> str:
    return f"/1.0/addons/{name}"


class AddonAdmin:
    def __init__(self, db: Database, operations: OperationsEngine, blobs: BlobStore, upload_limit: int) -> None:
        self._db = db
        self._operations = operations
        self._blobs = blobs
        self._limit = upload_limit

    async def create(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        header, blob = await receive_upload(requests, self._blobs, self._limit)
        try:
            name = request_details(header).get("name")
            if not isinstance(name, str) or not NAME.match(name):
                raise InvalidArgument(f"argument name is invalid: {name!r}", reason="INVALID_ADDON",
                                      metadata={"field": "name"})
            if await self._db.read(lambda db: addons.addon_exists(db, name)):
                raise AlreadyExists(f"addon {name} already exists", reason="ADDON_EXISTS", metadata={"name": name})
        except BaseException:
            await self.forget_blob(blob.sha256)
            raise

        async def work(progress: Progress) -> None:
            await self._checked(blob, name)
            version = _new_version(0, blob)
            await self._db.write(lambda db: addons.insert_addon(db, name, version))

        return await self._launch("Creating addon", name, work, blob)

    async def add_version(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        async def current_etag(header: transfer_pb2.UploadHeader) -> None:
            addon = await self._db.read(lambda db: addons.find_addon(db, header.id))
            check_if_match(header.if_match, addon.to_proto([]).etag)

        header, blob = await receive_upload(requests, self._blobs, self._limit, current_etag)
        try:
            request_details(header)  # {} by the document; still refused when malformed
            addon = await self._db.read(lambda db: addons.find_addon(db, header.id))
        except BaseException:
            await self.forget_blob(blob.sha256)
            raise

        async def work(progress: Progress) -> None:
            await self._checked(blob, addon.name)

            def add(db) -> None:
                addons.find_addon(db, addon.name)  # still there after the check
                addons.insert_version(db, addon.name, _new_version(addons.next_version(db, addon.name), blob))

            await self._db.write(add)

        return await self._launch("Updating addon", addon.name, work, blob)

    async def delete(self, request: pb.DeleteAddonRequest) -> Operation:
        addon = await self._db.read(lambda db: addons.find_addon(db, request.name))
        users = await self._db.read(lambda db: addons.used_by(db, addon.name))
        if users and not request.force:
            raise FailedPrecondition(f"addon {addon.name} is used by {', '.join(users)}: use force to delete it",
                                     reason="ADDON_IN_USE", metadata={"name": addon.name})

        async def remove(progress: Progress) -> None:
            await self._db.write(lambda db: addons.remove_addon(db, addon.name))
            for version in addon.versions:
                await self.forget_blob(version.fingerprint)

        return await self._operations.launch("Deleting addon", remove, resources={"addons": [addon_url(addon.name)]})

    async def delete_version(self, request: pb.DeleteAddonVersionRequest) -> Operation:
        addon = await self._db.read(lambda db: addons.find_addon(db, request.name))
        version = version_to_delete("addon", addon.versions, request.version)

        async def remove(progress: Progress) -> None:
            await self._db.write(lambda db: addons.remove_version(db, addon.name, version.version))
            await self.forget_blob(version.fingerprint)

        return await self._operations.launch("Deleting addon version", remove,
                                             resources={"addons": [addon_url(addon.name)]})

    async def _checked(self, blob: Blob, name: str) -> None:
        await asyncio.to_thread(validate_addon_package, blob.path, expected_name=name)

    async def _launch(self, description: str, name: str, work, blob: Blob) -> Operation:
        async def guarded(progress: Progress) -> None:
            try:
                await work(progress)
            except BaseException:
                # A package that fails its check (or a cancel) leaves nothing behind.
                await self.forget_blob(blob.sha256)
                raise

        return await self._operations.launch(description, guarded, resources={"addons": [addon_url(name)]},
                                             cancellable=True)

    async def forget_blob(self, fingerprint: str) -> None:
        await forget_unused_blob(self._db, self._blobs, fingerprint)


def _new_version(number: int, blob: Blob) -> addons.AddonVersion:
    return addons.AddonVersion(number, blob.sha256, blob.size, int(time.time()))
