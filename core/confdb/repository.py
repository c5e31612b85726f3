"""The confdb store's rows: accounts, their signing keys and every accepted schema revision.

Plain functions over a `sqlite_utils.Database`, run on the database thread (`Database.read`,
`Database.write`, or `run_sync` from the offline CLI); each write is one transaction there.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import sqlite_utils

from core.confdb.assertion import Assertion
from core.confdb.keys import AccountKey
from core.confdb.openpgp import public_key_from_body
from core.confdb.upload import require_newer_revision
from core.errors import AlreadyExists, InvalidArgument, NotFound

# snapd account ids are short names or 32-character store ids; neither may hold "/".
ACCOUNT_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def create_account(db: sqlite_utils.Database, account_id: str, email: str) -> None:
    if not ACCOUNT_ID.fullmatch(account_id):
        raise InvalidArgument(f"invalid account id {account_id!r}", reason="invalid-account-id", metadata={"field": "id"})
    if not EMAIL.fullmatch(email):
        raise InvalidArgument(f"invalid email {email!r}", reason="invalid-email", metadata={"field": "email"})
    if _account_row(db, account_id) is not None:
        raise AlreadyExists(f"account {account_id!r} already exists", reason="account-exists")
    db.execute(
        "INSERT INTO confdb_accounts (id, email, created_at) VALUES (?, ?, ?)", [account_id, email, int(time.time())]
    )


def account_email(db: sqlite_utils.Database, account_id: str) -> str:
    """The account's email; NotFound when there is no such account."""
    row = _account_row(db, account_id)
    if row is None:
        raise NotFound(f"no account {account_id!r}", reason="unknown-account")
    return row[0]


def _account_row(db: sqlite_utils.Database, account_id: str) -> tuple | None:
    return db.execute("SELECT email FROM confdb_accounts WHERE id = ?", [account_id]).fetchone()


def add_key(db: sqlite_utils.Database, key: AccountKey) -> None:
    """Register a checked key; a key is registered once, and names are unique per account."""
    account_email(db, key.account_id)
    if find_key(db, key.key_id) is not None:
        raise AlreadyExists(f"key {key.key_id} is already registered", reason="key-registered")
    taken = db.execute(
        "SELECT 1 FROM confdb_account_keys WHERE account_id = ? AND name = ?", [key.account_id, key.name]
    ).fetchone()
    if taken:
        raise AlreadyExists(
            f"account {key.account_id!r} already has a key named {key.name!r}", reason="key-name-taken"
        )
    db.execute(
        "INSERT INTO confdb_account_keys (key_id, account_id, name, public_key, since, until, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            key.key_id, key.account_id, key.name, key.public_key.encode_body(), key.since.isoformat(),
            key.until.isoformat() if key.until else None, int(time.time()),
        ],
    )


def find_key(db: sqlite_utils.Database, key_id: str) -> AccountKey | None:
    row = db.execute(
        "SELECT account_id, name, public_key, since, until FROM confdb_account_keys WHERE key_id = ?", [key_id]
    ).fetchone()
    if row is None:
        return None
    account_id, name, public_key, since, until = row
    return AccountKey(
        account_id,
        name,
        public_key_from_body(public_key),
        datetime.fromisoformat(since),
        datetime.fromisoformat(until) if until else None,
    )


def latest_revision(db: sqlite_utils.Database, account_id: str, name: str) -> int | None:
    row = db.execute(
        "SELECT MAX(revision) FROM confdb_schemas WHERE account_id = ? AND name = ?", [account_id, name]
    ).fetchone()
    return row[0]


def store_schema(db: sqlite_utils.Database, schema: Assertion) -> bytes:
    """Keep a checked confdb-schema as a new revision; answers the bytes stored.

    The revision is checked again here, inside the write transaction: two uploads that both
    passed the checks against the same older revision cannot both be stored.
    """
    account_id, name = schema.text("account-id"), schema.text("name")
    require_newer_revision(schema.revision, latest_revision(db, account_id, name))
    raw = schema.encoded()
    db.execute(
        "INSERT INTO confdb_schemas (account_id, name, revision, assertion, stored_at) VALUES (?, ?, ?, ?, ?)",
        [account_id, name, schema.revision, raw, int(time.time())],
    )
    return raw


def latest_schemas(db: sqlite_utils.Database, account_id: str, name: str | None = None) -> list[bytes]:
    """The account's schemas at their latest revisions (only `name`, when given), by name."""
    query = (
        "SELECT assertion FROM confdb_schemas AS s WHERE account_id = ? "
        "AND revision = (SELECT MAX(revision) FROM confdb_schemas WHERE account_id = s.account_id AND name = s.name)"
    )
    args: list[str] = [account_id]
    if name is not None:
        query += " AND name = ?"
        args.append(name)
    return [bytes(row[0]) for row in db.execute(query + " ORDER BY name", args).fetchall()]


def schema_revisions(db: sqlite_utils.Database, account_id: str, name: str) -> list[tuple[int, bytes]]:
    """Every stored revision of one schema, oldest first."""
    rows = db.execute(
        "SELECT revision, assertion FROM confdb_schemas WHERE account_id = ? AND name = ? ORDER BY revision",
        [account_id, name],
    ).fetchall()
    return [(revision, bytes(raw)) for revision, raw in rows]
