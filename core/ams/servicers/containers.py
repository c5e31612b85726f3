"""The Containers service."""

from __future__ import annotations

import asyncio

import grpc
from switchyard.ams.v1 import containers_pb2 as pb
from switchyard.ams.v1 import containers_pb2_grpc as pb_grpc

from core.ams import containers, nodes
from core.ams.containers import Container, container_url
from core.ams.containers_launch import application_id_named, launch_spec
from core.ams.containers_view import to_proto
from core.ams.exec import exec_request, require_running, run_exec, socket_names
from core.ams.ids import new_id
from core.ams.runtime import ContainerRuntime
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.errors import InvalidArgument, PermissionDenied, SwitchyardError, Unauthenticated
from core.identity import current_caller


class ContainersServicer(pb_grpc.ContainersServicer):
    def __init__(self, ctx: CoreContext, runtime: ContainerRuntime) -> None:
        self._db = ctx.db
        self._operations = ctx.operations
        self._runtime = runtime

    async def ListContainers(self, request: pb.ListContainersRequest, context) -> pb.ContainerList:
        await require_trusted(self._db, current_caller())
        found, node_rows, app_id = await self._db.read(lambda db: (
            containers.all_containers(db), nodes.all_nodes(db),
            application_id_named(db, request.app_name) if request.app_name else None))
        if request.app_name:
            found = [c for c in found if app_id is not None and c.app_id == app_id]
        addresses = {node.name: node.public_address for node in node_rows}
        return pb.ContainerList(containers=[
            self._shown(c, addresses.get(c.node, "")) for c in found if _matches(c, request)])

    async def GetContainer(self, request: pb.GetContainerRequest, context) -> pb.Container:
        await require_trusted(self._db, current_caller())
        container = await self._runtime.get(request.id)
        return self._shown(container, await self._public_address(container.node))

    async def LaunchContainer(self, request: pb.LaunchContainerRequest, context):
        await require_trusted(self._db, current_caller())
        spec = await self._db.read(lambda db: launch_spec(db, request))
        container_id = new_id()

        async def launch(progress) -> None:
            await self._runtime.create(spec, container_id)
            if not request.no_start:
                await self._runtime.start(container_id)

        operation = await self._operations.launch(
            "Creating container", launch, resources={"containers": [container_url(container_id)]})
        return operation.to_proto()

    async def UpdateContainer(self, request: pb.UpdateContainerRequest, context):
        caller = current_caller()
        container = await self._runtime.get(request.id)
        if caller.authorization:
            token = _bearer(caller.authorization)
            if not containers.token_matches(container, token):
                raise PermissionDenied("invalid container token", reason="INVALID_CONTAINER_TOKEN")
            if not request.HasField("status"):
                raise InvalidArgument("status is required", metadata={"field": "status"})

            async def work(progress) -> None:
                await self._runtime.report(container.id, token, request.status, request.error_message)
        elif request.HasField("desired_status"):
            await require_trusted(self._db, caller)
            change = {"running": self._runtime.start, "stopped": self._runtime.stop}.get(request.desired_status)
            if change is None:
                raise InvalidArgument(f"argument desired_status is invalid: {request.desired_status!r} "
                                      "is not running or stopped", metadata={"field": "desired_status"})

            async def work(progress) -> None:
                await change(container.id)
        else:
            raise Unauthenticated("a container reports its status with its bearer token",
                                  reason="CONTAINER_TOKEN_REQUIRED")
        operation = await self._operations.launch(
            "Updating container", work, resources={"containers": [container_url(container.id)]})
        return operation.to_proto()

    async def DeleteContainer(self, request: pb.DeleteContainerRequest, context):
        await require_trusted(self._db, current_caller())
        container = await self._runtime.get(request.id)

        async def delete(progress) -> None:
            await self._runtime.delete(container.id, request.force)

        operation = await self._operations.launch(
            "Deleting container", delete, resources={"containers": [container_url(container.id)]})
        return operation.to_proto()

    async def DeleteContainers(self, request: pb.DeleteContainersRequest, context):
        await require_trusted(self._db, current_caller())
        if not request.ids:
            raise InvalidArgument("ids is required", metadata={"field": "ids"})
        found = [await self._runtime.get(container_id) for container_id in request.ids]

        async def delete_all(progress) -> None:
            # Every container is tried; the first failure is what the operation reports.
            results = await asyncio.gather(
                *(self._runtime.delete(c.id, request.force) for c in found), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result

        operation = await self._operations.launch(
            "Deleting containers", delete_all,
            resources={"containers": [container_url(c.id) for c in found]})
        return operation.to_proto()

    async def ListContainerLogs(self, request: pb.ListContainerLogsRequest, context) -> pb.ContainerLogList:
        await require_trusted(self._db, current_caller())
        container = await self._runtime.get(request.id)
        return pb.ContainerLogList(names=self._runtime.driver.log_names(container.id), id=container.id)

    async def GetContainerLog(self, request: pb.GetContainerLogRequest, context) -> pb.ContainerLog:
        await require_trusted(self._db, current_caller())
        container = await self._runtime.get(request.id)
        path = self._runtime.driver.log_path(container.id, request.name)
        content = await asyncio.to_thread(path.read_bytes)
        return pb.ContainerLog(content_type="text/plain; charset=utf-8", content=content)

    async def ExecContainer(self, request: pb.ExecContainerRequest, context):
        await require_trusted(self._db, current_caller())
        container = await self._runtime.get(request.id)
        wanted = exec_request(list(request.command), dict(request.environment), request.interactive,
                              request.width, request.height)
        require_running(container)
        driver = self._runtime.driver

        async def execute(progress) -> dict:
            return await run_exec(progress, driver, container, wanted)

        operation = await self._operations.launch(
            "Executing command", execute, resources={"containers": [container_url(container.id)]},
            sockets=socket_names(wanted.interactive))
        return operation.to_proto()

    async def _public_address(self, node: str) -> str:
        try:
            return (await self._db.read(lambda db: nodes.load_node(db, node))).public_address
        except SwitchyardError:
            return ""  # the node went away with force; the container is shown all the same

    def _shown(self, container: Container, public_address: str) -> pb.Container:
        return to_proto(container, public_address,
                        stored_logs=self._runtime.driver.log_names(container.id))


def _bearer(authorization: str) -> str:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be a bearer token", reason="CONTAINER_TOKEN_REQUIRED")
    return token.strip()


def _matches(container: Container, request: pb.ListContainersRequest) -> bool:
    wanted = {
        "id": request.id, "name": request.name, "status": request.status, "type": request.type,
        "node": request.node, "app_id": request.app_id, "image_id": request.image_id,
    }
    for key, value in wanted.items():
        if value and getattr(container, key) != value:
            return False
    if request.HasField("app_version") and container.app_version != request.app_version:
        return False
    if request.HasField("image_version") and container.image_version != request.image_version:
        return False
    tags = {tag for tag in request.tags.split(",") if tag}
    return tags <= set(container.tags)


def register(server: grpc.aio.Server, ctx: CoreContext, runtime: ContainerRuntime) -> str:
    pb_grpc.add_ContainersServicer_to_server(ContainersServicer(ctx, runtime), server)
    return pb.DESCRIPTOR.services_by_name["Containers"].full_name
