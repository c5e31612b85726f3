"""Applying an acknowledged full manifest update to the stored state (inside one transaction).

What changes, as MarbleRun's updateApply does it: the raw manifest is replaced and re-signed;
packages, users and secrets follow the new manifest (`plan_secret_update` says which secrets are
kept); previous secret values stay readable as `previousSecret:*` for `.Previous` templates; a
new intermediate and marble root are issued under the unchanged root; when the recovery keys
or threshold change, a new data key is made, every sealed value is re-sealed under it and the
new recovery secrets are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from core.coordinator import store
from core.coordinator.datakey import open_value, seal_value
from core.coordinator.manifest import Manifest, Secret
from core.coordinator.manifest_check import recovery_public_keys
from core.coordinator.pki import CoordinatorPKI, renew_intermediate, sign_manifest
from core.coordinator.recovery import generate_recovery
from core.coordinator.sealing import seal_data_key
from core.coordinator.secrets import generate_secret, new_root_secret
from core.coordinator.updates import plan_secret_update
from core.coordinator.users import users_from_manifest


@dataclass(frozen=True)
class AppliedUpdate:
    data_key: bytes  # the new DEK when recovery keys changed, else the old one
    recovery_secrets: dict[str, bytes]


@dataclass(frozen=True)
class PreparedUpdate:
    """The slow part (key generation), computed before the transaction."""

    raw: bytes
    manifest: Manifest
    pki: CoordinatorPKI
    generated: dict[str, Secret]  # shared secrets generated anew
    root_secret: bytes | None  # set when RotateRootSecret asks for a new one


def prepare_full_update(old: Manifest, new: Manifest, raw: bytes, pki: CoordinatorPKI) -> PreparedUpdate:
    plan = plan_secret_update(old, new, new.Config.RotateRootSecret)
    renewed = renew_intermediate(pki)
    generated = {name: generate_secret(new.Secrets[name], renewed, shared=True)
                 for name in plan["regenerate"]
                 if new.Secrets[name].Shared and not new.Secrets[name].UserDefined}
    root_secret = new_root_secret() if new.Config.RotateRootSecret else None
    return PreparedUpdate(raw, new, renewed, generated, root_secret)


def apply_full_update(db: sqlite_utils.Database, data_dir: Path, data_key: bytes, old: Manifest,
                      update: PreparedUpdate) -> AppliedUpdate:
    new = update.manifest
    plan = plan_secret_update(old, new, new.Config.RotateRootSecret)
    current = store.read_secrets(db, data_key)
    store.write_secrets(db, data_key, current, prefix="previousSecret:")
    secrets: dict[str, Secret] = {}
    for name, definition in new.Secrets.items():
        if name in plan["keep"] and name in current:
            secrets[name] = current[name]
        elif name in update.generated:
            secrets[name] = update.generated[name]
        elif definition.UserDefined:
            secrets[name] = Secret(Type=definition.Type, Size=definition.Size, Shared=definition.Shared,
                                   UserDefined=True, ValidFor=definition.ValidFor)
    store.write_secrets(db, data_key, secrets)
    if update.root_secret is not None:
        store.put_sealed(db, data_key, "previousRootSecret", store.read_root_secret(db, data_key))
        store.write_root_secret(db, data_key, update.root_secret)
    store.write_manifest_raw(db, update.raw, sign_manifest(update.pki, update.raw))
    store.write_packages(db, new.Packages)
    store.write_users(db, users_from_manifest(new))
    store.write_pki(db, data_key, update.pki)
    if (old.RecoveryKeys, old.Config.RecoveryThreshold) == (new.RecoveryKeys, new.Config.RecoveryThreshold):
        return AppliedUpdate(data_key, {})
    recovery = generate_recovery(recovery_public_keys(new), new.Config.RecoveryThreshold)
    reseal(db, data_key, recovery.data_key)
    store.write_recovery_data(db, recovery.recovery_data)
    seal_data_key(data_dir, recovery.data_key)
    return AppliedUpdate(recovery.data_key, recovery.encrypted_secrets)


def reseal(db: sqlite_utils.Database, old_key: bytes, new_key: bytes) -> None:
    """Every sealed value, opened with the old DEK and sealed again under the new one."""
    for key in store.keys(db):
        if store.is_sealed_key(key):
            sealed = store.get(db, key)
            assert sealed is not None
            plain = open_value(old_key, sealed, key.encode())
            db.execute(f"UPDATE {store.TABLE} SET value = ? WHERE key = ?",
                       [seal_value(new_key, plain, key.encode()), key])
