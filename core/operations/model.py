"""Operations as records: status codes, classes, and their proto form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from switchyard.operations.v1 import operations_pb2 as pb

# Status codes and texts of the AMS document (LXD's table).
CREATED, STARTED, STOPPED, RUNNING, CANCELLING, PENDING = 100, 101, 102, 103, 104, 105
SUCCESS, FAILURE, CANCELLED = 200, 400, 401
STATUS_TEXT = {
    100: "Operation created",
    101: "Started",
    102: "Stopped",
    103: "Running",
    104: "Cancelling",
    105: "Pending",
    106: "Starting",
    107: "Stopping",
    108: "Aborting",
    109: "Freezing",
    110: "Frozen",
    111: "Thawed",
    200: "Success",
    400: "Failure",
    401: "Cancelled",
}

TASK, WEBSOCKET, TOKEN = "task", "websocket", "token"
CLASSES = (TASK, WEBSOCKET, TOKEN)


def is_final(status_code: int) -> bool:
    return status_code >= SUCCESS


@dataclass(frozen=True)
class Operation:
    id: str
    class_: str
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status_code: int = CREATED
    resources: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    may_cancel: bool = False
    err: str = ""

    @property
    def status(self) -> str:
        return STATUS_TEXT[self.status_code]

    @property
    def final(self) -> bool:
        return is_final(self.status_code)

    def moved_to(self, status_code: int, **changes: Any) -> Operation:
        return replace(self, status_code=status_code, updated_at=now(), **changes)

    def to_proto(self) -> pb.Operation:
        message = pb.Operation(
            id=self.id,
            description=self.description,
            created_at=timestamp(self.created_at),
            updated_at=timestamp(self.updated_at),
            status=self.status,
            status_code=self.status_code,
            may_cancel=self.may_cancel,
            err=self.err,
        )
        setattr(message, "class", self.class_)
        if self.resources:
            message.resources.CopyFrom(_struct(self.resources))
        if self.metadata is not None:
            message.metadata.CopyFrom(_struct(self.metadata))
        return message


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def timestamp(value: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message
