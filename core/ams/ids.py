"""Resource ids as AMS writes them: xids, 20 characters of base32hex in lower case.

12 bytes: a 4-byte big-endian Unix time, 5 random bytes drawn once per process, and a 3-byte
counter that starts at a random value; ids made later sort after earlier ones.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time

import sqlite_utils

_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_PROCESS = secrets.token_bytes(5)
_counter = itertools.count(secrets.randbelow(2**24))
_lock = threading.Lock()


def new_id() -> str:
    with _lock:
        count = next(_counter) % 2**24
    raw = int(time.time()).to_bytes(4, "big") + _PROCESS + count.to_bytes(3, "big")
    # 96 bits padded to 100 (20 × 5) with four zero bits on the right, as xid does.
    value = int.from_bytes(raw, "big") << 4
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(95, -1, -5))


def looks_like_id(text: str) -> bool:
    return len(text) == 20 and all(c in _ALPHABET for c in text)


def row_id(db: sqlite_utils.Database, table: str, id_or_name: str) -> str | None:
    """The id of the row of `table` the document's `<id or name>` names. A name may look like an
    id, so an id-shaped value that matches no id is tried as a name."""
    column = "id" if looks_like_id(id_or_name) else "name"
    row = db.execute(f"SELECT id FROM {table} WHERE {column} = ?", [id_or_name]).fetchone()
    if row is None and column == "id":
        row = db.execute(f"SELECT id FROM {table} WHERE name = ?", [id_or_name]).fetchone()
    return row[0] if row else None
