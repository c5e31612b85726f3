"""The Images service."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import images_pb2 as pb
from switchyard.ams.v1 import images_pb2_grpc as pb_grpc

from core.ams import images
from core.ams.applications import image_used_by
from core.ams.image_admin import ImageAdmin
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller


class ImagesServicer(pb_grpc.ImagesServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db
        self._admin = ImageAdmin(ctx.db, ctx.operations, ctx.blobs, ctx.config.max_upload_size)

    async def ListImages(self, request: pb.ListImagesRequest, context) -> pb.ImageList:
        await require_trusted(self._db, current_caller())

        def listed(db) -> list[pb.Image]:
            found = images.all_images(db)
            if request.HasField("default"):
                found = [image for image in found if image.default == request.default]
            return [image.to_proto(image_used_by(db, image)) for image in found]

        return pb.ImageList(images=await self._db.read(listed))

    async def GetImage(self, request: pb.GetImageRequest, context) -> pb.Image:
        await require_trusted(self._db, current_caller())
        return await self._db.read(lambda db: _shown(db, request.id))

    async def CreateImage(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.create(request_iterator)).to_proto()

    async def AddImageVersion(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.add_version(request_iterator)).to_proto()

    async def UpdateImage(self, request: pb.UpdateImageRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.update(request)).to_proto()

    async def DeleteImage(self, request: pb.DeleteImageRequest, context):
        await require_trusted(self._db, current_caller())
        # Applications built on the image keep it unless the deletion is forced.
        used_by = await self._db.read(lambda db: _shown(db, request.id).used_by)
        return (await self._admin.delete(request, used_by=list(used_by))).to_proto()

    async def DeleteImageVersion(self, request: pb.DeleteImageVersionRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete_version(request)).to_proto()


def _shown(db, id_or_name: str) -> pb.Image:
    image = images.find_image(db, id_or_name)
    return image.to_proto(image_used_by(db, image))


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_ImagesServicer_to_server(ImagesServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Images"].full_name
