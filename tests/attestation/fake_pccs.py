"""A PCCS over real HTTPS that serves the Phala platform's collateral in the API v4 shapes
(signed JSON bodies, URL-encoded PEM issuer chains in headers, DER CRLs), and can misbehave."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.attestation.conftest import TESTDATA

API = "/sgx/certification/v4"


def _answers() -> dict[str, tuple[bytes, dict[str, str]]]:
    form = json.loads((TESTDATA / "phala_sgx_quote_collateral.json").read_text())

    def chain(name: str) -> str:
        return urllib.parse.quote(form[name])

    # Composed as text: the signed objects must stay byte for byte what Intel signed.
    tcb = f'{{"tcbInfo":{form["tcb_info"]},"signature":"{form["tcb_info_signature"]}"}}'
    qe = f'{{"enclaveIdentity":{form["qe_identity"]},"signature":"{form["qe_identity_signature"]}"}}'
    return {
        f"{API}/tcb?fmspc=00A067110000": (tcb.encode(), {"TCB-Info-Issuer-Chain": chain("tcb_info_issuer_chain")}),
        f"{API}/qe/identity": (qe.encode(), {"SGX-Enclave-Identity-Issuer-Chain": chain("qe_identity_issuer_chain")}),
        f"{API}/pckcrl?ca=processor&encoding=der": (
            bytes.fromhex(form["pck_crl"]), {"SGX-PCK-CRL-Issuer-Chain": chain("pck_crl_issuer_chain")}),
        f"{API}/rootcacrl": (bytes.fromhex(form["root_ca_crl"]), {}),
    }


@dataclass
class FakePccs:
    url: str
    ca_file: Path
    requests: list[str] = field(default_factory=list)
    # path -> (status, body, headers) replacing the good answer, for the misbehaviour tests
    overrides: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)
    delay: float = 0.0  # seconds before each answer


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pccs")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "pccs.crt", directory / "pccs.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextmanager
def running_pccs(directory: Path) -> Iterator[FakePccs]:
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = _self_signed(directory)
    answers = _answers()
    state: FakePccs

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            time.sleep(state.delay)
            status, body, headers = state.overrides.get(self.path) or (
                (200, *answers[self.path]) if self.path in answers else (404, b"no cache data", {}))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            pass  # a client that gave up (the timeout test) is expected

    server = Server(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    state = FakePccs(url=f"https://127.0.0.1:{server.server_address[1]}", ca_file=cert)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
