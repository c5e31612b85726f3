"""The Applications service."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import applications_pb2 as pb
from switchyard.ams.v1 import applications_pb2_grpc as pb_grpc

from core.ams import applications as apps
from core.ams.application_admin import ApplicationAdmin
from core.ams.application_exports import image_export, manifest_download
from core.ams.runtime import ContainerRuntime
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller
from core.storage.database import transaction


class ApplicationsServicer(pb_grpc.ApplicationsServicer):
    def __init__(self, ctx: CoreContext, runtime: ContainerRuntime) -> None:
        self._db = ctx.db
        self._blobs = ctx.blobs
        # Exports are composed here; leftovers of a dead process go with the other incomplete files.
        self._scratch = ctx.blobs.root / "incoming"
        self._admin = ApplicationAdmin(ctx.db, ctx.operations, ctx.blobs, ctx.config.max_upload_size, runtime)

    async def ListApplications(self, request: pb.ListApplicationsRequest, context) -> pb.ApplicationList:
        await require_trusted(self._db, current_caller())
        found = [app.to_proto() for app in await self._db.read(apps.all_applications)]
        return pb.ApplicationList(applications=[app for app in found if matches(app, request)])

    async def GetApplication(self, request: pb.GetApplicationRequest, context) -> pb.Application:
        await require_trusted(self._db, current_caller())
        return (await self._db.read(lambda db: apps.find_application(db, request.id))).to_proto()

    async def CreateApplication(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.create(request_iterator)).to_proto()

    async def AddApplicationVersion(self, request_iterator, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.add_version(request_iterator)).to_proto()

    async def UpdateApplication(self, request: pb.UpdateApplicationRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.update(request)).to_proto()

    async def DeleteApplication(self, request: pb.DeleteApplicationRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete(request)).to_proto()

    async def DeleteApplications(self, request: pb.DeleteApplicationsRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete_many(request)).to_proto()

    async def UpdateApplicationVersion(self, request: pb.UpdateApplicationVersionRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.update_version(request)).to_proto()

    async def DeleteApplicationVersion(self, request: pb.DeleteApplicationVersionRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete_version(request)).to_proto()

    async def DownloadManifest(self, request, context):
        await require_trusted(self._db, current_caller())
        async for chunk in manifest_download(self._db, request):
            yield chunk

    async def ExportApplicationVersion(self, request, context):
        await require_trusted(self._db, current_caller())
        async for chunk in image_export(self._db, self._blobs, request, self._scratch):
            yield chunk


def matches(app: pb.Application, wanted: pb.ListApplicationsRequest) -> bool:
    """The SDK's list filters; a filter that matches nothing gives an empty list (LP 2065401)."""
    if wanted.status and wanted.status not in (app.status, str(app.status_code)):
        return False
    text_filters = (("id", app.id), ("name", app.name),
                    ("instance_type", app.instance_type), ("boot_package", app.boot_package), ("abi", app.abi))
    for field, value in text_filters:
        if getattr(wanted, field) and getattr(wanted, field) != value:
            return False
    for field in ("published", "immutable", "inhibit_auto_updates"):
        if wanted.HasField(field) and getattr(wanted, field) != getattr(app, field):
            return False
    for field, have in (("addons", app.addons), ("tags", app.tags)):
        needed = {item.strip() for item in getattr(wanted, field).split(",") if item.strip()}
        if not needed <= set(have):
            return False
    # Images here carry no variant: only an empty variant filter matches.
    return not wanted.parent_image_variant


def register(server: grpc.aio.Server, ctx: CoreContext, runtime: ContainerRuntime) -> str:
    ctx.db.run_sync(_fail_interrupted_builds)
    pb_grpc.add_ApplicationsServicer_to_server(ApplicationsServicer(ctx, runtime), server)
    return pb.DESCRIPTOR.services_by_name["Applications"].full_name


def _fail_interrupted_builds(db) -> None:
    with transaction(db):
        apps.fail_interrupted_builds(db)
