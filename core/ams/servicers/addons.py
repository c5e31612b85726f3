"""The Addons service."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import addons_pb2 as pb
from switchyard.ams.v1 import addons_pb2_grpc as pb_grpc

from core.ams import addons
from core.ams.addon_admin import AddonAdmin
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller


class AddonsServicer(pb_grpc.AddonsServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db
        self._admin = AddonAdmin(ctx.db, ctx.operations, ctx.blobs, ctx.config.max_upload_size)

    async def ListAddons(self, request: pb.ListAddonsRequest, context) -> pb.AddonList:
        await require_trusted(self._db, current_caller())

        def listed(db) -> list[pb.Addon]:
            return [addon.to_proto(addons.used_by(db, addon.name)) for addon in addons.all_addons(db)]

        return pb.AddonList(addons=await self._db.read(listed))

    async def GetAddon(self, request: pb.GetAddonRequest, context) -> pb.Addon:
        await require_trusted(self._db, current_caller())

        def shown(db) -> pb.Addon:
            addon = addons.find_addon(db, request.name)
            return addon.to_proto(addons.used_by(db, addon.name))

        return await self._db.read(shown)

    async def CreateAddon(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.create(request_iterator)).to_proto()

    async def AddAddonVersion(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.add_version(request_iterator)).to_proto()

    async def DeleteAddon(self, request: pb.DeleteAddonRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete(request)).to_proto()

    async def DeleteAddonVersion(self, request: pb.DeleteAddonVersionRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete_version(request)).to_proto()


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_AddonsServicer_to_server(AddonsServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Addons"].full_name
