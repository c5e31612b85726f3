"""`switchyard confdb …`: store administration on a data directory, with or without the service up.

The database is shared with a running service (SQLite, one transaction per change) and the
macaroon root key is a file both read, so what the CLI does is seen by the service at once.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from core.confdb import admin, repository
from core.errors import InvalidArgument
from core.storage import Database
from core.storage.database import transaction


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="confdb_command", required=True)
    account = commands.add_parser("create-account", help="create a publisher account")
    account.add_argument("--id", required=True, dest="account_id")
    account.add_argument("--email", required=True)
    key = commands.add_parser(
        "register-key", help="register an account-key-request or an OpenPGP RSA public key (>= 4096 bits)"
    )
    key.add_argument("account")
    key.add_argument("keyfile", type=Path)
    key.add_argument("--name", help="the key's name for a bare OpenPGP key (default: default)")
    macaroon = commands.add_parser("issue-macaroon", help="print an Authorization header value for ACCOUNT")
    macaroon.add_argument("account")
    macaroon.add_argument("--expires", help="RFC 3339 time or lifetime such as 12h, 30d (default 30d)")
    macaroon.add_argument(
        "--macaroon-only", action="store_true", help="print the serialized macaroon, not the header value"
    )
    for command in (account, key, macaroon):
        command.add_argument("--data-dir", type=Path)


def run(args: argparse.Namespace, db: Database, data_dir: Path) -> None:
    now = datetime.now(timezone.utc)
    if args.confdb_command == "create-account":
        db.run_sync(lambda conn: _in_transaction(conn, repository.create_account, args.account_id, args.email))
        print(args.account_id)
    elif args.confdb_command == "register-key":
        data = _read_key(args.keyfile)
        key = db.run_sync(
            lambda conn: _in_transaction(
                conn, admin.register_account_key, args.account, data, name=args.name, now=now
            )
        )
        print(key.key_id)
    else:
        expires = admin.expiry(args.expires, now)
        root_key = admin.load_root_key(data_dir)
        credential = db.run_sync(lambda conn: admin.issue_credential(conn, root_key, args.account, expires))
        print(credential.root if args.macaroon_only else credential.authorization())


def _in_transaction(conn, fn, *args, **kwargs):
    # The same guarantee Database.write gives the service: the whole change or nothing.
    with transaction(conn):
        return fn(conn, *args, **kwargs)


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidArgument(f"cannot read {path}: {error.strerror}") from None
