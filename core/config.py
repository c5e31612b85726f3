"""The service configuration: one dataclass, filled from flags with environment fallbacks."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "SWITCHYARD_"


@dataclass(frozen=True)
class Ports:
    """One TCP port per listener; 0 asks the kernel for any free port."""

    grpc: int = 50051
    coordinator: int = 4433
    marble: int = 2001
    ams: int = 8444
    confdb: int = 8445


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path(".switchyard")
    host: str = "127.0.0.1"
    ports: Ports = field(default_factory=Ports)
    ports_file: Path | None = None
    log_level: str = "info"
    # Seconds in-flight calls get to finish when the service stops.
    shutdown_grace: float = 10.0
    # How long the simulated node driver takes to join a node, as a real join takes time.
    simulated_join_delay: float = 0.05
    # How long each simulated container step (create, boot, stop, bootstrap step) takes.
    simulated_container_delay: float = 0.01
    # Without SGX hardware, quotes come from a simulation authority (never Intel's) and only
    # simulation quotes from it verify; --no-sgx-simulation turns that off.
    sgx_simulation: bool = True
    # Intel collateral (the JSON form core.attestation.collateral reads), one file per platform;
    # quotes of platforms found here get a TCB status, others stay "NoCollateral".
    sgx_collateral_dir: Path | None = None
    # Or a PCCS (API v4) to fetch it from, as Intel's quote provider library does; the directory,
    # when both are set, wins for the platforms it holds. The CA file is for a self-signed PCCS.
    sgx_pccs_url: str | None = None
    sgx_pccs_ca: Path | None = None
    # Uploads (images, applications, addons) larger than this are refused with 413.
    max_upload_size: int = 16 * 1024**3

    @property
    def core_socket(self) -> Path:
        return self.data_dir / "core.sock"

    @property
    def ams_socket(self) -> Path:
        return self.data_dir / "ams.sock"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "switchyard.db"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `switchyard serve`; each also reads SWITCHYARD_<NAME> from the environment."""
    parser.add_argument("--data-dir", type=Path, help="data directory (default ./.switchyard)")
    parser.add_argument("--host", help="address every TCP listener binds (default 127.0.0.1)")
    for port in fields(Ports):
        parser.add_argument(
            f"--{port.name}-port", type=int, dest=f"{port.name}_port",
            help=f"{port.name} listener port (default {port.default}; 0 = any free port)",
        )
    parser.add_argument("--ports-file", type=Path, help="write the bound ports here as JSON once ready")
    parser.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], help="default info"
    )
    parser.add_argument(
        "--simulated-join-delay", type=float, help="seconds a simulated node join takes (default 0.05)"
    )
    parser.add_argument(
        "--simulated-container-delay", type=float,
        help="seconds each simulated container step takes (default 0.01)",
    )
    parser.add_argument("--max-upload-size", type=int, help="largest upload in bytes (default 16 GiB)")
    parser.add_argument(
        "--no-sgx-simulation", action="store_false", dest="sgx_simulation", default=None,
        help="refuse simulated SGX quotes, and produce none",
    )
    parser.add_argument(
        "--sgx-collateral-dir", type=Path,
        help="directory of Intel collateral JSON files, one per platform (FMSPC), to judge quotes' TCB level",
    )
    parser.add_argument(
        "--sgx-pccs-url", help="base URL of a PCCS (API v4) to fetch Intel collateral from, e.g. https://pccs:8081",
    )
    parser.add_argument("--sgx-pccs-ca", type=Path, help="CA certificate file that the PCCS's TLS certificate chains to")


def config_from_arguments(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Config:
    """Flags win over SWITCHYARD_* variables, which win over the defaults."""

    def pick(name: str, convert=str):
        flag = getattr(args, name, None)
        if flag is not None:
            return flag
        raw = environ.get(ENV_PREFIX + name.upper())
        return convert(raw) if raw not in (None, "") else None

    defaults = Config()
    ports = {
        p.name: value
        for p in fields(Ports)
        if (value := pick(f"{p.name}_port", int)) is not None
    }
    chosen = {
        "data_dir": pick("data_dir", Path),
        "host": pick("host"),
        "ports_file": pick("ports_file", Path),
        "log_level": pick("log_level"),
        "simulated_join_delay": pick("simulated_join_delay", float),
        "simulated_container_delay": pick("simulated_container_delay", float),
        "max_upload_size": pick("max_upload_size", int),
        "sgx_simulation": pick("sgx_simulation", lambda raw: raw.lower() in ("1", "true", "yes")),
        "sgx_collateral_dir": pick("sgx_collateral_dir", Path),
        "sgx_pccs_url": pick("sgx_pccs_url"),
        "sgx_pccs_ca": pick("sgx_pccs_ca", Path),
    }
    return Config(
        **{k: v for k, v in chosen.items() if v is not None},
        ports=Ports(**{**vars(defaults.ports), **ports}),
    )
