"""The Nodes service."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import nodes_pb2 as pb
from switchyard.ams.v1 import nodes_pb2_grpc as pb_grpc

from core.ams import nodes
from core.ams.driver import NodeDriver
from core.ams.node_admin import NodeAdmin
from core.ams.runtime import ContainerRuntime
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller


class NodesServicer(pb_grpc.NodesServicer):
    def __init__(self, ctx: CoreContext, driver: NodeDriver,
                 runtime: ContainerRuntime | None = None) -> None:
        self._db = ctx.db
        self._admin = NodeAdmin(ctx.db, ctx.operations, driver, runtime)

    async def ListNodes(self, request: pb.ListNodesRequest, context) -> pb.NodeList:
        await require_trusted(self._db, current_caller())
        found = await self._db.read(nodes.all_nodes)
        return pb.NodeList(nodes=[node.to_proto() for node in found])

    async def GetNode(self, request: pb.GetNodeRequest, context) -> pb.Node:
        await require_trusted(self._db, current_caller())
        return (await self._db.read(lambda db: nodes.load_node(db, request.name))).to_proto()

    async def AddNode(self, request: pb.AddNodeRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.add(request)).to_proto()

    async def UpdateNode(self, request: pb.UpdateNodeRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.update(request)).to_proto()

    async def DeleteNode(self, request: pb.DeleteNodeRequest, context):
        await require_trusted(self._db, current_caller())
        return (await self._admin.delete(request)).to_proto()


def register(server: grpc.aio.Server, ctx: CoreContext, driver: NodeDriver,
             runtime: ContainerRuntime | None = None) -> str:
    pb_grpc.add_NodesServicer_to_server(NodesServicer(ctx, driver, runtime), server)
    return pb.DESCRIPTOR.services_by_name["Nodes"].full_name
