"""Containers as the document shows them (keys, sizes as "3GB", the node's public address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2
from switchyard.ams.v1 import containers_pb2 as pb

from core.ams.containers import STATUS_TEXT, Container

_UNITS = (("PB", 10**15), ("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3))


def size_text(size: int) -> str:
    """Bytes as AMS writes a size, exact: 3000000000 → "3GB", 4294965097 → "4294965097B"."""
    for unit, factor in _UNITS:
        if size and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


def resources_json(container: Container) -> dict[str, Any]:
    r = container.resources
    shown: dict[str, Any] = {"cpus": r.cpus, "memory": size_text(r.memory),
                             "disk-size": size_text(r.disk_size)}
    # AMS omits empty slot counts.
    if r.gpu_slots:
        shown["gpu-slots"] = r.gpu_slots
    if r.vpu_slots:
        shown["vpu-slots"] = r.vpu_slots
    return shown


def to_proto(container: Container, public_address: str = "", app_name: str = "",
             stored_logs: list[str] | None = None) -> pb.Container:
    message = pb.Container(
        id=container.id, name=container.name, type=container.type,
        status_code=container.status_code, status=STATUS_TEXT[container.status_code],
        node=container.node, app_id=container.app_id, app_name=app_name,
        app_version=container.app_version, image_id=container.image_id,
        image_version=container.image_version, created_at=container.created_at,
        address=container.address, public_address=public_address,
        services=[_service(s) for s in container.services], stored_logs=stored_logs or [],
        error_message=container.error_message, architecture=container.architecture,
        tags=list(container.tags),
    )
    message.config.CopyFrom(_struct(container.config))
    message.resources.CopyFrom(_struct(resources_json(container)))
    return message


def _service(service: Mapping[str, Any]) -> pb.ContainerService:
    return pb.ContainerService(
        name=service["name"], port=service["port"], port_end=service.get("port_end"),
        node_port=service.get("node_port"), node_port_end=service.get("node_port_end"),
        protocols=service["protocols"], expose=service["expose"],
    )


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct
