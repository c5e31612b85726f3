"""gRPC face of the AMS domain."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import service_pb2 as pb
from switchyard.ams.v1 import service_pb2_grpc as pb_grpc

from core.ams import service_info
from core.ams.metrics import ams_metrics
from core.ams.trust import require_trusted, trust_level
from core.context import CoreContext
from core.identity import current_caller
from core.metrics import render


class AmsServicer(pb_grpc.AmsServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db

    async def ListApiVersions(self, request: pb.ListApiVersionsRequest, context) -> pb.ApiVersions:
        return pb.ApiVersions(urls=[f"/{service_info.API_VERSION}"])

    async def GetServiceInfo(self, request: pb.GetServiceInfoRequest, context) -> pb.ServiceInfo:
        caller = current_caller()
        auth = await self._db.read(lambda db: trust_level(db, caller))
        return pb.ServiceInfo(
            api_extensions=service_info.API_EXTENSIONS,
            api_status=service_info.API_STATUS,
            api_version=service_info.API_VERSION,
            auth=auth,
            auth_methods=service_info.AUTH_METHODS,
        )

    async def GetVersion(self, request: pb.GetVersionRequest, context) -> pb.Version:
        return pb.Version(version=service_info.AMS_VERSION)

    async def GetMetrics(self, request: pb.GetMetricsRequest, context) -> pb.MetricsText:
        await require_trusted(self._db, current_caller())
        families = await self._db.read(ams_metrics)
        return pb.MetricsText(text=render(families).decode())


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_AmsServicer_to_server(AmsServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Ams"].full_name
