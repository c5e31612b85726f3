"""gRPC faces of the AMS domain, one module per proto service."""

from __future__ import annotations

import logging

import grpc

from core.ams.blob_refs import forget_unreferenced_blobs
from core.ams.containers import fail_interrupted as fail_interrupted_containers
from core.ams.driver import SimulatedDriver
from core.ams.metrics import watch_reservations
from core.ams.nodes import fail_interrupted_joins
from core.ams.placement import Placement, read_snapshot
from core.ams.runtime import ContainerRuntime
from core.ams.servicers import addons, applications, certificates, config, containers, images, nodes, root, tasks
from core.context import CoreContext
from core.storage.database import transaction

log = logging.getLogger("switchyard.ams")


def register(server: grpc.aio.Server, ctx: CoreContext) -> list[str]:
    # No LXD is reachable from here: nodes run on the simulated driver.
    driver = SimulatedDriver(ctx.config.simulated_join_delay, ctx.config.simulated_container_delay,
                             ctx.config.data_dir)
    ctx.db.run_sync(fail_interrupted_joins)
    # Containers caught half-way by the last stop are in error first, so that the placement
    # is rebuilt from what their nodes really hold now.
    ctx.db.run_sync(lambda db: _in_transaction(db, fail_interrupted_containers))
    removed = ctx.db.run_sync(lambda db: forget_unreferenced_blobs(db, ctx.blobs))
    if removed:
        log.warning("removed %d stored packages that no image, addon or application names", removed)
    placement = Placement(ctx.db)
    placement.rebuild(ctx.db.run_sync(read_snapshot))
    runtime = ContainerRuntime(ctx.db, ctx.events, placement, driver)
    watch_reservations(lambda: placement.reserved)
    return [
        root.register(server, ctx),
        certificates.register(server, ctx),
        config.register(server, ctx),
        images.register(server, ctx),
        nodes.register(server, ctx, driver, runtime),
        tasks.register(server, ctx),
        addons.register(server, ctx),
        applications.register(server, ctx, runtime),
        containers.register(server, ctx, runtime),
    ]


def _in_transaction(db, change):
    with transaction(db):
        return change(db)
