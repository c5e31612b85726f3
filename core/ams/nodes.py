"""AMS nodes: validation of what the document lets a client set, and their rows."""

from __future__ import annotations

import ipaddress
import json
import re
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import sqlite_utils
from switchyard.ams.v1 import nodes_pb2 as pb

from core.ams.etag import etag_of
from core.ams.sizes import parse_size
from core.errors import AlreadyExists, InvalidArgument, NotFound

ERROR, UNKNOWN, CREATED, INITIALIZING, INITIALIZED, ONLINE, OFFLINE, DELETED = -1, 0, 1, 2, 3, 4, 5, 6
STATUS_TEXT = {
    ERROR: "error", UNKNOWN: "unknown", CREATED: "created", INITIALIZING: "initializing",
    INITIALIZED: "initialized", ONLINE: "online", OFFLINE: "offline", DELETED: "deleted",
}

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_IFNAME = re.compile(r"^[A-Za-z0-9_-]{1,15}$")


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    public_address: str
    network_bridge_mtu: int
    cpus: int
    cpu_allocation_rate: float
    memory: str
    memory_allocation_rate: float
    status_code: int
    is_master: bool
    disk_size: str
    gpu_slots: int
    gpu_encoder_slots: int
    tags: tuple[str, ...]
    unschedulable: bool
    architecture: str
    storage_pool: str
    managed: bool
    network_name: str
    network_subnet: str
    driver: str
    created_at: int

    def writable(self) -> dict[str, Any]:
        """The part a PATCH can change: what the ETag covers."""
        return {
            "public_address": self.public_address, "cpus": self.cpus,
            "cpu_allocation_rate": self.cpu_allocation_rate, "memory": self.memory,
            "memory_allocation_rate": self.memory_allocation_rate, "gpu_slots": self.gpu_slots,
            "gpu_encoder_slots": self.gpu_encoder_slots, "tags": list(self.tags),
            "unschedulable": self.unschedulable,
        }

    def to_proto(self) -> pb.Node:
        return pb.Node(
            name=self.name, address=self.address, public_address=self.public_address,
            network_bridge_mtu=self.network_bridge_mtu, cpus=self.cpus,
            cpu_allocation_rate=self.cpu_allocation_rate, memory=self.memory,
            memory_allocation_rate=self.memory_allocation_rate, status_code=self.status_code,
            status=STATUS_TEXT[self.status_code], is_master=self.is_master, disk_size=self.disk_size,
            gpu_slots=self.gpu_slots, gpu_encoder_slots=self.gpu_encoder_slots, tags=self.tags,
            unscheduable=self.unschedulable, unschedulable=self.unschedulable,
            architecture=self.architecture, storage_pool=self.storage_pool, managed=self.managed,
            driver=self.driver, etag=etag_of(self.writable()),
        )


def new_node(request: pb.AddNodeRequest, driver: str) -> Node:
    """A node as requested, in state `created`; what the request leaves open the driver fills."""
    name = _required(request.name, "name")
    if not _NAME.match(name):
        raise _invalid("name", f"{name!r} is not a valid node name")
    address = _host(_required(request.address, "address"), "address")
    return Node(
        name=name,
        address=address,
        public_address=_host(request.public_address, "public_address") if request.public_address else address,
        network_bridge_mtu=_bounded(request, "network_bridge_mtu", 1500, 1280, 9000),
        cpus=_bounded(request, "cpus", 0, 1, 100_000),
        cpu_allocation_rate=_bounded(request, "cpu_allocation_rate", 4, 1, 1000),
        memory=_size(request.memory, "memory") if request.memory else "",
        memory_allocation_rate=_bounded(request, "memory_allocation_rate", 2, 1, 1000),
        status_code=CREATED,
        is_master=False,
        disk_size="",
        gpu_slots=_bounded(request, "gpu_slots", 0, 0, 10_000),
        gpu_encoder_slots=_bounded(request, "gpu_encoder_slots", 0, 0, 10_000),
        tags=_tags(list(request.tags)),
        unschedulable=False,
        architecture="",
        storage_pool=request.storage_pool or "ams0",
        managed=not request.unmanaged,
        network_name=_ifname(request.network_name or "amsbr0"),
        network_subnet=_subnet(request.network_subnet or "192.168.100.1/24"),
        driver=driver,
        created_at=int(time.time()),
    )


def check_storage_device(device: str) -> None:
    if device and not device.startswith("/dev/"):
        raise _invalid("storage_device", f"{device!r} is not a device path under /dev/")


def updated(node: Node, request: pb.UpdateNodeRequest) -> Node:
    """`node` with the fields the PATCH gives; `null` and absent fields keep their value."""
    changes: dict[str, Any] = {}
    if request.HasField("public_address"):
        changes["public_address"] = _host(request.public_address, "public_address")
    for field, low, high in (
        ("cpus", 1, 100_000), ("cpu_allocation_rate", 1, 1000), ("memory_allocation_rate", 1, 1000),
        ("gpu_slots", 0, 10_000), ("gpu_encoder_slots", 0, 10_000),
    ):
        if request.HasField(field):
            changes[field] = _within(getattr(request, field), field, low, high)
    if request.HasField("memory"):
        changes["memory"] = _size(request.memory, "memory")
    if request.HasField("tags"):
        values = [item for item in request.tags]
        if not all(isinstance(item, str) for item in values):
            raise _invalid("tags", "tags must be strings")
        changes["tags"] = _tags(values)
    for field in ("unscheduable", "unschedulable"):
        if request.HasField(field):
            changes["unschedulable"] = getattr(request, field)
    return replace(node, **changes)


def insert_node(db: sqlite_utils.Database, node: Node) -> Node:
    if db.execute("SELECT 1 FROM ams_nodes WHERE name = ?", [node.name]).fetchone():
        raise AlreadyExists(f"node {node.name} already exists", reason="NODE_EXISTS", metadata={"name": node.name})
    if db.execute("SELECT 1 FROM ams_nodes WHERE address = ?", [node.address]).fetchone():
        raise AlreadyExists(f"a node with address {node.address} already exists", reason="NODE_EXISTS",
                            metadata={"address": node.address})
    first = db.execute("SELECT COUNT(*) FROM ams_nodes").fetchone()[0] == 0
    node = replace(node, is_master=first)
    db.table("ams_nodes").insert(_row(node))
    return node


def save_node(db: sqlite_utils.Database, node: Node) -> None:
    db.table("ams_nodes").update(node.name, _row(node))


def load_node(db: sqlite_utils.Database, name: str) -> Node:
    rows = list(db.query("SELECT * FROM ams_nodes WHERE name = ?", [name]))
    if not rows:
        raise NotFound("node not found", reason="NODE_NOT_FOUND", metadata={"name": name})
    return _node(rows[0])


def all_nodes(db: sqlite_utils.Database) -> list[Node]:
    return [_node(row) for row in db.query("SELECT * FROM ams_nodes ORDER BY name")]


def remove_node(db: sqlite_utils.Database, name: str) -> None:
    db.execute("DELETE FROM ams_nodes WHERE name = ?", [name])


def fail_interrupted_joins(db: sqlite_utils.Database) -> None:
    """A join cut off by a restart will never finish: such nodes are in error."""
    db.execute("UPDATE ams_nodes SET status_code = ? WHERE status_code IN (?, ?)", [ERROR, CREATED, INITIALIZING])


def _row(node: Node) -> dict[str, Any]:
    row = asdict(node)
    row["tags"] = json.dumps(list(node.tags))
    return row


def _node(row: dict[str, Any]) -> Node:
    values = dict(row)
    values["tags"] = tuple(json.loads(values["tags"]))
    for flag in ("is_master", "unschedulable", "managed"):
        values[flag] = bool(values[flag])
    return Node(**values)


def _invalid(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(f"argument {field} is invalid: {message}", reason="INVALID_NODE",
                           metadata={"field": field})


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument(f"{field} is required", reason="INVALID_NODE", metadata={"field": field})
    return value.strip()


def _host(value: str, field: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        if _HOST.match(value):
            return value
    raise _invalid(field, f"{value!r} is neither an IP address nor a host name")


def _bounded(request: pb.AddNodeRequest, field: str, default: float, low: float, high: float):
    if not request.HasField(field):
        return default
    return _within(getattr(request, field), field, low, high)


def _within(value, field: str, low: float, high: float):
    if not low <= value <= high:
        raise _invalid(field, f"{value} is outside {low}..{high}")
    return value


def _size(value: str, field: str) -> str:
    if parse_size(value, field) <= 0:
        raise _invalid(field, "must be larger than zero")
    return value.strip()


def _tags(values: list[str]) -> tuple[str, ...]:
    for tag in values:
        if not tag.strip() or "," in tag:
            raise _invalid("tags", f"{tag!r} is not a valid tag")
    return tuple(values)


def _ifname(value: str) -> str:
    if not _IFNAME.match(value):
        raise _invalid("network_name", f"{value!r} is not a valid network device name (1-15 of A-Z a-z 0-9 _ -)")
    return value


def _subnet(value: str) -> str:
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        raise _invalid("network_subnet", f"{value!r} is not an address with prefix, such as 192.168.100.1/24") from None
    if interface.network.prefixlen == interface.max_prefixlen:
        raise _invalid("network_subnet", f"{value!r} leaves no room for containers")
    return value
