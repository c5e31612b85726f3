"""Adding, changing and removing nodes: each an operation driven through the node driver.

The container runtime's placement learns of every node change once it is durable, so a node
takes containers from the moment it is online and none once it is being removed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from switchyard.ams.v1 import nodes_pb2 as pb

from core.ams import containers, nodes
from core.ams.driver import JoinRequest, NodeDriver
from core.ams.etag import check_if_match, etag_of
from core.ams.runtime import ContainerRuntime
from core.errors import FailedPrecondition, SwitchyardError
from core.operations.engine import OperationsEngine, Progress
from core.operations.model import Operation
from core.storage import Database

log = logging.getLogger("switchyard.ams.nodes")


def node_url(name: str) -> str:
    return f"/1.0/nodes/{name}"


class NodeAdmin:
    def __init__(self, db: Database, operations: OperationsEngine, driver: NodeDriver,
                 runtime: ContainerRuntime | None = None) -> None:
        self._db = db
        self._operations = operations
        self._driver = driver
        self._runtime = runtime

    async def add(self, request: pb.AddNodeRequest) -> Operation:
        node = nodes.new_node(request, self._driver.name)
        nodes.check_storage_device(request.storage_device)
        node = await self._db.write(lambda db: nodes.insert_node(db, node))
        join = JoinRequest(
            name=node.name, address=node.address, trust_password=request.trust_password,
            storage_device=request.storage_device, storage_pool=node.storage_pool,
            network_name=node.network_name, network_subnet=node.network_subnet, managed=node.managed,
        )

        async def work(progress: Progress) -> None:
            await self._set_status(node.name, nodes.INITIALIZING)
            try:
                facts = await self._driver.join(join)
            except asyncio.CancelledError:
                # Cancelled before it joined: nothing of the node remains.
                await self._driver.leave(node.name, keep_in_cluster=False)
                await self._db.write(lambda db: nodes.remove_node(db, node.name))
                raise
            except SwitchyardError:
                await self._set_status(node.name, nodes.ERROR)
                raise

            def come_online(db) -> nodes.Node:
                current = nodes.load_node(db, node.name)
                online = replace(
                    current,
                    cpus=current.cpus or facts.cpus,
                    memory=current.memory or facts.memory,
                    disk_size=facts.disk_size,
                    architecture=facts.architecture,
                    status_code=nodes.ONLINE,
                )
                nodes.save_node(db, online)
                return online

            self._node_saved(await self._db.write(come_online))
            log.info("node %s is online (%s driver)", node.name, self._driver.name)

        return await self._operations.launch(
            "Creating node", work, resources={"nodes": [node_url(node.name)]}, cancellable=True
        )

    async def update(self, request: pb.UpdateNodeRequest) -> Operation:
        current = await self._db.read(lambda db: nodes.load_node(db, request.name))
        check_if_match(request.if_match, etag_of(current.writable()))
        # Refuse bad values now; the operation applies them to the row as it is by then.
        nodes.updated(current, request)

        async def work(progress: Progress) -> None:
            def apply(db) -> nodes.Node:
                latest = nodes.updated(nodes.load_node(db, request.name), request)
                nodes.save_node(db, latest)
                return latest

            self._node_saved(await self._db.write(apply))

        return await self._operations.launch(
            f"Updating node {current.name}", work, resources={"nodes": [node_url(current.name)]}
        )

    async def delete(self, request: pb.DeleteNodeRequest) -> Operation:
        node = await self._db.read(lambda db: nodes.load_node(db, request.name))
        await self._check_unused(node.name, request.force)

        async def work(progress: Progress) -> None:
            # No new container lands on the node from here on; it comes back if removal fails.
            self._node_removed(node.name)
            try:
                await self._check_unused(node.name, request.force)
                if self._runtime is not None:
                    on_node = await self._db.read(lambda db: containers.all_containers(db, node.name))
                    for container in on_node:
                        await self._runtime.delete(container.id, force=True)
                await self._driver.leave(node.name, request.keep_in_cluster)
                await self._db.write(lambda db: nodes.remove_node(db, node.name))
            except BaseException:
                # Back into placement with what its remaining containers still hold.
                current, held = await self._db.read(lambda db: (
                    nodes.load_node(db, node.name), containers.held_per_node(db).get(node.name)))
                self._node_saved(current, held)
                raise

        return await self._operations.launch("Deleting node", work, resources={"nodes": [node_url(node.name)]})

    async def _check_unused(self, name: str, force: bool) -> None:
        count = await self._db.read(lambda db: containers.count_on_node(db, name))
        if count and not force:
            raise FailedPrecondition(
                f"node {name} still has {count} container(s); remove them first or use force",
                reason="NODE_IN_USE", metadata={"name": name, "containers": str(count)})

    def _node_saved(self, node: nodes.Node, held=None) -> None:
        if self._runtime is not None:
            self._runtime.placement.node_saved(node, held)

    def _node_removed(self, name: str) -> None:
        if self._runtime is not None:
            self._runtime.placement.node_removed(name)

    async def _set_status(self, name: str, status_code: int) -> None:
        def set_status(db) -> None:
            nodes.save_node(db, replace(nodes.load_node(db, name), status_code=status_code))

        await self._db.write(set_status)
