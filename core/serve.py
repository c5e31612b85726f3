"""`switchyard serve`: the core and the gateway in one process, on one data directory."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import signal
from pathlib import Path

from OpenSSL import SSL

from core.config import Config
from core.errors import FailedPrecondition
from core.operations.events import LoggingEvents
from core.pki import Identity, TlsMaterial, ensure_tls_material, write_atomic
from core.server import MIGRATIONS, build_context, start_core
from core.storage import Database
from core.storage.migrations import migrate
from core.tls_termination import server_context
from rest_gateway.app import Gateway, Listener

log = logging.getLogger("switchyard")

class DataDirectoryInUse(FailedPrecondition):
    pass


def lock_data_directory(data_dir: Path) -> int:
    """Hold an exclusive lock for the life of the process: one instance per data directory."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(data_dir / "switchyard.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DataDirectoryInUse(
            f"another switchyard instance is using the data directory {data_dir.resolve()}"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def open_database(config: Config) -> Database:
    db = Database(config.database_path)
    db.run_sync(lambda conn: migrate(conn, MIGRATIONS))
    return db


async def serve(config: Config, with_gateway: bool = True) -> None:
    """The core, and unless told otherwise the gateway beside it, until SIGINT or SIGTERM."""
    lock = lock_data_directory(config.data_dir)
    db = open_database(config)
    try:
        await _serve(config, db, with_gateway)
    finally:
        db.close()
        os.close(lock)


async def serve_gateway(config: Config, core_target: str) -> None:
    """The gateway alone, in front of a core serving on `core_target`."""
    if not config.tls_dir.exists():
        raise FailedPrecondition(f"no TLS material in {config.tls_dir}: start the core on this data directory first")
    tls = await asyncio.to_thread(ensure_tls_material, config.tls_dir, [config.host])
    gateway = gateway_for(config, tls, core_target)
    try:
        _announce(config, await gateway.start())
        await _until_stopped()
    finally:
        await gateway.stop()
    log.info("stopped")


def gateway_for(config: Config, tls: TlsMaterial, core_target: str) -> Gateway:
    def context_for(identity: Identity) -> SSL.Context:
        chain = tls.coordinator_chain() if identity is tls.coordinator_server else [identity.certificate()]
        return server_context(chain, identity.key_path)

    ports = config.ports
    return Gateway(
        core_target,
        [
            Listener("coordinator", "coordinator", config.host, ports.coordinator, context_for(tls.coordinator_server)),
            Listener("ams", "ams", config.host, ports.ams, context_for(tls.ams_server)),
            Listener("ams-local", "ams", unix_path=config.ams_socket),
            Listener("confdb", "confdb", config.host, ports.confdb, context_for(tls.confdb_server)),
        ],
        shutdown_grace=config.shutdown_grace,
    )


async def _serve(config: Config, db: Database, with_gateway: bool) -> None:
    tls = await asyncio.to_thread(ensure_tls_material, config.tls_dir, [config.host])
    ctx = build_context(config, db, tls)
    await ctx.operations.start()
    core = await start_core(ctx)
    log_events = LoggingEvents(ctx.events, asyncio.get_running_loop())
    logging.getLogger().addHandler(log_events)
    gateway = gateway_for(config, tls, f"unix:{config.core_socket}") if with_gateway else None
    try:
        bound = await gateway.start() if gateway is not None else {}
        bound.update(grpc=core.grpc_port, marble=core.marble_port)
        _announce(config, bound)
        await _until_stopped()
    finally:
        # Ending the event streams first lets websocket bridges close instead of being waited on.
        logging.getLogger().removeHandler(log_events)
        ctx.events.close()
        if gateway is not None:
            await gateway.stop()
        await ctx.operations.stop()
        await ctx.internal.close()
        await core.stop(config.shutdown_grace)
    log.info("stopped")


def _announce(config: Config, bound: dict[str, int]) -> None:
    if config.ports_file is not None:
        write_atomic(config.ports_file, json.dumps(bound, sort_keys=True).encode(), mode=0o644)
    log.info(
        "ready: data directory %s, listening on %s",
        config.data_dir, ", ".join(f"{name}={port}" for name, port in sorted(bound.items())),
    )


async def _until_stopped() -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("stopping: closing listeners and letting in-flight calls finish")
