"""The `switchyard` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from core.ams import offline as ams
from core.confdb import offline as confdb
from core.config import add_serve_arguments, config_from_arguments
from core.errors import SwitchyardError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchyard")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the core and the REST gateway")
    add_serve_arguments(serve)
    serve.add_argument("--no-gateway", action="store_true", help="run the core alone (see `gateway`)")
    gateway = commands.add_parser("gateway", help="run the REST gateway alone, in front of a running core")
    add_serve_arguments(gateway)
    gateway.add_argument("--core", help="the core's gRPC target (default unix:<data-dir>/core.sock)")

    issue = commands.add_parser("issue-client-cert", help="mint a certificate for a direct gRPC client")
    issue.add_argument("name", help="the client's common name")
    issue.add_argument("--out", type=Path, required=True, help="directory for NAME.crt and NAME.key")
    issue.add_argument("--data-dir", type=Path)

    ams.add_arguments(commands.add_parser("ams", help="manage AMS trust offline"))
    confdb.add_arguments(commands.add_parser("confdb", help="manage confdb store accounts, keys and macaroons"))

    args = parser.parse_args(argv)
    config = config_from_arguments(args)
    logging.basicConfig(level=config.log_level.upper(), format=LOG_FORMAT)
    try:
        if args.command == "serve":
            from core.serve import serve

            asyncio.run(serve(config, with_gateway=not args.no_gateway))
        elif args.command == "gateway":
            from core.serve import serve_gateway

            asyncio.run(serve_gateway(config, args.core or f"unix:{config.core_socket}"))
        elif args.command == "issue-client-cert":
            _issue_client_cert(config.tls_dir, args.name, args.out)
        elif args.command in ("ams", "confdb"):
            from core.serve import open_database

            config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            db = open_database(config)
            try:
                if args.command == "ams":
                    ams.run(args, db)
                else:
                    confdb.run(args, db, config.data_dir)
            finally:
                db.close()
    except SwitchyardError as error:
        print(f"switchyard: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _issue_client_cert(tls_dir: Path, name: str, out: Path) -> None:
    from core.pki import Identity, issue_client_certificate, write_atomic, write_private
    from core.errors import NotFound

    ca = Identity(tls_dir / "grpc-client-ca.crt", tls_dir / "grpc-client-ca.key")
    if not ca.cert_path.exists():
        raise NotFound(f"no gRPC client CA in {tls_dir}: run `switchyard serve` once first")
    cert, key = issue_client_certificate(ca, name)
    out.mkdir(parents=True, exist_ok=True)
    write_private(out / f"{name}.key", key)
    write_atomic(out / f"{name}.crt", cert, mode=0o644)
    print(out / f"{name}.crt")


if __name__ == "__main__":
    sys.exit(main())
