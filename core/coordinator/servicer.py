"""gRPC face of the Coordinator's client API.

One service, its methods grouped by subject in the `api_*` modules; this module composes them
and opens the persisted state at start-up (recovery mode when the sealed key cannot open it).
"""

from __future__ import annotations

import grpc
from switchyard.attestation.v1 import attestation_pb2_grpc as attestation_grpc
from switchyard.coordinator.v1 import client_api_pb2 as pb
from switchyard.coordinator.v1 import client_api_pb2_grpc as pb_grpc
from switchyard.coordinator.v1 import marble_pb2 as marble_pb
from switchyard.coordinator.v1 import marble_pb2_grpc as marble_grpc

from core.context import CoreContext
from core.coordinator import store
from core.coordinator.api_marble import MarbleServicer
from core.coordinator.api_manifest import ManifestApi
from core.coordinator.api_quote import QuoteApi
from core.coordinator.api_recovery import RecoveryApi
from core.coordinator.api_secrets import SecretsApi
from core.coordinator.api_updates import UpdatesApi
from core.coordinator.sealing import CoordinatorRuntime, Foundation, open_state
from core.coordinator.status import MESSAGES
from core.storage.database import transaction


class ClientApiServicer(ManifestApi, SecretsApi, RecoveryApi, UpdatesApi, QuoteApi, pb_grpc.ClientApiServicer):
    def __init__(self, ctx: CoreContext, runtime: CoordinatorRuntime) -> None:
        self._db = ctx.db
        self._runtime = runtime
        # Quotes come from the attestation service, reached over the core's own socket.
        self._attestation = attestation_grpc.AttestationStub(ctx.internal)

    async def GetStatus(self, request: pb.GetStatusRequest, context) -> pb.Status:
        state = await self._db.read(store.read_state)
        return pb.Status(code=state, message=MESSAGES[state])


def open_runtime(ctx: CoreContext) -> CoordinatorRuntime:
    """The in-memory side of the Coordinator, with the sealed state opened (or not)."""
    runtime = CoordinatorRuntime(ctx.config.data_dir, Foundation.from_tls(ctx.tls))

    def opening(db) -> int:
        with transaction(db):
            return open_state(db, runtime)

    ctx.db.run_sync(opening)
    return runtime


# The client API and the Marble API are served by two gRPC servers of one core but must share
# one runtime (the unsealed key, a recovery in progress): one per running core.
_RUNTIMES: dict[int, tuple[CoreContext, CoordinatorRuntime]] = {}


def runtime_for(ctx: CoreContext) -> CoordinatorRuntime:
    entry = _RUNTIMES.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        entry = _RUNTIMES[id(ctx)] = (ctx, open_runtime(ctx))
    return entry[1]


def register(server: grpc.aio.Server, ctx: CoreContext) -> list[str]:
    pb_grpc.add_ClientApiServicer_to_server(ClientApiServicer(ctx, runtime_for(ctx)), server)
    return [pb.DESCRIPTOR.services_by_name["ClientApi"].full_name]


# MarbleRun's own service name: a Go Marble built against MarbleRun calls /rpc.Marble/Activate.
MARBLERUN_SERVICE = "rpc.Marble"


def register_marble(server: grpc.aio.Server, ctx: CoreContext) -> list[str]:
    """The Marble API, for the Marble listener only."""
    servicer = MarbleServicer(ctx.db, runtime_for(ctx), ctx.internal, ctx.config.sgx_simulation)
    marble_grpc.add_MarbleServicer_to_server(servicer, server)
    # The messages share MarbleRun's field numbers, so the same handler serves its method path.
    activate = grpc.unary_unary_rpc_method_handler(
        servicer.Activate, request_deserializer=marble_pb.ActivationReq.FromString,
        response_serializer=marble_pb.ActivationResp.SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(MARBLERUN_SERVICE, {"Activate": activate}),))
    return [marble_pb.DESCRIPTOR.services_by_name["Marble"].full_name]
