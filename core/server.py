"""The core's gRPC servers: every domain service, health and reflection.

One server listens on TCP (mutual TLS, clients with certificates of our gRPC client CA) and on
the unix socket the gateway uses; the Marble API has a server of its own, reached through the
mutual-TLS relay on its own port.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from core import identity
from core.ams import container_schema as ams_container_schema
from core.ams import package_schema as ams_package_schema
from core.ams import schema as ams_schema
from core.ams import servicers as ams_servicers
from core.ams.trust import require_trusted
from core.attestation import servicer as attestation_servicer
from core.confdb import schema as confdb_schema
from core.confdb import servicer as confdb_servicer
from core.context import CoreContext
from core.config import Config
from core.coordinator import schema as coordinator_schema
from core.coordinator import servicer as coordinator_servicer
from core.interceptor import CallInterceptor
from core.mtls_relay import LOOPBACK, RelayedPeers, start_relay
from core.operations import schema as operations_schema
from core.operations import servicer as operations_servicer
from core.operations.engine import OperationsEngine
from core.operations.events import EventHub
from core.pki import Identity, TlsMaterial
from core.storage import Database
from core.storage.blobs import BlobStore

log = logging.getLogger("switchyard.core")

# Every schema stream the database carries, by owner.
MIGRATIONS = {
    "operations": operations_schema.MIGRATIONS,
    "ams": ams_schema.MIGRATIONS,
    "ams_containers": ams_container_schema.MIGRATIONS,
    "ams_packages": ams_package_schema.MIGRATIONS,
    "coordinator": coordinator_schema.MIGRATIONS,
    "confdb": confdb_schema.MIGRATIONS,
}

# Each domain registers its servicers and answers the full names of the services it added.
Registrar = Callable[[grpc.aio.Server, CoreContext], list[str]]
DOMAIN_SERVICES: tuple[Registrar, ...] = (
    ams_servicers.register,
    attestation_servicer.register,
    coordinator_servicer.register,
    confdb_servicer.register,
)


@dataclass
class CoreServers:
    core: grpc.aio.Server
    marble: grpc.aio.Server
    marble_relay: asyncio.Server
    grpc_port: int
    marble_port: int
    services: list[str]

    async def stop(self, grace: float) -> None:
        self.marble_relay.close()
        await self.marble.stop(grace)
        await self.core.stop(grace)


def server_credentials(identity_: Identity, client_ca: Identity) -> grpc.ServerCredentials:
    """Mutual TLS: clients must hold a certificate `client_ca` issued."""
    pair = [(identity_.key_path.read_bytes(), identity_.cert_path.read_bytes())]
    return grpc.ssl_server_credentials(
        pair, root_certificates=client_ca.cert_path.read_bytes(), require_client_auth=True
    )


def build_context(config: Config, db: Database, tls: TlsMaterial) -> CoreContext:
    events = EventHub()
    blobs = BlobStore(config.data_dir / "blobs")
    removed = blobs.forget_incomplete()
    if removed:
        log.warning("removed %d incomplete uploads left by an earlier run", removed)
    # Servicers reach sibling services over the core's own socket, as any other client would.
    internal = grpc.aio.insecure_channel(f"unix:{config.core_socket}")
    return CoreContext(
        config=config, db=db, tls=tls, events=events, operations=OperationsEngine(db, events), blobs=blobs,
        internal=internal,
    )


async def start_core(ctx: CoreContext) -> CoreServers:
    config = ctx.config
    core = grpc.aio.server(interceptors=[CallInterceptor(identity.GRPC)])
    names = [name for register in DOMAIN_SERVICES for name in register(core, ctx)]
    # Only AMS documents operations and events, so its trust rule guards them.
    operations = operations_servicer.OperationsServicer(
        ctx.operations, ctx.events, lambda caller: require_trusted(ctx.db, caller)
    )
    names.append(operations_servicer.register(core, operations))
    services = names + await _add_health_and_reflection(core, names)

    grpc_port = core.add_secure_port(
        f"{config.host}:{config.ports.grpc}", server_credentials(ctx.tls.grpc_server, ctx.tls.grpc_client_ca)
    )
    config.core_socket.unlink(missing_ok=True)
    core.add_insecure_port(f"unix:{config.core_socket}")
    await core.start()
    # The gateway forwards identities over this socket: nobody else may reach it.
    config.core_socket.chmod(0o600)

    marble, relay = await _start_marble(ctx)
    return CoreServers(core, marble, relay, grpc_port, relay.sockets[0].getsockname()[1], services)


async def _start_marble(ctx: CoreContext) -> tuple[grpc.aio.Server, asyncio.Server]:
    """The Marble API (the Coordinator's activation) only on its own port, not on the core's
    server, behind the relay that requires any client certificate (as MarbleRun's listener);
    health tells clients the listener is up."""
    relayed = RelayedPeers()
    marble = grpc.aio.server(interceptors=[CallInterceptor(identity.MARBLE, relayed)])
    await _add_health_and_reflection(marble, coordinator_servicer.register_marble(marble, ctx))
    upstream_port = marble.add_insecure_port(f"{LOOPBACK}:0")
    await marble.start()
    tls = ctx.tls
    relay = await start_relay(ctx.config.host, ctx.config.ports.marble, tls.coordinator_chain(),
                              tls.coordinator_server.key_path, upstream_port, relayed)
    return marble, relay


async def _add_health_and_reflection(server: grpc.aio.Server, names: list[str]) -> list[str]:
    checker = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    for name in ["", *names]:
        await checker.set(name, health_pb2.HealthCheckResponse.SERVING)
    extra = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
    reflection.enable_server_reflection([*names, *extra], server)
    return extra
