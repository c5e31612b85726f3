"""Sealing the data key, and what the Coordinator holds in memory while it runs.

Simulation sealing (no SGX here): the data key (DEK) is written to `coordinator-sealed-key` in
the data directory, mode 0600, as MarbleRun's non-enclave build keeps its key. Removing or
corrupting that file is what losing the sealing key looks like: at the next start the state
cannot be opened and the Coordinator enters recovery mode (state 1).

The root key and the key relation to sealing (a deliberate choice, docs/coordinator.md): the
Coordinator's root and intermediate CA are the foundation's (`tls/coordinator-root.*`,
`tls/coordinator-intermediate.*`, mode 0600 keys), created before any manifest because the
client-API listener serves a certificate under them from the first start. The root key is
therefore *not* part of the sealed state: it survives the loss of the sealed key, so a
Coordinator in recovery mode keeps its identity (clients keep trusting it, and the manifest
signature stays verifiable). Everything the manifest brings (secrets, root secret, the
intermediate key once renewed by an update) is sealed under the DEK.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.coordinator import store
from core.coordinator.datakey import DATA_KEY_SIZE
from core.coordinator.pki import CoordinatorPKI, with_marble_root
from core.coordinator.recovery import RecoverySession
from core.coordinator.status import ACCEPTING_MARBLES, RECOVERY
from core.errors import FailedPrecondition
from core.pki import TlsMaterial, write_private

SEALED_KEY_FILE = "coordinator-sealed-key"
log = logging.getLogger("switchyard.coordinator")


def sealed_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / SEALED_KEY_FILE


def seal_data_key(data_dir: Path, data_key: bytes) -> None:
    """Write the DEK atomically (fsync + rename), readable by the service's user only."""
    write_private(sealed_key_path(data_dir), data_key)


def unseal_data_key(data_dir: Path) -> bytes | None:
    path = sealed_key_path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if len(data) == DATA_KEY_SIZE else None


@dataclass
class Foundation:
    """The CAs made at server start: the root signs the intermediate, which signs the server
    certificate and (through the marble root on its key) every Marble certificate."""

    root_key: ec.EllipticCurvePrivateKey
    pki_without_marble_root: CoordinatorPKI

    @classmethod
    def from_tls(cls, tls: TlsMaterial) -> Foundation:
        root, intermediate = tls.coordinator_root, tls.coordinator_intermediate
        root_cert, inter_cert = root.certificate(), intermediate.certificate()
        pki = CoordinatorPKI(root.private_key(), root_cert, intermediate.private_key(), inter_cert, inter_cert)
        return cls(root.private_key(), pki)

    def first_pki(self) -> CoordinatorPKI:
        """The PKI of a first manifest: the foundation's CAs plus a marble root on the
        intermediate's key (MarbleRun's self-signed twin of the intermediate), made now."""
        return with_marble_root(self.pki_without_marble_root)


@dataclass
class CoordinatorRuntime:
    """What lives only in memory: the unsealed DEK, a recovery in progress, the ephemeral key.

    `lock` serialises the calls that change state; each still writes in one transaction and
    re-checks the state inside it.
    """

    data_dir: Path
    foundation: Foundation
    data_key: bytes | None = None
    recovery: RecoverySession | None = None
    ephemeral_key: rsa.RSAPrivateKey | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def require_data_key(self) -> bytes:
        if self.data_key is None:
            raise FailedPrecondition("server is not in expected state", reason="WRONG_STATE")
        return self.data_key

    def pki(self, db: sqlite_utils.Database) -> CoordinatorPKI:
        """The stored PKI once a manifest is set, the foundation's before."""
        if self.data_key is not None:
            stored = store.read_pki(db, self.data_key, self.foundation.root_key)
            if stored is not None:
                return stored
        return self.foundation.pki_without_marble_root


def open_state(db: sqlite_utils.Database, runtime: CoordinatorRuntime) -> int:
    """At start-up: unseal the DEK; sealed state it cannot open means recovery mode.

    Runs inside one write transaction. The state row says 1 while in recovery so the Marble API
    (and a status read) refuse work; once the key opens the state again it says 3.
    """
    if not store.has_sealed_state(db):
        return store.read_state(db)
    data_key = unseal_data_key(runtime.data_dir)
    if data_key is not None and store.data_key_opens_state(db, data_key):
        runtime.data_key = data_key
        if store.read_state(db) == RECOVERY:
            store.write_state(db, ACCEPTING_MARBLES)
        return store.read_state(db)
    log.warning("the sealed state cannot be opened with the sealed key: recovery mode")
    runtime.data_key = None
    runtime.recovery = RecoverySession(store.read_recovery_data(db))
    store.write_state(db, RECOVERY)
    return RECOVERY
