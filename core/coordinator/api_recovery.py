"""Recovery mode: shares of the data key are uploaded until the sealed state opens again.

The shares' signatures are checked against the manifest's RecoveryKeys before the state is
released (MarbleRun's 2025 fix); a failed check starts the recovery over.
"""

from __future__ import annotations

import asyncio
import base64

from switchyard.coordinator.v1 import client_api_pb2 as pb

from core.coordinator import store
from core.coordinator.api_base import ServicerBase
from core.coordinator.manifest_check import recovery_public_keys
from core.coordinator.recovery import (
    RECOVER_V1_DISABLED,
    RecoverySession,
    decode_recovery_secret,
    ephemeral_public_key_response,
    new_ephemeral_key,
)
from core.coordinator.sealing import seal_data_key
from core.coordinator.status import ACCEPTING_MARBLES, require_state
from core.errors import FailedPrecondition, SwitchyardError

# Failures after which the uploaded shares are dropped (MarbleRun restarts the recovery).
RESTART_REASONS = frozenset({"RECOVERY_SIGNATURE_INVALID", "RECOVERY_FAILED"})


class RecoveryApi(ServicerBase):
    async def RecoverLegacy(self, request: pb.RecoverLegacyRequest, context) -> pb.RecoverReply:
        # The gateway answers this reason with 410 Gone, as MarbleRun's v1 /recover does.
        raise FailedPrecondition(RECOVER_V1_DISABLED, reason="ENDPOINT_GONE")

    async def GetRecoveryPublicKey(self, request: pb.GetRecoveryPublicKeyRequest, context) -> pb.RecoveryPublicKey:
        runtime = self._runtime
        require_state("recovery_public_key", await self._db.read(store.read_state))
        async with runtime.lock:
            if runtime.ephemeral_key is None:
                runtime.ephemeral_key = await asyncio.to_thread(new_ephemeral_key)
        answer = ephemeral_public_key_response(runtime.ephemeral_key)
        return pb.RecoveryPublicKey(algorithm=answer["algorithm"],
                                    ephemeralPublicKey=base64.b64decode(answer["ephemeralPublicKey"]))

    async def Recover(self, request: pb.RecoverRequest, context) -> pb.RecoverReply:
        runtime = self._runtime
        async with runtime.lock:
            require_state("recover", await self._db.read(store.read_state))
            secret = decode_recovery_secret(bytes(request.recoverySecret), runtime.ephemeral_key)
            if runtime.recovery is None:
                runtime.recovery = RecoverySession(await self._db.read(store.read_recovery_data))
            session = runtime.recovery

            def submit(db):
                result = session.submit(secret, bytes(request.recoverySecretSignature),
                                        lambda key: store.data_key_opens_state(db, key))
                if result.data_key is not None:
                    manifest = store.read_manifest(db)
                    session.verify_signatures(recovery_public_keys(manifest), manifest.Config.RecoveryThreshold)
                return result

            try:
                result = await self._db.read(submit)
            except SwitchyardError as error:
                if error.reason in RESTART_REASONS:
                    runtime.recovery = None  # the shares led nowhere: the whole process starts over
                raise
            if result.data_key is None:
                return pb.RecoverReply(remaining=result.remaining, message=result.message)
            data_key = result.data_key

            def release(db):
                require_state("recover", store.read_state(db))
                seal_data_key(runtime.data_dir, data_key)  # re-sealed, so the next start needs no recovery
                store.write_state(db, ACCEPTING_MARBLES)

            await self._db.write(release)
            runtime.data_key, runtime.recovery, runtime.ephemeral_key = data_key, None, None
        return pb.RecoverReply(remaining=0, message=result.message)

