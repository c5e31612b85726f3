"""gRPC face of the Marble API: `Activate`, served only on the Marble listener.

The flow follows MarbleRun's Activate: state 3, the TLS client certificate (the listener's relay
requires one and tells who sent it), marble type and package, quote, MaxActivations, UUID, then
certificate, secrets and parameters. The quote must bind the TLS certificate: its report data
starts with SHA-256 of the certificate's DER, and the handshake proved the Marble holds its key.

The quote goes to the attestation service over the core's own socket (domains never import
each other), with the package as policy and the binding hash. In simulation mode the quote is
not checked at all, as MarbleRun's simulation build does; the answer says `Simulation: true`.

The answer is computed from a snapshot, off the event loop (key generation), and then the
activation is counted in one write transaction that re-checks the state, the manifest version
and the limit, so a crash never over-counts and concurrent activations never exceed it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
import sqlite_utils
from switchyard.attestation.v1 import attestation_pb2 as attestation
from switchyard.attestation.v1 import attestation_pb2_grpc as attestation_grpc
from switchyard.coordinator.v1 import marble_pb2 as pb
from switchyard.coordinator.v1 import marble_pb2_grpc as pb_grpc

from core.coordinator import store
from core.coordinator.activation import ActivationRequest, ActivationResult, activate_marble, marble_package
from core.coordinator.api_quote import attestation_reason
from core.coordinator.manifest import Manifest, Package, Secret, parse_manifest
from core.coordinator.pki import CoordinatorPKI
from core.coordinator.sealing import CoordinatorRuntime
from core.coordinator.status import require_state
from core.errors import Internal, NotFound, PermissionDenied, SwitchyardError, Unauthenticated, Unavailable
from core.identity import current_caller
from core.storage import Database

log = logging.getLogger("switchyard.coordinator.marble")

# A manifest update landing between snapshot and commit makes the answer stale: build it again.
ATTEMPTS = 3


@dataclass(frozen=True)
class Snapshot:
    """Everything one activation is built from, read in one transaction."""

    version: bytes
    manifest: Manifest
    packages: dict[str, Package]
    pki: CoordinatorPKI
    root_secret: bytes
    secrets: dict[str, Secret]
    previous_secrets: dict[str, Secret] | None
    activations: int


def _denied(detail: str, reason: str = "MARBLE_VERIFICATION_FAILED") -> PermissionDenied:
    return PermissionDenied(f"marble verification failed: {detail}", reason=reason)


def package_policy(package: Package) -> attestation.PackagePolicy:
    policy = attestation.PackagePolicy(
        debug=package.Debug, unique_id=package.UniqueID, signer_id=package.SignerID,
        accepted_tcb_statuses=package.AcceptedTCBStatuses, accepted_advisories=package.AcceptedAdvisories,
    )
    if package.ProductID is not None:
        policy.product_id = package.ProductID
    if package.SecurityVersion is not None:
        policy.security_version = package.SecurityVersion
    return policy


class ParsedState:
    """Parsing the manifest and opening every secret would dominate an activation and hold the
    database thread; both are kept parsed between activations, keyed by their stored bytes."""

    def __init__(self) -> None:
        self._manifest: tuple[bytes, Manifest] | None = None
        self._secrets: dict[tuple[str, bytes], Secret] = {}
        self._previous: dict[tuple[str, bytes], Secret] = {}

    def manifest(self, db: sqlite_utils.Database) -> Manifest:
        stored = store.read_manifest_raw(db)
        if stored is None:
            raise NotFound("requested value not set", reason="NO_MANIFEST")
        if self._manifest is None or self._manifest[0] != stored[0]:
            # Packages are not merged in: activation takes the current package rows apart.
            self._manifest = (stored[0], parse_manifest(stored[0]))
        return self._manifest[1]

    def snapshot(self, runtime: CoordinatorRuntime, marble_type: str):
        def read(db: sqlite_utils.Database) -> Snapshot:
            require_state("activate", store.read_state(db))
            data_key = runtime.require_data_key()
            previous = store.read_secrets_through(db, data_key, self._previous, prefix="previousSecret:")
            return Snapshot(
                version=store.manifest_version(db),
                manifest=self.manifest(db),
                packages=store.read_packages(db),
                pki=runtime.pki(db),
                root_secret=store.read_root_secret(db, data_key),
                secrets=store.read_secrets_through(db, data_key, self._secrets),
                previous_secrets=previous or None,
                activations=store.read_activations(db, marble_type),
            )

        return read


def _count_activation(snapshot: Snapshot, marble_type: str, result: ActivationResult):
    """One transaction: the state and manifest still hold, and the limit is not reached."""

    def write(db: sqlite_utils.Database) -> bool:
        require_state("activate", store.read_state(db))
        if store.manifest_version(db) != snapshot.version:
            return False
        if result.count_activation:
            limit = snapshot.manifest.Marbles[marble_type].MaxActivations
            count = store.read_activations(db, marble_type)
            if count >= limit:
                raise _denied(f'reached max activations count ({limit}) for marble type "{marble_type}"')
            store.write_activations(db, marble_type, count + 1)
        return True

    return write


class MarbleServicer(pb_grpc.MarbleServicer):
    def __init__(self, db: Database, runtime: CoordinatorRuntime, internal: grpc.aio.Channel,
                 simulation: bool) -> None:
        self._db = db
        self._runtime = runtime
        self._attestation = attestation_grpc.AttestationStub(internal)
        self._simulation = simulation
        self._parsed = ParsedState()

    async def Activate(self, request: pb.ActivationReq, context) -> pb.ActivationResp:
        marble_type = request.MarbleType
        bound = current_caller().certificate_der
        for _ in range(ATTEMPTS):
            snapshot = await self._db.read(self._parsed.snapshot(self._runtime, marble_type))
            if bound is None:  # checked after the state, as MarbleRun orders them
                raise Unauthenticated("couldn't get marble TLS certificate", reason="NO_PEER_CERTIFICATE")
            package = marble_package(snapshot.manifest, snapshot.packages, marble_type)
            if self._simulation:
                log.info("simulation mode: the quote of marble %s (%s) is not checked", request.UUID, marble_type)
            else:
                await self._verify_quote(bytes(request.Quote), package, bound, context)
            activation = ActivationRequest(marble_type, request.UUID, bytes(request.CSR), bound)
            result = await asyncio.to_thread(
                activate_marble, activation, snapshot.manifest, snapshot.packages, snapshot.pki,
                snapshot.root_secret, snapshot.secrets, snapshot.activations, snapshot.previous_secrets,
            )
            if await self._db.write(_count_activation(snapshot, marble_type, result)):
                log.info("activated marble %s of type %s", request.UUID, marble_type)
                return _reply(result.files, result.env, result.argv, self._simulation)
        raise Unavailable("the manifest changed during activation; try again", reason="MANIFEST_CHANGED")

    async def _verify_quote(self, quote: bytes, package: Package, bound: bytes, context) -> None:
        request = attestation.VerifyQuoteRequest(quote=quote, package=package_policy(package),
                                                 expected_report_data_hash=hashlib.sha256(bound).digest())
        try:
            await self._attestation.VerifyQuote(request, timeout=context.time_remaining())
        except grpc.aio.AioRpcError as error:
            raise _quote_refused(error) from None


def _quote_refused(error: grpc.aio.AioRpcError) -> SwitchyardError:
    """The attestation service's verdict, worded as MarbleRun words a failed verification."""
    reason = attestation_reason(error)
    if error.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
        return _denied(error.details() or "invalid quote", reason=reason or "QUOTE_INVALID")
    if error.code() == grpc.StatusCode.UNAVAILABLE:
        return Unavailable(f"verifying quote: {error.details()}", reason=reason or "ATTESTATION_UNAVAILABLE")
    return Internal("verifying quote: attestation service failed", reason="ATTESTATION_FAILED")


def _reply(files: Mapping[str, bytes], env: Mapping[str, bytes], argv: list[str],
           simulation: bool) -> pb.ActivationResp:
    return pb.ActivationResp(Parameters=pb.Parameters(Files=dict(files), Env=dict(env), Argv=argv),
                             Simulation=simulation)
