"""A real `switchyard serve` process for tests: ephemeral ports, its own data directory."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx

START_TIMEOUT = 30.0
# httpx gives up on a silent read after 5 s by default, shorter than the operation waits the tests
# make (`/wait?timeout=30`) and than a busy CI host may need; a hang still ends, just later.
CLIENT_TIMEOUT = 60.0


@dataclass
class RunningServer:
    data_dir: Path
    process: subprocess.Popen
    ports: dict[str, int]
    log_path: Path
    clients: dict[str, tuple[Path, Path]] = field(default_factory=dict)

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"

    def url(self, api: str, path: str = "") -> str:
        return f"https://127.0.0.1:{self.ports[api]}{path}"

    def http(self, api: str, cert: tuple[Path, Path] | None = None, **options) -> httpx.Client:
        """An HTTPS client that pins the listener's own server certificate, as real clients do."""
        return httpx.Client(base_url=self.url(api), verify=self.ssl_context(api, cert),
                            **{"timeout": CLIENT_TIMEOUT, **options})

    def ssl_context(self, api: str, cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
        trust = {
            "ams": "ams-server.crt",
            "confdb": "confdb-server.crt",
            "coordinator": "coordinator-root.crt",
        }[api]
        context = ssl.create_default_context(cafile=str(self.tls_dir / trust))
        if cert is not None:
            context.load_cert_chain(str(cert[0]), str(cert[1]))
        return context

    def ams_local(self) -> httpx.Client:
        """AMS over its unix socket: trusted local access."""
        return httpx.Client(
            base_url="http://unix", transport=httpx.HTTPTransport(uds=str(self.data_dir / "ams.sock")),
            timeout=CLIENT_TIMEOUT,
        )

    def grpc_client_identity(self, name: str = "tester") -> tuple[Path, Path]:
        if name not in self.clients:
            out = self.data_dir.parent / "clients"
            switchyard("issue-client-cert", name, "--out", str(out), "--data-dir", str(self.data_dir))
            self.clients[name] = (out / f"{name}.crt", out / f"{name}.key")
        return self.clients[name]

    def grpc_channel(self, name: str = "tester") -> grpc.Channel:
        """A direct gRPC channel over TCP with mutual TLS."""
        cert, key = self.grpc_client_identity(name)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=(self.tls_dir / "grpc-server.crt").read_bytes(),
            private_key=key.read_bytes(),
            certificate_chain=cert.read_bytes(),
        )
        return grpc.secure_channel(f"localhost:{self.ports['grpc']}", credentials)

    def core_socket_channel(self) -> grpc.Channel:
        return grpc.insecure_channel(f"unix:{self.data_dir / 'core.sock'}")

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def switchyard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, check=True, timeout=60
    )


def start_server(data_dir: Path, *extra: str) -> RunningServer:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    ports_file = data_dir.parent / f"{data_dir.name}.ports.json"
    ports_file.unlink(missing_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}.log"
    command = [
        sys.executable, "-m", "core.cli", "serve",
        "--data-dir", str(data_dir), "--host", "127.0.0.1", "--ports-file", str(ports_file),
        "--grpc-port", "0", "--coordinator-port", "0", "--marble-port", "0",
        "--ams-port", "0", "--confdb-port", "0", *extra,
    ]
    log = log_path.open("a")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + START_TIMEOUT
    while not ports_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"switchyard did not start:\n{log_path.read_text()}")
        time.sleep(0.05)
    return RunningServer(data_dir, process, json.loads(ports_file.read_text()), log_path)


@contextmanager
def running_server(data_dir: Path, *extra: str) -> Iterator[RunningServer]:
    server = start_server(data_dir, *extra)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
