"""`switchyard serve` as an operator meets it: data directory, restart, signals, one instance."""

from __future__ import annotations

import ipaddress
import json
import signal
import sqlite3
import stat
import subprocess
import sys

import pytest
from cryptography import x509

from tests.server import running_server, start_server

KEYS = [
    "coordinator-root", "coordinator-intermediate", "coordinator-server",
    "ams-server", "confdb-server", "grpc-server", "grpc-client-ca",
]


def test_first_start_creates_the_database_and_tls_material(fresh_server):
    tls = fresh_server.tls_dir
    for name in KEYS:
        assert stat.S_IMODE((tls / f"{name}.key").stat().st_mode) == 0o600, name
        assert (tls / f"{name}.crt").exists()
    assert stat.S_IMODE(fresh_server.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh_server.data_dir / "ams.sock").stat().st_mode) == 0o600
    assert stat.S_IMODE((fresh_server.data_dir / "core.sock").stat().st_mode) == 0o600

    db = sqlite3.connect(fresh_server.data_dir / "switchyard.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    versions = dict(db.execute("SELECT domain, version FROM schema_versions"))
    assert versions["ams"] >= 1 and versions["coordinator"] >= 1


def test_ports_file_names_every_listener(fresh_server):
    assert set(fresh_server.ports) == {"ams", "confdb", "coordinator", "grpc", "marble"}
    assert all(port > 0 for port in fresh_server.ports.values())


def test_log_says_ready(fresh_server):
    assert "ready: data directory" in fresh_server.log()


def test_coordinator_pki_follows_marblerun(fresh_server):
    tls = fresh_server.tls_dir
    root = x509.load_pem_x509_certificate((tls / "coordinator-root.crt").read_bytes())
    intermediate = x509.load_pem_x509_certificate((tls / "coordinator-intermediate.crt").read_bytes())
    server = x509.load_pem_x509_certificate((tls / "coordinator-server.crt").read_bytes())
    assert root.subject.rfc4514_string() == "CN=MarbleRun Coordinator"
    assert intermediate.subject.rfc4514_string() == "CN=MarbleRun Coordinator - Intermediate CA"
    assert intermediate.issuer == root.subject
    assert server.issuer == intermediate.subject
    for cert in (root, intermediate, server):
        assert cert.public_key().curve.name == "secp384r1"
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    intermediate.verify_directly_issued_by(root)
    server.verify_directly_issued_by(intermediate)


@pytest.mark.parametrize("name", ["coordinator-server", "ams-server", "confdb-server", "grpc-server"])
def test_server_certificates_name_localhost_and_the_listen_addresses(fresh_server, name):
    cert = x509.load_pem_x509_certificate((fresh_server.tls_dir / f"{name}.crt").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName)[0] == "localhost"
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)


def test_restart_reuses_tls_material_and_database(tmp_path):
    data = tmp_path / "data"
    with running_server(data) as first:
        material = {name: (data / "tls" / f"{name}.crt").read_bytes() for name in KEYS}
        with first.ams_local() as client:
            assert client.get("/1.0").status_code == 200
        db = sqlite3.connect(data / "switchyard.db")
        db.execute("INSERT INTO coordinator_store (key, value) VALUES ('state', '3')")
        db.commit()
        db.close()
        assert first.stop() == 0
    with running_server(data) as second:
        assert {name: (data / "tls" / f"{name}.crt").read_bytes() for name in KEYS} == material
        with second.http("coordinator") as client:
            assert client.get("/api/v2/status").json()["data"]["code"] == 3


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_service_cleanly(tmp_path, sig):
    server = start_server(tmp_path / "data")
    assert server.stop(sig) == 0
    log = server.log()
    assert "stopping" in log and "stopped" in log
    assert "Traceback" not in log


def test_a_second_instance_on_the_same_data_directory_refuses_to_start(fresh_server):
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "serve", "--data-dir", str(fresh_server.data_dir),
         "--grpc-port", "0", "--coordinator-port", "0", "--marble-port", "0",
         "--ams-port", "0", "--confdb-port", "0"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert "another switchyard instance is using the data directory" in result.stderr
    assert "Traceback" not in result.stderr
    # The first instance is untouched.
    with fresh_server.ams_local() as client:
        assert client.get("/1.0/version").status_code == 200


def test_ports_file_is_json_of_bound_ports(tmp_path):
    with running_server(tmp_path / "data") as server:
        written = json.loads((tmp_path / "data.ports.json").read_text())
        assert written == server.ports


def test_the_gateway_runs_as_its_own_process(tmp_path):
    data = tmp_path / "data"
    with running_server(data, "--no-gateway") as core:
        assert set(core.ports) == {"grpc", "marble"}
        ports_file = tmp_path / "gateway.ports.json"
        gateway = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "gateway", "--data-dir", str(data), "--host", "127.0.0.1",
             "--ports-file", str(ports_file), "--coordinator-port", "0", "--ams-port", "0", "--confdb-port", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_file(ports_file)
            core.ports.update(json.loads(ports_file.read_text()))
            with core.http("coordinator") as client:
                assert client.get("/api/v2/status").json()["data"]["code"] == 2
            with core.ams_local() as client:
                assert client.get("/1.0").json()["metadata"]["auth"] == "trusted"
        finally:
            gateway.send_signal(signal.SIGTERM)
            assert gateway.wait(20) == 0


def wait_for_file(path, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
