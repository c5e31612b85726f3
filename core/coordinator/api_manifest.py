"""GetManifest and SetManifest: the manifest is set once, then changes only through updates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlite_utils
from switchyard.coordinator.v1 import client_api_pb2 as pb

from core.coordinator import store
from core.coordinator.pki import CoordinatorPKI, manifest_fingerprint
from core.coordinator.sealing import seal_data_key
from core.coordinator.setup import ManifestSetup, prepare_manifest
from core.coordinator.status import ACCEPTING_MARBLES, require_state
from core.coordinator.api_base import ServicerBase


class ManifestApi(ServicerBase):
    async def GetManifest(self, request: pb.GetManifestRequest, context) -> pb.ManifestReply:
        stored = await self._db.read(store.read_manifest_raw)
        if stored is None:
            return pb.ManifestReply()
        raw, signature = stored
        return pb.ManifestReply(manifest=raw, manifestSignatureRootECDSA=signature,
                                manifestFingerprint=manifest_fingerprint(raw))

    async def SetManifest(self, request: pb.SetManifestRequest, context) -> pb.SetManifestReply:
        runtime = self._runtime
        async with runtime.lock:
            state = await self._db.read(store.read_state)
            require_state("set_manifest", state)
            pki = runtime.foundation.first_pki()
            # Key generation (RSA secrets, OAEP) is slow: off the event loop.
            setup = await asyncio.to_thread(prepare_manifest, bytes(request.manifest), pki, state)
            await self._db.write(lambda db: _store_setup(db, runtime.data_dir, setup, pki))
            runtime.data_key = setup.recovery.data_key
            runtime.recovery = None
            runtime.ephemeral_key = None
        return pb.SetManifestReply(recoveryKeys=setup.recovery.encrypted_secrets)


def _store_setup(db: sqlite_utils.Database, data_dir: Path, setup: ManifestSetup, pki: CoordinatorPKI) -> None:
    """One transaction. The sealed key is written first: a crash before COMMIT leaves the old
    rows with a key that does not open them (recovery mode), never rows nobody can open."""
    require_state("set_manifest", store.read_state(db))
    seal_data_key(data_dir, setup.recovery.data_key)
    dek = setup.recovery.data_key
    store.clear(db)  # in recovery mode a new manifest replaces the old state entirely
    store.write_manifest_raw(db, setup.raw, setup.signature)
    store.write_pki(db, dek, pki)
    store.write_packages(db, setup.manifest.Packages)
    store.write_users(db, setup.users)
    store.write_secrets(db, dek, setup.secrets)
    store.write_root_secret(db, dek, setup.root_secret)
    store.write_recovery_data(db, setup.recovery.recovery_data)
    store.write_update_log(db, setup.log_lines)
    store.write_state(db, ACCEPTING_MARBLES)

