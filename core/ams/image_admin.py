"""Registering, versioning and removing images: uploads become operations that check the
package, then make the version active on every node."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from switchyard.ams.v1 import images_pb2 as pb
from switchyard.ams.v1 import transfer_pb2

from core.ams import images
from core.ams.blob_refs import forget_unused_blob
from core.ams.etag import check_if_match
from core.ams.ids import new_id
from core.ams.packages import validate_image_package
from core.ams.uploads import receive_upload, request_details
from core.ams.versions import version_to_delete
from core.errors import FailedPrecondition, InvalidArgument
from core.operations.engine import OperationsEngine, Progress
from core.operations.model import Operation
from core.storage import Database
from core.storage.blobs import Blob, BlobStore


def image_url(image_id: str) -> str:
    return f"/1.0/images/{image_id}"


class ImageAdmin:
    def __init__(self, db: Database, operations: OperationsEngine, blobs: BlobStore, upload_limit: int) -> None:
        self._db = db
        self._operations = operations
        self._blobs = blobs
        self._limit = upload_limit

    async def create(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        header, blob = await receive_upload(requests, self._blobs, self._limit)
        try:
            details = request_details(header)
            name = images.checked_name(details.get("name"))
            make_default = _flag(details.get("default"), "default")
            image_id = new_id()
            version = _new_version(0, blob)
            await self._db.write(lambda db: images.insert_image(db, image_id, name, version))
        except BaseException:
            await self._forget_blob_of(blob.sha256)
            raise
        return await self._check_and_activate("Adding image", image_id, 0, blob, make_default, new_image=True)

    async def add_version(self, requests: AsyncIterator[transfer_pb2.UploadRequest]) -> Operation:
        async def current_etag(header: transfer_pb2.UploadHeader) -> None:
            image = await self._db.read(lambda db: images.find_image(db, header.id))
            check_if_match(header.if_match, image.to_proto([]).etag)

        header, blob = await receive_upload(requests, self._blobs, self._limit, current_etag)
        try:
            details = request_details(header)
            make_default = _flag(details.get("default"), "default")

            def add(db) -> tuple[str, int]:
                image = images.find_image(db, header.id)
                if image.immutable:
                    raise FailedPrecondition("image is immutable", reason="IMAGE_IMMUTABLE")
                number = images.next_version(db, image.id)
                images.insert_version(db, image.id, _new_version(number, blob))
                return image.id, number

            image_id, number = await self._db.write(add)
        except BaseException:
            await self._forget_blob_of(blob.sha256)
            raise
        return await self._check_and_activate("Updating image", image_id, number, blob, make_default, new_image=False)

    async def update(self, request: pb.UpdateImageRequest) -> Operation:
        image = await self._db.read(lambda db: images.find_image(db, request.id))
        check_if_match(request.if_match, image.to_proto([]).etag)
        if request.HasField("default") and not request.default and image.default:
            raise InvalidArgument("the default image stays default until another image is made default",
                                  reason="DEFAULT_IMAGE_REQUIRED", metadata={"field": "default"})

        async def apply(progress: Progress) -> None:
            if request.HasField("default") and request.default:
                await self._db.write(lambda db: images.set_default(db, image.id))

        return await self._operations.launch("Updating image", apply, resources={"images": [image_url(image.id)]})

    async def delete(self, request: pb.DeleteImageRequest, used_by: list[str]) -> Operation:
        image = await self._db.read(lambda db: images.find_image(db, request.id))
        if used_by and not request.force:
            raise FailedPrecondition(f"image {image.name} is used by {', '.join(used_by)}: use force to delete it",
                                     reason="IMAGE_IN_USE")

        async def remove(progress: Progress) -> None:
            await self._db.write(lambda db: images.remove_image(db, image.id))
            for version in image.versions:
                await self._forget_blob_of(version.fingerprint)

        return await self._operations.launch("Deleting image", remove, resources={"images": [image_url(image.id)]})

    async def delete_version(self, request: pb.DeleteImageVersionRequest) -> Operation:
        image = await self._db.read(lambda db: images.find_image(db, request.id))
        version = version_to_delete("image", image.versions, request.version)

        async def remove(progress: Progress) -> None:
            await self._db.write(lambda db: images.remove_version(db, image.id, version.version))
            await self._forget_blob_of(version.fingerprint)

        return await self._operations.launch(
            "Deleting image version", remove, resources={"images": [image_url(image.id)]}
        )

    async def _check_and_activate(
        self, description: str, image_id: str, number: int, blob: Blob, make_default: bool, new_image: bool
    ) -> Operation:
        async def work(progress: Progress) -> None:
            try:
                package = await asyncio.to_thread(validate_image_package, blob.path)
            except BaseException:
                # A package that fails its check leaves nothing behind (nor does a cancel).
                if new_image:
                    await self._db.write(lambda db: images.remove_image(db, image_id))
                else:
                    await self._db.write(lambda db: images.remove_version(db, image_id, number))
                await self._forget_blob_of(blob.sha256)
                raise
            await self._db.write(
                lambda db: images.activate_version(db, image_id, number, package.metadata.architecture, make_default)
            )

        return await self._operations.launch(
            description, work, resources={"images": [image_url(image_id)]}, cancellable=True
        )

    async def _forget_blob_of(self, fingerprint: str) -> None:
        await forget_unused_blob(self._db, self._blobs, fingerprint)


def _new_version(number: int, blob: Blob) -> images.Version:
    return images.Version(number, blob.sha256, blob.size, int(time.time()), images.INITIALIZING)


def _flag(value: object, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidArgument(f"argument {field} is invalid: expected true or false", reason="INVALID_IMAGE",
                              metadata={"field": field})
    return value
