"""Updates: package SecurityVersions, multi-party full manifest updates, the update log."""

from __future__ import annotations

import asyncio

import sqlite_utils
from switchyard.coordinator.v1 import client_api_pb2 as pb

from core.coordinator import store
from core.coordinator.api_base import ServicerBase
from core.coordinator.full_update import AppliedUpdate, PreparedUpdate, apply_full_update, prepare_full_update
from core.coordinator.manifest import parse_manifest
from core.coordinator.pki import renew_intermediate
from core.coordinator.secrets import generate_secret
from core.coordinator.status import require_state
from core.coordinator.updates import (
    UPDATE_CANCELLED,
    UpdateProgress,
    acknowledge_update,
    acknowledgement_message,
    apply_failed_log_line,
    apply_package_update,
    cancel_update,
    pending_update_view,
    require_no_pending_update,
    secrets_renewed_by_package_update,
    start_full_update,
)


class UpdatesApi(ServicerBase):
    async def Update(self, request: pb.UpdateRequest, context) -> pb.UpdateReply:
        raw = bytes(request.manifest)
        certificates = self._caller_certificates()

        def look(db: sqlite_utils.Database):
            user = self._user(db, certificates)
            require_state("update", store.read_state(db))
            update = parse_manifest(raw, "unmarshaling update manifest")
            require_no_pending_update(store.read_pending_update(db))
            return user, update, store.read_manifest(db), store.read_users(db), self._runtime.pki(db)

        async with self._runtime.lock:
            user, update, current, users, pki = await self._db.read(look)
            if update.is_package_update_only():
                await self._update_packages(user, update, current, pki)
                return pb.UpdateReply()
            # Parsing, every manifest rule and the template dry run: off the event loop.
            progress = await asyncio.to_thread(start_full_update, user, current, users, raw)
            applied = await self._settle(progress, raw, pki)
        if progress.pending is not None:
            return pb.UpdateReply(missingAcknowledgments=progress.pending.missing_acknowledgments,
                                  missingUsers=progress.pending.missing_users())
        return pb.UpdateReply(recoverySecrets=applied.recovery_secrets if applied else {})

    async def _update_packages(self, user, update, current, pki) -> None:
        """New SecurityVersions; a new intermediate, and the shared certificates re-issued under it."""
        change = apply_package_update(user, update, current.Packages)
        renewed = await asyncio.to_thread(renew_intermediate, pki)
        names = secrets_renewed_by_package_update(current)
        fresh = await asyncio.to_thread(
            lambda: {n: generate_secret(current.Secrets[n], renewed, shared=True) for n in names})
        dek = self._runtime.require_data_key()

        def write(db: sqlite_utils.Database) -> None:
            require_no_pending_update(store.read_pending_update(db))
            store.write_packages(db, change.packages)
            store.write_pki(db, dek, renewed)
            for name, secret in fresh.items():
                store.write_secret(db, dek, name, secret)
            store.append_update_log(db, change.log_lines)

        await self._db.write(write)

    async def _settle(self, progress: UpdateProgress, raw: bytes, pki) -> AppliedUpdate | None:
        """Store a pending update, or apply one nobody else needs to acknowledge."""
        runtime = self._runtime
        dek = runtime.require_data_key()
        if progress.pending is not None:
            def keep_pending(db: sqlite_utils.Database) -> None:
                store.write_pending_update(db, progress.pending)
                store.append_update_log(db, progress.log_lines)

            await self._db.write(keep_pending)
            return None
        current = await self._db.read(store.read_manifest)
        prepared: PreparedUpdate = await asyncio.to_thread(prepare_full_update, current, progress.manifest, raw, pki)

        def apply(db: sqlite_utils.Database) -> AppliedUpdate:
            applied = apply_full_update(db, runtime.data_dir, dek, current, prepared)
            store.write_pending_update(db, None)
            store.append_update_log(db, progress.log_lines)
            return applied

        try:
            applied = await self._db.write(apply)
        except Exception:
            # MarbleRun cancels an update that fails to apply; the old state is untouched.
            pending = await self._db.read(store.read_pending_update)
            if pending is not None:
                await self._db.write(lambda db: (store.write_pending_update(db, None),
                                                 store.append_update_log(db, [apply_failed_log_line(pending)])))
            raise
        runtime.data_key = applied.data_key
        return applied

    async def GetUpdateLog(self, request: pb.GetUpdateLogRequest, context) -> pb.UpdateLog:
        def read(db: sqlite_utils.Database) -> list[str]:
            require_state("update_log", store.read_state(db))
            return store.read_update_log(db)

        return pb.UpdateLog(updateLog=await self._db.read(read))

    async def AcknowledgeUpdate(self, request: pb.AcknowledgeUpdateRequest, context) -> pb.AcknowledgeUpdateReply:
        raw = bytes(request.manifest)
        certificates = self._caller_certificates()

        def look(db: sqlite_utils.Database):
            user = self._user(db, certificates)
            return acknowledge_update(user, store.read_pending_update(db), raw), self._runtime.pki(db)

        async with self._runtime.lock:
            progress, pki = await self._db.read(look)
            applied = await self._settle(progress, raw, pki)
        pending = progress.pending
        missing = pending.missing_acknowledgments if pending else 0
        users = pending.missing_users() if pending else []
        return pb.AcknowledgeUpdateReply(
            message=acknowledgement_message(missing, users, v2=True), missingUsers=users,
            missingAcknowledgments=max(missing, 0), summary=acknowledgement_message(missing, users, v2=False),
            recoverySecrets=applied.recovery_secrets if applied else {},
        )

    async def GetPendingUpdate(self, request: pb.GetPendingUpdateRequest, context) -> pb.PendingUpdate:
        pending = await self._db.read(store.read_pending_update)
        view = pending_update_view(pending)  # NotFound when there is none
        assert pending is not None
        return pb.PendingUpdate(manifest=pending.manifest_raw, missingUsers=view["missingUsers"],
                                message=view["message"])

    async def CancelUpdate(self, request: pb.CancelUpdateRequest, context) -> pb.CancelUpdateReply:
        certificates = self._caller_certificates()

        def cancel(db: sqlite_utils.Database) -> None:
            user = self._user(db, certificates)
            line = cancel_update(user, store.read_pending_update(db))
            store.write_pending_update(db, None)
            store.append_update_log(db, [line])

        async with self._runtime.lock:
            await self._db.write(cancel)
        return pb.CancelUpdateReply(message=UPDATE_CANCELLED)
