"""`switchyard ams …`: managing AMS trust on a data directory, with or without the service up."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.ams import config, trust
from core.ams.passwords import hash_password
from core.errors import InvalidArgument
from core.storage import Database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="ams_command", required=True)
    trust_cmd = commands.add_parser("trust", help="trust a client certificate (PEM)")
    trust_cmd.add_argument("certificate", type=Path)
    trust_cmd.add_argument("--name", default="")
    trust_cmd.add_argument("--data-dir", type=Path)
    password_cmd = commands.add_parser(
        "set-trust-password", help="set the password untrusted clients register with (read from stdin)"
    )
    password_cmd.add_argument("--data-dir", type=Path)


def run(args: argparse.Namespace, db: Database) -> None:
    if args.ams_command == "trust":
        der = _certificate_der(args.certificate)
        fingerprint = db.run_sync(lambda conn: trust.trust_certificate(conn, der, args.name))
        print(fingerprint)
    else:
        password = _read_password()
        stored = hash_password(password)
        db.run_sync(lambda conn: config.store_setting(conn, config.TRUST_PASSWORD, stored))
        print("trust password set")


def _certificate_der(path: Path) -> bytes:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)
    except (OSError, ValueError) as error:
        raise InvalidArgument(f"cannot read a PEM certificate from {path}: {error}") from None


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Trust password: ")
        if password != getpass.getpass("Again: "):
            raise InvalidArgument("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise InvalidArgument("the trust password must not be empty")
    return password
