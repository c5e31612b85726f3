"""AMS figures for /1.0/metrics, read from the database at scrape time.

What each node holds for its containers is read from the running placement instead: that is
the figure launches are judged against, so it is the one worth watching (and testing).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from prometheus_client.core import GaugeMetricFamily, Metric

from core.ams import containers, nodes
from core.ams.scheduler import Usage
from core.ams.sizes import parse_size
from core.operations.model import STATUS_TEXT

# The process's placement registers how to read its reservations (see servicers.register).
_reservations: Callable[[], dict[str, Usage]] = dict


def watch_reservations(source: Callable[[], dict[str, Usage]]) -> None:
    global _reservations
    _reservations = source


def container_metrics(db: sqlite_utils.Database) -> list[Metric]:
    by_status = GaugeMetricFamily("switchyard_ams_containers", "AMS containers by status",
                                  labels=["status"])
    counts = dict(db.execute(
        "SELECT status_code, COUNT(*) FROM ams_containers GROUP BY status_code").fetchall())
    for code, text in containers.STATUS_TEXT.items():
        if code != containers.DELETED:
            by_status.add_metric([text], counts.get(code, 0))
    families = [by_status]
    held = dict(_reservations())  # one copy: a consistent view while launches go on
    for resource, field, help_text in (
        ("cpus", "cpus", "CPUs held for containers on each node"),
        ("memory_bytes", "memory", "Memory held for containers on each node"),
        ("disk_bytes", "disk", "Disk held for containers on each node"),
        ("gpu_slots", "gpu_slots", "GPU slots held for containers on each node"),
        ("gpu_encoder_slots", "gpu_encoder_slots", "GPU encoder slots held for containers on each node"),
    ):
        family = GaugeMetricFamily(f"switchyard_ams_node_reserved_{resource}", help_text,
                                   labels=["node"])
        for node in sorted(held):
            family.add_metric([node], getattr(held[node], field))
        families.append(family)
    return families


def ams_metrics(db: sqlite_utils.Database) -> list[Metric]:
    by_status = GaugeMetricFamily("switchyard_ams_nodes", "AMS nodes by status", labels=["status"])
    counts = dict(db.execute("SELECT status_code, COUNT(*) FROM ams_nodes GROUP BY status_code").fetchall())
    for code, text in nodes.STATUS_TEXT.items():
        by_status.add_metric([text], counts.get(code, 0))

    cpus = GaugeMetricFamily("switchyard_ams_node_cpus", "CPU cores of each node", labels=["node"])
    cpu_capacity = GaugeMetricFamily(
        "switchyard_ams_node_cpu_capacity", "CPU cores each node may hand out (cores × allocation rate)",
        labels=["node"],
    )
    memory = GaugeMetricFamily("switchyard_ams_node_memory_bytes", "Memory of each node", labels=["node"])
    gpu_slots = GaugeMetricFamily("switchyard_ams_node_gpu_slots", "GPU slots of each node", labels=["node"])
    for node in nodes.all_nodes(db):
        cpus.add_metric([node.name], node.cpus)
        cpu_capacity.add_metric([node.name], node.cpus * node.cpu_allocation_rate)
        memory.add_metric([node.name], parse_size(node.memory, "memory") if node.memory else 0)
        gpu_slots.add_metric([node.name], node.gpu_slots)

    operations = GaugeMetricFamily(
        "switchyard_operations", "Operations still readable, by status", labels=["status"]
    )
    counts = dict(db.execute("SELECT status_code, COUNT(*) FROM operations GROUP BY status_code").fetchall())
    for code, text in STATUS_TEXT.items():
        if code in counts:
            operations.add_metric([text.lower()], counts[code])
    return [by_status, cpus, cpu_capacity, memory, gpu_slots, operations, *container_metrics(db)]
