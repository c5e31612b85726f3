"""The process's one scheduler, kept in step with the nodes and containers in the database.

At start it is rebuilt from the node rows and what their containers hold (`held_per_node`).
After that every change goes to the database first and to the scheduler right after, on the
event loop, so nothing can place a container between the two:
  * a launch reserves in memory (no await in between choosing and holding), then writes the
    placed container in one transaction, and gives the reservation back if that write fails;
  * node changes (join, PATCH, delete) are applied once their transaction is durable.
A crash loses only the in-memory state, which the next start rebuilds from the rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlite_utils

from core.ams import config, containers, nodes
from core.ams.scheduler import Node, Requirements, Scheduler, Usage
from core.ams.sizes import parse_size
from core.storage import Database

log = logging.getLogger("switchyard.ams.placement")
T = TypeVar("T")


def scheduler_node(node: nodes.Node) -> Node:
    """What the scheduler needs to know of a node row."""
    return Node(
        name=node.name,
        cpus=node.cpus,
        memory=parse_size(node.memory, "memory") if node.memory else 0,
        disk=parse_size(node.disk_size, "disk_size") if node.disk_size else 0,
        gpu_slots=node.gpu_slots,
        gpu_encoder_slots=node.gpu_encoder_slots,
        cpu_allocation_rate=node.cpu_allocation_rate,
        memory_allocation_rate=node.memory_allocation_rate,
        online=node.status_code == nodes.ONLINE,
        unschedulable=node.unschedulable,
        tags=frozenset(node.tags),
        architecture=node.architecture,
    )


@dataclass(frozen=True)
class Snapshot:
    nodes: list[nodes.Node]
    held: dict[str, Usage]
    strategy: str


def read_snapshot(db: sqlite_utils.Database) -> Snapshot:
    return Snapshot(nodes.all_nodes(db), containers.held_per_node(db),
                    config.setting(db, "scheduler.strategy"))


class Placement:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._scheduler = Scheduler()
        # Per node, what is held. Entries are replaced, never mutated, so that another thread
        # (a metrics scrape on the database thread) copying it with dict() sees whole values.
        self.reserved: dict[str, Usage] = {}

    def rebuild(self, snapshot: Snapshot) -> None:
        scheduler = Scheduler(snapshot.strategy)
        for node in snapshot.nodes:
            scheduler.add_node(scheduler_node(node), used=snapshot.held.get(node.name, Usage()))
        self._scheduler = scheduler
        self.reserved = {node.name: snapshot.held.get(node.name, Usage()) for node in snapshot.nodes}
        log.info("placement rebuilt: %d nodes, strategy %s", len(snapshot.nodes), snapshot.strategy)

    @property
    def strategy(self) -> str:
        return self._scheduler.strategy

    def usage(self, node: str) -> Usage:
        return self._scheduler.usage(node)

    # Nodes (called once the node's transaction is durable).

    def node_saved(self, node: nodes.Node, held: Usage | None = None) -> None:
        """A new or changed node; `held` is what its containers hold when it is (re)added."""
        if node.name in self._scheduler:
            self._scheduler.update_node(scheduler_node(node))
        else:
            self._scheduler.add_node(scheduler_node(node), used=held)
            self._note(node.name)

    def node_removed(self, name: str) -> None:
        if name in self._scheduler:
            self._scheduler.remove_node(name)
        self.reserved.pop(name, None)

    # Containers.

    async def place(self, req: Requirements,
                    persist: Callable[[str], Callable[[sqlite_utils.Database], T]]) -> T:
        """Reserve `req` on the node the strategy picks and run `persist(node)` as one write;
        the reservation is given back when that write fails."""
        strategy = await self._db.read(lambda db: config.setting(db, "scheduler.strategy"))
        # From here to the reservation nothing awaits: no other launch can slip in between.
        if strategy != self._scheduler.strategy:
            self._scheduler.set_strategy(strategy)
        node = self._scheduler.reserve(req)
        self._note(node)
        task, cancelled = await self._write_through(persist(node))
        if task.exception() is not None:
            self.release(node, Usage(*req.amounts))
        return _outcome(task, cancelled)

    def release(self, node: str, usage: Usage) -> None:
        if node not in self._scheduler or usage == Usage():
            return
        self._scheduler.release(node, usage)
        self._note(node)

    async def write_then_release(self, node: str,
                                 change: Callable[[sqlite_utils.Database], tuple[T, Usage]]) -> T:
        """Run `change` as one write; what it answers as freed is released once it is durable."""
        task, cancelled = await self._write_through(change)
        if task.exception() is None:
            self.release(node, task.result()[1])
        return _outcome(task, cancelled)[0]

    async def _write_through(self, fn: Callable[[sqlite_utils.Database], T]) -> tuple[asyncio.Task, bool]:
        """The finished write, and whether our caller was cancelled meanwhile. A transaction
        handed to the database thread runs to its end even if we stop waiting, so the books
        must follow what it did, not what the cancelled caller assumed."""
        task = asyncio.ensure_future(self._db.write(fn))
        cancelled = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = True
            except BaseException:
                break
        return task, cancelled

    def _note(self, node: str) -> None:
        self.reserved[node] = self._scheduler.usage(node)


def _outcome(task: asyncio.Task, cancelled: bool):
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


async def rebuild_from(db: Database, placement: Placement) -> None:
    placement.rebuild(await db.read(read_snapshot))

