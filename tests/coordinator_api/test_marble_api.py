"""The Marble API over the wire: Activate on the Marble listener (mutual TLS, any client cert).

A manifest is set through REST first; then Marbles activate with the generated stubs, each over
TLS with its own self-signed certificate as MarbleRun's premain does. In simulation mode quotes
are not checked (as MarbleRun's simulation build); with `--no-sgx-simulation` a quote must verify
against the Marble's package and bind the Marble's TLS certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import socket
import ssl
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from switchyard.coordinator.v1 import marble_pb2 as pb
from switchyard.coordinator.v1 import marble_pb2_grpc as pb_grpc

from core.attestation.simulation import SimulationAuthority
from tests.coordinator_api.conftest import client, manifest, set_manifest
from tests.server import RunningServer, running_server

MARBLE_TYPE_OID = "1.3.9903.2.1"
DATA = Path(__file__).resolve().parents[1] / "attestation" / "data"
# A real SGX quote (tests/attestation/data/SOURCES.md); its report data binds nothing of ours.
REAL_QUOTE = (DATA / "phala_sgx_quote.bin").read_bytes()
REAL_MRENCLAVE = "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
DER, PEM = serialization.Encoding.DER, serialization.Encoding.PEM


@dataclass(frozen=True)
class Marble:
    """What MarbleRun's premain makes: a P-384 key, a self-signed certificate and a CSR."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    csr: bytes

    def credentials(self, server: RunningServer) -> grpc.ChannelCredentials:
        """The Marble's certificate as TLS client certificate; the Coordinator root as trust."""
        key = self.key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return grpc.ssl_channel_credentials((server.tls_dir / "coordinator-root.crt").read_bytes(), key,
                                            self.certificate.public_bytes(PEM))


def new_marble() -> Marble:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MarbleRun Marble")])
    sans = x509.SubjectAlternativeName([x509.DNSName("localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).add_extension(sans, critical=False)
            .sign(key, hashes.SHA256()))
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).add_extension(sans, critical=False).sign(
        key, hashes.SHA256())
    return Marble(key, cert, csr.public_bytes(DER))


def simulation_quote(server: RunningServer, bound: bytes) -> bytes:
    authority = SimulationAuthority.load_or_create(server.data_dir)
    return authority.quote(hashlib.sha256(bound).digest().ljust(64, b"\0"))


def request(server: RunningServer, marble_type: str, marble: Marble, **fields) -> pb.ActivationReq:
    """What premain sends: a quote over SHA-256 of its TLS certificate, its CSR, type and UUID."""
    base = {"Quote": simulation_quote(server, marble.certificate.public_bytes(DER)), "CSR": marble.csr,
            "MarbleType": marble_type, "UUID": str(uuid.uuid4())}
    return pb.ActivationReq(**(base | fields))


def marble_channel(server: RunningServer, marble: Marble) -> grpc.Channel:
    return grpc.secure_channel(f"localhost:{server.ports['marble']}", marble.credentials(server))


def activate(server: RunningServer, marble_type: str, marble: Marble | None = None, **fields) -> pb.ActivationResp:
    marble = marble or new_marble()
    with marble_channel(server, marble) as channel:
        return pb_grpc.MarbleStub(channel).Activate(request(server, marble_type, marble, **fields), timeout=30)


def refused(server: RunningServer, marble_type: str, marble: Marble | None = None, **fields) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        activate(server, marble_type, marble, **fields)
    return raised.value


def marble_manifest(users) -> dict:
    document = manifest(users)
    document["Packages"]["real"] = {"UniqueID": REAL_MRENCLAVE, "AcceptedTCBStatuses": ["NoCollateral"]}
    document["Packages"]["realStrict"] = {"UniqueID": REAL_MRENCLAVE}
    document["Packages"]["other"] = {"UniqueID": "cd" * 32}
    document["Secrets"]["symPrivate"] = {"Type": "symmetric-key", "Size": 128}
    document["Marbles"] = {
        "server": {"Package": "backend", "Parameters": {
            "Files": {"/key": "{{ raw .Secrets.symShared }}", "/cert.pem": "{{ pem .Secrets.certShared.Cert }}"},
            "Env": {"KEY": "{{ hex .Secrets.symShared }}", "PRIV": "{{ hex .Secrets.symPrivate }}"},
            "Argv": ["server", "--port", "8443"]}},
        "limited": {"Package": "backend", "MaxActivations": 2},
        "userMarble": {"Package": "backend", "Parameters": {"Env": {"USER": "{{ string .Secrets.userPlain }}"}}},
        "raced": {"Package": "backend", "MaxActivations": 3},
        "realMarble": {"Package": "real"},
        "strictMarble": {"Package": "realStrict"},
        "otherMarble": {"Package": "other"},
        "tlsMarble": {"Package": "backend", "TLS": ["web"]},
    }
    document["TLS"] = {"web": {"Incoming": [{"Port": "8443"}], "Outgoing": [{"Addr": "db", "Port": "5432"}]}}
    document["Roles"]["packages"]["ResourceNames"].append("real")
    return document


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, users):
    with running_server(tmp_path_factory.mktemp("marble") / "data") as running:
        set_manifest(running, marble_manifest(users))
        yield running


@pytest.fixture(scope="module")
def strict(tmp_path_factory, users):
    """A Coordinator with simulation off: quotes must be real and match the package."""
    with running_server(tmp_path_factory.mktemp("marble-strict") / "data", "--no-sgx-simulation") as running:
        set_manifest(running, marble_manifest(users))
        yield running


@pytest.fixture(scope="module")
def judged(tmp_path_factory, users):
    """Simulation off, and Intel collateral for the real quote's platform in a directory."""
    base = tmp_path_factory.mktemp("marble-collateral")
    (base / "collateral").mkdir()
    (base / "collateral" / "00a067110000.json").write_bytes((DATA / "phala_sgx_quote_collateral.json").read_bytes())
    (base / "collateral" / "0-broken.json").write_text("{")  # read first, logged and skipped
    with running_server(base / "data", "--no-sgx-simulation", "--sgx-collateral-dir", str(base / "collateral")) as running:
        set_manifest(running, marble_manifest(users))
        yield running


def _pem_chain(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


def test_activate_answers_a_certificate_under_the_coordinator_root(deployed):
    marble, uid = new_marble(), str(uuid.uuid4())
    reply = activate(deployed, "server", marble, UUID=uid)
    env = reply.Parameters.Env
    assert reply.Simulation is True  # simulation mode: the quote was not checked, and the log says so
    assert f"the quote of marble {uid} (server) is not checked" in deployed.log()
    leaf, intermediate = _pem_chain(env["MARBLE_PREDEFINED_MARBLE_CERTIFICATE_CHAIN"])
    root = x509.load_pem_x509_certificate((deployed.tls_dir / "coordinator-root.crt").read_bytes())
    marble_root = x509.load_pem_x509_certificate(env["MARBLE_PREDEFINED_ROOT_CA"])
    leaf.verify_directly_issued_by(marble_root)
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)
    assert x509.load_pem_x509_certificate(env["MARBLE_PREDEFINED_COORDINATOR_ROOT_CA"]) == root
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == uid
    extension = leaf.extensions.get_extension_for_oid(x509.ObjectIdentifier(MARBLE_TYPE_OID))
    assert extension.value.value == b"server"
    key = serialization.load_pem_private_key(env["MARBLE_PREDEFINED_PRIVATE_KEY"], None)
    # A new key: the CSR lends its names only.
    assert key.public_key() == leaf.public_key() != marble.key.public_key()
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["localhost"]


def _listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on, from its socket inodes and /proc/net/tcp{,6}."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = fd.readlink().name if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):  # gRPC listens on dual-stack sockets
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].split(":")[1], 16))
    return ports


def test_a_local_process_that_skips_the_relay_is_nobody(deployed):
    """The gRPC server behind the relay listens on loopback in plaintext; dialled directly, it
    knows no certificate for the caller, so nothing is activated."""
    (upstream,) = _listening_ports(deployed.process.pid) - set(deployed.ports.values())
    marble = new_marble()
    with grpc.insecure_channel(f"127.0.0.1:{upstream}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            pb_grpc.MarbleStub(channel).Activate(request(deployed, "server", marble), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert raised.value.details() == "couldn't get marble TLS certificate"


def test_a_marble_without_a_client_certificate_fails_the_handshake(deployed):
    credentials = grpc.ssl_channel_credentials((deployed.tls_dir / "coordinator-root.crt").read_bytes())
    with grpc.secure_channel(f"localhost:{deployed.ports['marble']}", credentials) as channel:
        with pytest.raises(grpc.RpcError) as raised:
            pb_grpc.MarbleStub(channel).Activate(request(deployed, "server", new_marble()), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_garbage_on_the_marble_port_is_dropped_and_harms_no_one(deployed, tmp_path):
    marble = new_marble()
    (tmp_path / "m.key").write_bytes(marble.key.private_bytes(PEM, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
    (tmp_path / "m.crt").write_bytes(marble.certificate.public_bytes(PEM))
    context = ssl.create_default_context(cafile=str(deployed.tls_dir / "coordinator-root.crt"))
    context.load_cert_chain(tmp_path / "m.crt", tmp_path / "m.key")
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("localhost", deployed.ports["marble"]), timeout=10) as raw:
        # Plaintext HTTP/2, no TLS at all: the relay must close it (else recv times out and fails).
        raw.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        try:
            answer = raw.recv(4096)
            while answer and (more := raw.recv(4096)):  # a TLS alert may come first
                answer += more
        except ConnectionResetError:
            pass  # aborted: as good as closed
    with socket.create_connection(("localhost", deployed.ports["marble"]), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # not HTTP/2: the gRPC server hangs up
            while tls.recv(4096):
                pass
    assert activate(deployed, "server").Parameters.Env["MARBLE_PREDEFINED_PRIVATE_KEY"]


def test_health_answers_through_the_relay(deployed):
    with marble_channel(deployed, new_marble()) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_a_marble_with_tls_tags_gets_its_ttls_config(deployed):
    env = activate(deployed, "tlsMarble").Parameters.Env
    leaf_pem = env["MARBLE_PREDEFINED_MARBLE_CERTIFICATE_CHAIN"].split(b"-----END CERTIFICATE-----")[0]
    ours = {"cacrt": env["MARBLE_PREDEFINED_ROOT_CA"].decode(), "clicrt": leaf_pem.decode() + "-----END CERTIFICATE-----\n",
            "clikey": env["MARBLE_PREDEFINED_PRIVATE_KEY"].decode()}
    assert json.loads(env["MARBLE_TTLS_CONFIG"]) == {"tls": {
        "Incoming": {"*:8443": ours | {"clientAuth": True}},
        "Outgoing": {"db:5432": ours},
    }}
    assert "MARBLE_TTLS_CONFIG" not in activate(deployed, "server").Parameters.Env


def test_activate_renders_parameters_with_the_secrets_users_read(deployed, users):
    reply = activate(deployed, "server")
    params = reply.Parameters
    with client(deployed, users["alice"]) as http:
        response = http.get("/api/v2/secrets", params=[("s", "symShared"), ("s", "certShared")])
    secrets = response.json()["data"]["secrets"]
    shared_key = base64.b64decode(secrets["symShared"]["private"])
    shared_cert = x509.load_der_x509_certificate(base64.b64decode(secrets["certShared"]["cert"]))
    assert params.Files["/key"] == shared_key
    assert x509.load_pem_x509_certificate(params.Files["/cert.pem"]) == shared_cert
    assert params.Env["KEY"] == shared_key.hex().encode()
    assert list(params.Argv) == ["server", "--port", "8443"]
    assert len(bytes.fromhex(params.Env["PRIV"].decode())) == 16


def test_a_secret_a_user_rewrites_reaches_the_next_activation(deployed, users):
    seen = []
    for value in (b"first value", b"second value"):
        with client(deployed, users["alice"]) as http:
            upload = {"userPlain": {"Key": base64.b64encode(value).decode()}}
            response = http.post("/api/v2/secrets", json={"secrets": upload})
        assert response.status_code == 200, response.text
        seen.append(activate(deployed, "userMarble").Parameters.Env["USER"])
    assert seen == [b"first value", b"second value"]


def test_private_secrets_are_derived_per_marble_uuid(deployed):
    uid = str(uuid.uuid4())
    first = activate(deployed, "server", UUID=uid).Parameters.Env["PRIV"]
    again = activate(deployed, "server", UUID=uid).Parameters.Env["PRIV"]
    other = activate(deployed, "server").Parameters.Env["PRIV"]
    shared = activate(deployed, "server").Parameters.Env["KEY"]
    assert first == again != other
    assert shared == activate(deployed, "server").Parameters.Env["KEY"]


def test_max_activations_reached(deployed):
    for _ in range(2):
        activate(deployed, "limited")
    error = refused(deployed, "limited")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == 'marble verification failed: reached max activations count (2) for marble type "limited"'


def test_concurrent_activations_never_exceed_the_limit(deployed):
    def attempt(_):
        try:
            activate(deployed, "raced")
            return "ok"
        except grpc.RpcError as error:
            return error.code()

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("ok") == 3
    assert outcomes.count(grpc.StatusCode.PERMISSION_DENIED) == 5


def test_activation_counts_survive_a_restart(tmp_path, users):
    with running_server(tmp_path / "data") as server:
        set_manifest(server, marble_manifest(users))
        activate(server, "limited")
    with running_server(tmp_path / "data") as server:
        activate(server, "limited")
        error = refused(server, "limited")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED and "reached max activations count (2)" in error.details()


def test_unknown_marble_type_is_refused(deployed):
    error = refused(deployed, "ghost")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "marble verification failed: unknown marble type requested"


def test_bad_uuid_is_invalid_argument(deployed):
    error = refused(deployed, "server", UUID="not-a-uuid")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "UUID" in error.details()


def test_a_broken_csr_is_invalid_argument(deployed):
    error = refused(deployed, "server", CSR=b"not a CSR")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details() == "failed to parse CSR"


def test_marblerun_method_path_is_served(deployed):
    """A Go Marble built against MarbleRun calls /rpc.Marble/Activate with the same messages."""
    marble = new_marble()
    with marble_channel(deployed, marble) as channel:
        call = channel.unary_unary("/rpc.Marble/Activate", request_serializer=pb.ActivationReq.SerializeToString,
                                   response_deserializer=pb.ActivationResp.FromString)
        reply = call(request(deployed, "server", marble), timeout=30)
    assert b"MARBLE_PREDEFINED_PRIVATE_KEY" in b"".join(k.encode() for k in reply.Parameters.Env)


def test_the_core_grpc_server_does_not_serve_the_marble_api(deployed):
    with deployed.grpc_channel() as channel:
        with pytest.raises(grpc.RpcError) as raised:
            pb_grpc.MarbleStub(channel).Activate(request(deployed, "server", new_marble()), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_activation_before_a_manifest_is_refused(fresh_server):
    error = refused(fresh_server, "server")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "cannot accept marbles in current state"


# ---- simulation off: quotes are checked ---------------------------------------------------------

def test_simulation_quote_is_refused_when_simulation_is_off(strict):
    error = refused(strict, "server")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "marble verification failed: PCK chain does not end in a trusted root CA"


def test_empty_quote_is_refused_when_simulation_is_off(strict):
    error = refused(strict, "server", Quote=b"")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_real_quote_of_another_package_is_refused(strict):
    error = refused(strict, "otherMarble", Quote=REAL_QUOTE)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details().startswith("marble verification failed: ") and "UniqueID" in error.details()


def test_real_quote_without_collateral_is_refused_unless_the_package_accepts_that(strict):
    error = refused(strict, "strictMarble", Quote=REAL_QUOTE)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED and "NoCollateral" in error.details()


def test_real_quote_of_the_right_package_binding_another_certificate_is_refused(strict):
    # The package matches and accepts a quote without collateral; only the binding is wrong:
    # the quote must bind the certificate this TLS connection was made with.
    error = refused(strict, "realMarble", Quote=REAL_QUOTE)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "report data" in error.details()


def test_a_raised_security_version_applies_to_the_next_activation(tmp_path, users):
    """The real quote's enclave has ISVSVN 0: once an update asks for 1, its package no longer
    matches, before the binding is even looked at."""
    with running_server(tmp_path / "data", "--no-sgx-simulation") as server:
        set_manifest(server, marble_manifest(users))
        assert "report data" in refused(server, "realMarble", Quote=REAL_QUOTE).details()
        update = {"Packages": {"real": {"SecurityVersion": 1}}}
        with client(server, users["alice"]) as http:
            response = http.post("/api/v2/update", json={"manifest": base64.b64encode(json.dumps(update).encode()).decode()})
        assert response.status_code == 200, response.text
        error = refused(server, "realMarble", Quote=REAL_QUOTE)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "SecurityVersion" in error.details() and "report data" not in error.details()


# ---- simulation off, with collateral: quotes get their platform's TCB level ------------------------

REAL_TCB_STATUS = "ConfigurationAndSWHardeningNeeded"  # what the collateral says of that platform


def test_with_collateral_a_marble_quote_is_judged_by_its_tcb_level(judged):
    for marble_type in ("strictMarble", "realMarble"):  # neither accepts that level
        error = refused(judged, marble_type, Quote=REAL_QUOTE)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert REAL_TCB_STATUS in error.details() and "NoCollateral" not in error.details()
    assert "ignoring collateral file" in judged.log() and "0-broken.json" in judged.log()


def test_with_collateral_sign_quote_signs_the_tcb_level(judged):
    with client(judged) as http:
        response = http.post("/api/v2/sign-quote", json={"sgxQuote": base64.b64encode(REAL_QUOTE).decode()})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["tcbStatus"] == REAL_TCB_STATUS and data["simulation"] is False
    signed = base64.b64encode(REAL_QUOTE) + REAL_TCB_STATUS.encode()
    root = x509.load_pem_x509_certificate((judged.tls_dir / "coordinator-root.crt").read_bytes())
    root.public_key().verify(base64.b64decode(data["signature"]), signed, ec.ECDSA(hashes.SHA256()))


def test_without_collateral_sign_quote_signs_unknown(strict):
    with client(strict) as http:
        response = http.post("/api/v2/sign-quote", json={"sgxQuote": base64.b64encode(REAL_QUOTE).decode()})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["tcbStatus"] == "Unknown"
