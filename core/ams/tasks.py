"""Tasks: the AMS objects that unfinished operations are working on right now."""

from __future__ import annotations

from switchyard.ams.v1 import tasks_pb2 as pb

from core.operations.model import Operation


def tasks_of(operations: list[Operation]) -> list[pb.Task]:
    tasks = []
    for operation in operations:
        if operation.final:
            continue
        for kind, urls in operation.resources.items():
            for url in urls:
                tasks.append(pb.Task(
                    id=operation.id,
                    status=operation.status.lower(),
                    object_id=url.rstrip("/").rsplit("/", 1)[-1],
                    object_type=kind[:-1] if kind.endswith("s") else kind,
                ))
    return tasks
