"""AMS containers: statuses, validation of what a launch may set, and their rows.

Addresses and service node ports are picked inside the transaction that places the container,
from what that node's other containers use, so two launches can never collide.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from core.ams.instance_types import Resources
from core.ams.scheduler import Usage
from core.errors import InvalidArgument, NotFound, ResourceExhausted

ERROR, UNKNOWN, CREATED, PREPARED, STARTED, RUNNING, STOPPED, DELETED = -1, 0, 1, 2, 3, 4, 5, 6
STATUS_TEXT = {
    ERROR: "error", UNKNOWN: "unknown", CREATED: "created", PREPARED: "prepared",
    STARTED: "started", RUNNING: "running", STOPPED: "stopped", DELETED: "deleted",
}
STATUS_CODE = {text: code for code, text in STATUS_TEXT.items()}
# The lifecycle event each status change is published as.
LIFECYCLE_ACTION = {
    CREATED: "container-created", PREPARED: "container-scheduled", STARTED: "container-started",
    RUNNING: "container-running", STOPPED: "container-stopped", DELETED: "container-removed",
    ERROR: "container-failed",
}
REGULAR, BASE = "regular", "base"
# Service ports exposed on a node come from this range, as AMS hands them out.
NODE_PORT_FIRST, NODE_PORT_LAST = 10000, 65535
PROTOCOLS = ("tcp", "udp")
CONFIG_KEYS = {"platform": str, "boot_package": str, "boot_activity": str, "metrics_server": str,
               "disable_watchdog": bool, "devmode": bool}


def container_url(container_id: str) -> str:
    return f"/1.0/containers/{container_id}"


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    type: str
    status_code: int
    node: str
    app_id: str
    app_version: int
    image_id: str
    image_version: int
    created_at: int
    address: str
    services: tuple[dict[str, Any], ...]
    error_message: str
    config: dict[str, Any]
    user_data: str
    tags: tuple[str, ...]
    architecture: str
    resources: Resources
    held: Usage
    token_hash: str

    @property
    def status(self) -> str:
        return STATUS_TEXT[self.status_code]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(container: Container, token: str) -> bool:
    return hmac.compare_digest(container.token_hash, hash_token(token))


def usage_of(resources: Resources, gpu_encoder_slots: int = 0) -> Usage:
    """What a node holds for a container with `resources` (and a hardware encoder, if placed with one)."""
    return Usage(resources.cpus, resources.memory, resources.disk_size, resources.gpu_slots,
                 gpu_encoder_slots)


def checked_services(raw: Iterable[Any]) -> tuple[dict[str, Any], ...]:
    """Services as a launch gives them: name, port[, port_end], protocols, expose."""
    services = []
    for index, item in enumerate(raw):
        where = f"services[{index}]"
        if not isinstance(item, Mapping):
            raise _invalid(where, "must be an object")
        unknown = set(item) - {"name", "port", "port_end", "protocols", "expose"}
        if unknown:
            raise _invalid(f"{where}.{sorted(unknown)[0]}", "is not a service field")
        port = _port(item.get("port"), f"{where}.port")
        port_end = item.get("port_end")
        if port_end not in (None, 0):
            port_end = _port(port_end, f"{where}.port_end")
            if port_end < port:
                raise _invalid(f"{where}.port_end", "must not be below port")
        else:
            port_end = 0
        protocols = item.get("protocols") or ["tcp"]
        if not isinstance(protocols, list) or any(p not in PROTOCOLS for p in protocols):
            raise _invalid(f"{where}.protocols", "must be a list of tcp and udp")
        expose = item.get("expose", False)
        if not isinstance(expose, bool):
            raise _invalid(f"{where}.expose", "must be true or false")
        name = item.get("name") or ""
        if not isinstance(name, str):
            raise _invalid(f"{where}.name", "must be a string")
        service = {"name": name, "port": port, "protocols": list(protocols), "expose": expose}
        if port_end:
            service["port_end"] = port_end
        services.append(service)
    return tuple(services)


def checked_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    config = {}
    for key, value in raw.items():
        expected = CONFIG_KEYS.get(key)
        if expected is None:
            raise _invalid(f"config.{key}", "is not a container config key")
        if value is None:
            continue
        if not isinstance(value, expected):
            raise _invalid(f"config.{key}", f"must be a {expected.__name__}")
        config[key] = value
    return config


def insert_placed(db: sqlite_utils.Database, container: Container, subnet: str) -> Container:
    """Store `container`, already placed on its node, with an address and node ports picked
    from what that node's other containers leave free."""
    address = _free_address(db, container.node, subnet)
    services = _with_node_ports(db, container.node, container.services)
    row = _row(container)
    row.update(address=address, services=json.dumps(services))
    db.table("ams_containers").insert(row)
    for service in services:
        last = service.get("node_port_end") or service["node_port"]
        db.table("ams_container_ports").insert_all(
            {"node": container.node, "port": port, "container_id": container.id}
            for port in range(service["node_port"], last + 1)
        )
    return load(db, container.id)


def load(db: sqlite_utils.Database, container_id: str) -> Container:
    rows = list(db.query("SELECT * FROM ams_containers WHERE id = ? OR name = ?",
                         [container_id, container_id]))
    if not rows:
        raise NotFound("container not found", reason="CONTAINER_NOT_FOUND",
                       metadata={"id": container_id})
    return _container(rows[0])


def all_containers(db: sqlite_utils.Database, node: str | None = None) -> list[Container]:
    if node is None:
        rows = db.query("SELECT * FROM ams_containers ORDER BY created_at, id")
    else:
        rows = db.query("SELECT * FROM ams_containers WHERE node = ? ORDER BY created_at, id", [node])
    return [_container(row) for row in rows]


def count_on_node(db: sqlite_utils.Database, node: str) -> int:
    return db.execute("SELECT COUNT(*) FROM ams_containers WHERE node = ?", [node]).fetchone()[0]


def set_status(db: sqlite_utils.Database, container_id: str, status_code: int,
               error_message: str = "") -> tuple[Container, Usage]:
    """Move the container to `status_code`; answers it and what its node no longer holds
    (an errored container keeps only its disk)."""
    before = load(db, container_id)
    held = before.held
    if status_code == ERROR:
        held = Usage(disk=before.held.disk)
    db.execute(
        "UPDATE ams_containers SET status_code = ?, error_message = ?, held_cpus = ?, "
        "held_memory = ?, held_disk = ?, held_gpu_slots = ?, held_gpu_encoder_slots = ? WHERE id = ?",
        [status_code, error_message, *held.amounts, before.id],
    )
    freed = Usage(*(was - now for was, now in zip(before.held.amounts, held.amounts, strict=True)))
    return load(db, before.id), freed


def remove(db: sqlite_utils.Database, container_id: str) -> Container | None:
    """Delete the row (its ports go with it); None when another call removed it first."""
    rows = list(db.query("SELECT * FROM ams_containers WHERE id = ?", [container_id]))
    if not rows:
        return None
    db.execute("DELETE FROM ams_containers WHERE id = ?", [container_id])
    return _container(rows[0])


def held_per_node(db: sqlite_utils.Database) -> dict[str, Usage]:
    """What each node holds for its containers: the scheduler's state after a restart."""
    return {
        node: Usage(*amounts)
        for node, *amounts in db.execute(
            "SELECT node, SUM(held_cpus), SUM(held_memory), SUM(held_disk), SUM(held_gpu_slots),"
            " SUM(held_gpu_encoder_slots) FROM ams_containers WHERE node != '' GROUP BY node")
    }


def fail_interrupted(db: sqlite_utils.Database) -> list[str]:
    """Containers caught half-way by a restart (their operation died with the process) are in
    error: they keep their disk for inspection and stay deletable."""
    ids = [row[0] for row in db.execute(
        "SELECT id FROM ams_containers WHERE status_code IN (?, ?, ?)", [CREATED, PREPARED, STARTED])]
    for container_id in ids:
        set_status(db, container_id, ERROR, "interrupted by restart")
    return ids


def _free_address(db: sqlite_utils.Database, node: str, subnet: str) -> str:
    interface = ipaddress.ip_interface(subnet)
    used = {row[0] for row in db.execute(
        "SELECT address FROM ams_containers WHERE node = ? AND address != ''", [node])}
    used.add(str(interface.ip))  # the node's bridge itself
    for host in interface.network.hosts():
        if str(host) not in used:
            return str(host)
    raise ResourceExhausted(f"no free address left in {subnet} on node {node}",
                            reason="NO_FREE_ADDRESS", metadata={"node": node})


def _with_node_ports(db: sqlite_utils.Database, node: str,
                     services: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    used = {row[0] for row in db.execute("SELECT port FROM ams_container_ports WHERE node = ?", [node])}
    result = []
    for service in services:
        width = service.get("port_end", service["port"]) - service["port"]
        start = _free_run(used, width + 1, node)
        used.update(range(start, start + width + 1))
        placed = dict(service, node_port=start)
        if "port_end" in service:
            placed["node_port_end"] = start + width
        result.append(placed)
    return result


def _free_run(used: set[int], length: int, node: str) -> int:
    start = NODE_PORT_FIRST
    while start + length - 1 <= NODE_PORT_LAST:
        clash = next((p for p in range(start, start + length) if p in used), None)
        if clash is None:
            return start
        start = clash + 1
    raise ResourceExhausted(f"no free node port left on node {node}", reason="NO_FREE_PORT",
                            metadata={"node": node})


def _row(container: Container) -> dict[str, Any]:
    r, h = container.resources, container.held
    return {
        "id": container.id, "name": container.name, "type": container.type,
        "status_code": container.status_code, "node": container.node,
        "app_id": container.app_id, "app_version": container.app_version,
        "image_id": container.image_id, "image_version": container.image_version,
        "created_at": container.created_at, "address": container.address,
        "services": json.dumps(list(container.services)), "error_message": container.error_message,
        "config": json.dumps(container.config), "user_data": container.user_data,
        "tags": json.dumps(list(container.tags)), "architecture": container.architecture,
        "cpus": r.cpus, "memory": r.memory, "disk_size": r.disk_size, "gpu_slots": r.gpu_slots,
        "vpu_slots": r.vpu_slots, "held_cpus": h.cpus, "held_memory": h.memory,
        "held_disk": h.disk, "held_gpu_slots": h.gpu_slots,
        "held_gpu_encoder_slots": h.gpu_encoder_slots, "token_hash": container.token_hash,
    }


def _container(row: Mapping[str, Any]) -> Container:
    return Container(
        id=row["id"], name=row["name"], type=row["type"], status_code=row["status_code"],
        node=row["node"], app_id=row["app_id"], app_version=row["app_version"],
        image_id=row["image_id"], image_version=row["image_version"],
        created_at=row["created_at"], address=row["address"],
        services=tuple(json.loads(row["services"])), error_message=row["error_message"],
        config=json.loads(row["config"]), user_data=row["user_data"],
        tags=tuple(json.loads(row["tags"])), architecture=row["architecture"],
        resources=Resources(row["cpus"], row["memory"], row["disk_size"], row["gpu_slots"],
                            row["vpu_slots"]),
        held=Usage(row["held_cpus"], row["held_memory"], row["held_disk"], row["held_gpu_slots"],
                   row["held_gpu_encoder_slots"]),
        token_hash=row["token_hash"],
    )


def _port(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise _invalid(field, f"{value!r} is not a port (1-65535)")
    return value


def _invalid(field: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"argument {field} is invalid: {why}", reason="INVALID_CONTAINER",
                           metadata={"field": field})


def now() -> int:
    return int(time.time())
