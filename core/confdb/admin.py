"""Store administration shared by the ConfdbAdmin servicer and `switchyard confdb …`.

Accounts, keys and credentials are made by an operator, never through the REST store API.
The macaroon root key is a file in the data directory, so that the offline CLI and a running
service mint and verify credentials with the same key.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from core.confdb import repository
from core.confdb.assertion import parse_time
from core.confdb.keys import AccountKey, register_key
from core.confdb.macaroons import Credential, mint_credential
from core.errors import InvalidArgument
from core.pki import write_private

ROOT_KEY_BYTES = 32
DEFAULT_LIFETIME = timedelta(days=30)
_DURATION = re.compile(r"(?P<count>[1-9][0-9]{0,6})(?P<unit>[smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def root_key_path(data_dir: Path) -> Path:
    return data_dir / "confdb" / "macaroon-root.key"


def load_root_key(data_dir: Path) -> bytes:
    """The macaroon root key, created on first need.

    Created under a unique name and hard-linked into place: when the CLI and the service race
    to create it, exactly one key wins and both read that one (a rename would let the loser
    overwrite a key that already signed credentials).
    """
    path = root_key_path(data_dir)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        candidate = path.with_name(f"{path.name}.{secrets.token_hex(8)}")
        write_private(candidate, secrets.token_bytes(ROOT_KEY_BYTES))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    key = path.read_bytes()
    if len(key) != ROOT_KEY_BYTES:
        raise InvalidArgument(f"{path} does not hold a {ROOT_KEY_BYTES}-byte macaroon root key", reason="bad-root-key")
    return key


def expiry(text: str | None, now: datetime) -> datetime:
    """`--expires`: an RFC 3339 time or a lifetime such as 12h or 30d; default 30 days."""
    if not text:
        return now + DEFAULT_LIFETIME
    lifetime = _DURATION.fullmatch(text)
    if lifetime:
        return now + timedelta(**{_UNITS[lifetime["unit"]]: int(lifetime["count"])})
    try:
        when = parse_time(text, "expires")
    except InvalidArgument:
        raise InvalidArgument(
            f"expires must be an RFC 3339 time or a lifetime like 12h or 30d, not {text!r}", reason="invalid-expiry"
        ) from None
    if when <= now:
        raise InvalidArgument(f"expires {text} is not in the future", reason="invalid-expiry")
    return when


def issue_credential(db: sqlite_utils.Database, root_key: bytes, account_id: str, expires: datetime) -> Credential:
    """A credential for an existing account (NotFound otherwise)."""
    repository.account_email(db, account_id)
    return mint_credential(account_id, root_key, expires=expires)


def register_account_key(
    db: sqlite_utils.Database, account_id: str, data: bytes, *, name: str | None, now: datetime
) -> AccountKey:
    """Check and store a key for `account_id` (call inside one write transaction)."""
    repository.account_email(db, account_id)
    # Whole seconds, as assertion timestamps are: a schema built in the same second as the key
    # was registered must not fall before the key's `since`.
    since = now.replace(microsecond=0)
    key = register_key(account_id, data, now=since, name=name or "default")
    if name and key.name != name:
        raise InvalidArgument(
            f"the account-key-request names its key {key.name!r}, not {name!r}", reason="key-name-mismatch"
        )
    repository.add_key(db, key)
    return key


def utc_text(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
