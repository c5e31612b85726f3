"""The Tasks service."""

from __future__ import annotations

import grpc
from switchyard.ams.v1 import tasks_pb2 as pb
from switchyard.ams.v1 import tasks_pb2_grpc as pb_grpc

from core.ams.tasks import tasks_of
from core.ams.trust import require_trusted
from core.context import CoreContext
from core.identity import current_caller


class TasksServicer(pb_grpc.TasksServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db
        self._operations = ctx.operations

    async def ListTasks(self, request: pb.ListTasksRequest, context) -> pb.TaskList:
        await require_trusted(self._db, current_caller())
        return pb.TaskList(tasks=tasks_of(await self._operations.list()))


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_TasksServicer_to_server(TasksServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Tasks"].full_name
