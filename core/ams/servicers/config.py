"""The Config service: typed keys, changed one at a time through an operation."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import struct_pb2
from switchyard.ams.v1 import config_pb2 as pb
from switchyard.ams.v1 import config_pb2_grpc as pb_grpc

from core.ams import config
from core.ams.passwords import hash_password
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller


class ConfigServicer(pb_grpc.ConfigServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db
        self._operations = ctx.operations

    async def GetConfig(self, request: pb.GetConfigRequest, context) -> pb.ConfigItems:
        await require_trusted(self._db, current_caller())
        values = struct_pb2.Struct()
        values.update(await self._db.read(config.stored_settings))
        return pb.ConfigItems(config=values)

    async def SetConfig(self, request: pb.SetConfigRequest, context):
        await require_trusted(self._db, current_caller())
        config.parse_setting(request.name, request.value)
        if request.name == config.TRUST_PASSWORD and request.value:
            stored = await asyncio.to_thread(hash_password, request.value)
        else:
            stored = request.value

        async def apply(progress) -> None:
            await self._db.write(lambda db: config.store_setting(db, request.name, stored))

        return (await self._operations.launch("Applying configuration", apply)).to_proto()


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_ConfigServicer_to_server(ConfigServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Config"].full_name
