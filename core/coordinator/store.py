"""The Coordinator's persisted state: the `coordinator_store` key/value table.

Keys are named as MarbleRun names them (`state`, `manifest`, `secret:<name>`, `user:<name>`,
`package:<name>`, ...). Values under a sealed prefix (secrets, the root secret, private keys)
are written only as AES-256-GCM ciphertexts under the data key, with the store key as
associated data so a ciphertext cannot be moved to another key; everything else is plain.

Every function takes the `sqlite_utils.Database` handed to `Database.read`/`write`, so a caller
composes several of them into one transaction. The Marble API reads the same functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict

import sqlite_utils
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.coordinator.datakey import DataKeyMismatch, open_value, seal_value
from core.coordinator.manifest import Manifest, Package, Secret, parse_manifest
from core.coordinator.pki import CoordinatorPKI
from core.coordinator.secrets import secret_from_json, secret_to_json
from core.coordinator.status import ACCEPTING_MANIFEST
from core.coordinator.updates import PendingUpdate
from core.coordinator.users import CoordinatorUser
from core.errors import NotFound

TABLE = "coordinator_store"
SEALED_PREFIXES = ("secret:", "previousSecret:", "privateKey:", "rootSecret", "previousRootSecret")
# Opening this value proves a candidate data key is the one the state was sealed with.
SEAL_CHECK_KEY = "rootSecret"
ROOT_KEY_ENTRY = "privateKey:coordinatorRootKey"


def is_sealed_key(key: str) -> bool:
    return key.startswith(SEALED_PREFIXES)


# ---- raw access --------------------------------------------------------------------------------

def get(db: sqlite_utils.Database, key: str) -> bytes | None:
    row = db.execute(f"SELECT value FROM {TABLE} WHERE key = ?", [key]).fetchone()
    if row is None:
        return None
    # A row written as TEXT by hand (or by an older writer) reads as str.
    return row[0].encode() if isinstance(row[0], str) else bytes(row[0])


def put(db: sqlite_utils.Database, key: str, value: bytes) -> None:
    if is_sealed_key(key):
        raise ValueError(f"{key} must be sealed")  # a programming error, never a client's
    db.execute(f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES (?, ?)", [key, value])


def keys(db: sqlite_utils.Database, prefix: str = "") -> list[str]:
    rows = db.execute(f"SELECT key FROM {TABLE} WHERE substr(key, 1, ?) = ? ORDER BY key",
                      [len(prefix), prefix]).fetchall()
    return [r[0] for r in rows]


def delete(db: sqlite_utils.Database, key: str) -> None:
    db.execute(f"DELETE FROM {TABLE} WHERE key = ?", [key])


def clear(db: sqlite_utils.Database) -> None:
    """Drop the whole state (a manifest set in recovery mode starts over)."""
    db.execute(f"DELETE FROM {TABLE}")


def get_sealed(db: sqlite_utils.Database, data_key: bytes, key: str) -> bytes | None:
    sealed = get(db, key)
    return None if sealed is None else open_value(data_key, sealed, key.encode())


def put_sealed(db: sqlite_utils.Database, data_key: bytes, key: str, value: bytes) -> None:
    sealed = seal_value(data_key, value, key.encode())
    db.execute(f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES (?, ?)", [key, sealed])


def data_key_opens_state(db: sqlite_utils.Database, data_key: bytes) -> bool:
    try:
        get_sealed(db, data_key, SEAL_CHECK_KEY)
    except DataKeyMismatch:
        return False
    return True


def has_sealed_state(db: sqlite_utils.Database) -> bool:
    return get(db, SEAL_CHECK_KEY) is not None


# ---- typed entries -----------------------------------------------------------------------------

def read_state(db: sqlite_utils.Database) -> int:
    value = get(db, "state")
    return int(value) if value else ACCEPTING_MANIFEST


def write_state(db: sqlite_utils.Database, state: int) -> None:
    put(db, "state", str(state).encode())


def read_manifest_raw(db: sqlite_utils.Database) -> tuple[bytes, bytes] | None:
    """(raw manifest, root signature), or None before any manifest."""
    raw = get(db, "manifest")
    if raw is None:
        return None
    return raw, get(db, "manifestSignature") or b""


def write_manifest_raw(db: sqlite_utils.Database, raw: bytes, signature: bytes) -> None:
    put(db, "manifest", raw)
    put(db, "manifestSignature", signature)


def read_manifest(db: sqlite_utils.Database) -> Manifest:
    """The current manifest, with package SecurityVersions as updates have raised them."""
    stored = read_manifest_raw(db)
    if stored is None:
        raise NotFound("requested value not set", reason="NO_MANIFEST")
    manifest = parse_manifest(stored[0])
    manifest.Packages.update(read_packages(db))
    return manifest


def read_packages(db: sqlite_utils.Database) -> dict[str, Package]:
    return {k.split(":", 1)[1]: Package(**json.loads(get(db, k) or b"{}")) for k in keys(db, "package:")}


def write_packages(db: sqlite_utils.Database, packages: dict[str, Package]) -> None:
    for key in keys(db, "package:"):
        delete(db, key)
    for name, package in packages.items():
        put(db, f"package:{name}", json.dumps(asdict(package)).encode())


def read_users(db: sqlite_utils.Database) -> dict[str, CoordinatorUser]:
    return {k.split(":", 1)[1]: CoordinatorUser.from_json(json.loads(get(db, k) or b"{}"))
            for k in keys(db, "user:")}


def write_users(db: sqlite_utils.Database, users: dict[str, CoordinatorUser]) -> None:
    for key in keys(db, "user:"):
        delete(db, key)
    for name, user in users.items():
        put(db, f"user:{name}", json.dumps(user.to_json()).encode())


def read_secrets(db: sqlite_utils.Database, data_key: bytes, names: Iterable[str] | None = None,
                 prefix: str = "secret:") -> dict[str, Secret]:
    """Stored secrets (all, or the named ones); a missing name is NotFound, as MarbleRun says."""
    wanted = [k.split(":", 1)[1] for k in keys(db, prefix)] if names is None else list(names)
    out = {}
    for name in wanted:
        value = get_sealed(db, data_key, f"{prefix}{name}")
        if value is None:
            raise NotFound(f"loading secret {name} from store: requested value not set",
                           reason="SECRET_NOT_FOUND", metadata={"secret": name})
        out[name] = secret_from_json(json.loads(value))
    return out


def read_secrets_through(db: sqlite_utils.Database, data_key: bytes, opened: dict[tuple[str, bytes], Secret],
                         prefix: str = "secret:") -> dict[str, Secret]:
    """Every secret under `prefix`, opening only ciphertexts not already in `opened`.

    `opened` (the caller's, kept in memory only) maps (store key, ciphertext) to the secret; a
    rewritten secret gets a new ciphertext (fresh nonce), so it is never served stale, and the
    store key in the cache key keeps the associated-data binding. It is pruned to what is read.
    """
    rows = db.execute(f"SELECT key, value FROM {TABLE} WHERE substr(key, 1, ?) = ? ORDER BY key",
                      [len(prefix), prefix]).fetchall()
    out, seen = {}, {}
    for key, value in rows:
        entry = (key, bytes(value))
        secret = opened.get(entry)
        if secret is None:
            secret = secret_from_json(json.loads(open_value(data_key, entry[1], key.encode())))
        seen[entry] = out[key[len(prefix):]] = secret
    opened.clear()
    opened.update(seen)
    return out


def write_secret(db: sqlite_utils.Database, data_key: bytes, name: str, secret: Secret,
                 prefix: str = "secret:") -> None:
    put_sealed(db, data_key, f"{prefix}{name}", json.dumps(secret_to_json(secret)).encode())


def write_secrets(db: sqlite_utils.Database, data_key: bytes, secrets: dict[str, Secret],
                  prefix: str = "secret:") -> None:
    """Replace every secret under `prefix`."""
    for key in keys(db, prefix):
        delete(db, key)
    for name, secret in secrets.items():
        write_secret(db, data_key, name, secret, prefix)


def read_root_secret(db: sqlite_utils.Database, data_key: bytes) -> bytes:
    value = get_sealed(db, data_key, "rootSecret")
    if value is None:
        raise NotFound("requested value not set", reason="NO_ROOT_SECRET")
    return value


def write_root_secret(db: sqlite_utils.Database, data_key: bytes, root_secret: bytes) -> None:
    put_sealed(db, data_key, "rootSecret", root_secret)


def read_pki(db: sqlite_utils.Database, data_key: bytes, root_key: ec.EllipticCurvePrivateKey) -> CoordinatorPKI | None:
    """The stored PKI; the root key is not in the store (it is the foundation's, see sealing)."""
    entries = {k: get(db, k) for k in keys(db, "certificate:")}
    if not entries:
        return None
    entries["privateKey:coordinatorIntermediateKey"] = get_sealed(db, data_key, "privateKey:coordinatorIntermediateKey")
    entries[ROOT_KEY_ENTRY] = root_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    return CoordinatorPKI.from_store(entries)  # type: ignore[arg-type]


def write_pki(db: sqlite_utils.Database, data_key: bytes, pki: CoordinatorPKI) -> None:
    for key, value in pki.to_store().items():
        if key == ROOT_KEY_ENTRY:
            continue
        if is_sealed_key(key):
            put_sealed(db, data_key, key, value)
        else:
            put(db, key, value)


def read_update_log(db: sqlite_utils.Database) -> list[str]:
    text = (get(db, "updateLog") or b"").decode()
    return [line for line in text.strip().split("\n") if line]


def write_update_log(db: sqlite_utils.Database, lines: list[str]) -> None:
    put(db, "updateLog", "".join(f"{line}\n" for line in lines).encode())


def append_update_log(db: sqlite_utils.Database, lines: Iterable[str]) -> None:
    write_update_log(db, read_update_log(db) + list(lines))


def read_pending_update(db: sqlite_utils.Database) -> PendingUpdate | None:
    value = get(db, "pendingUpdate")
    return None if value is None else PendingUpdate.from_json(json.loads(value))


def write_pending_update(db: sqlite_utils.Database, pending: PendingUpdate | None) -> None:
    if pending is None:
        delete(db, "pendingUpdate")
    else:
        put(db, "pendingUpdate", json.dumps(pending.to_json()).encode())


def read_recovery_data(db: sqlite_utils.Database) -> bytes:
    return get(db, "recoveryData") or b"null"


def write_recovery_data(db: sqlite_utils.Database, data: bytes) -> None:
    put(db, "recoveryData", data)


def read_activations(db: sqlite_utils.Database, marble_type: str) -> int:
    """How often Marbles of this type were activated (counted only where MaxActivations is set)."""
    value = get(db, f"activations:{marble_type}")
    return int(value) if value else 0


def write_activations(db: sqlite_utils.Database, marble_type: str, count: int) -> None:
    put(db, f"activations:{marble_type}", str(count).encode())


def manifest_version(db: sqlite_utils.Database) -> bytes:
    """Changes whenever what an activation is built from changes (a full update re-signs the
    manifest, a package update rewrites the package rows)."""
    signature = get(db, "manifestSignature") or b""
    packages = b"".join(k.encode() + b"=" + (get(db, k) or b"") + b";" for k in keys(db, "package:"))
    return signature + b"|" + packages


def feature_gates(db: sqlite_utils.Database) -> set[str]:
    """The current manifest's feature gates, lower-cased (none before a manifest)."""
    if read_manifest_raw(db) is None:
        return set()
    return {g.lower() for g in read_manifest(db).Config.FeatureGates}
