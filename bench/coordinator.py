"""Coordinator benchmark on a real `switchyard serve` (simulation mode).

1. Manifest set time for a manifest of 100 Marbles and 100 secrets (40 shared symmetric keys,
   40 shared ECDSA P-256 certificates, 20 user-defined), through the gateway
   (POST /api/v2/manifest) and on gRPC directly (SetManifest), each on a fresh Coordinator.
2. GET /api/v2/manifest and POST /api/v2/sign-quote calls per second through the gateway
   (HTTPS, one keep-alive client) beside the same RPCs on a direct mutual-TLS gRPC channel;
   the ratio gateway / gRPC is the gateway's share of the cost.
3. Marble activations per second on the Marble API (TLS, marble0 of the manifest above: a new
   P-384 key and certificate, 100 secrets loaded, parameters rendered), one client and eight
   concurrent ones, beside the listener's cheapest call (health Check) as the yardstick.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from switchyard.coordinator.v1 import client_api_pb2 as pb  # noqa: E402
from switchyard.coordinator.v1 import client_api_pb2_grpc as pb_grpc  # noqa: E402
from switchyard.coordinator.v1 import marble_pb2, marble_pb2_grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

from core.attestation.simulation import SimulationAuthority  # noqa: E402
from tests.coordinator_api.test_marble_api import marble_channel, new_marble  # noqa: E402
from tests.server import running_server  # noqa: E402

SECONDS = 3.0


def big_manifest() -> bytes:
    secrets: dict[str, dict] = {}
    for i in range(40):
        secrets[f"sym{i}"] = {"Type": "symmetric-key", "Size": 256, "Shared": True}
        secrets[f"cert{i}"] = {"Type": "cert-ecdsa", "Size": 256, "Shared": True}
    for i in range(20):
        secrets[f"user{i}"] = {"Type": "symmetric-key", "Size": 128, "UserDefined": True}
    marbles = {
        f"marble{i}": {"Package": "backend", "Parameters": {
            "Env": {"KEY": f"{{{{ hex .Secrets.sym{i % 40} }}}}"},
            "Files": {"/cert.pem": f"{{{{ pem .Secrets.cert{i % 40}.Cert }}}}"}}}
        for i in range(100)
    }
    document = {"Packages": {"backend": {"SignerID": "ab" * 32, "ProductID": 1, "SecurityVersion": 1}},
                "Marbles": marbles, "Secrets": secrets, "Config": {"FeatureGates": ["SignQuoteEndpoint"]}}
    return json.dumps(document).encode()


def rate(step) -> float:
    step()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        for _ in range(10):
            step()
        count += 10
    return count / elapsed


def main() -> None:
    raw = big_manifest()
    with tempfile.TemporaryDirectory() as tmp:
        with running_server(Path(tmp) / "rest") as server, server.http("coordinator", timeout=120) as http:
            start = time.perf_counter()
            response = http.post("/api/v2/manifest", json={"manifest": base64.b64encode(raw).decode()})
            rest_set = time.perf_counter() - start
            assert response.status_code == 200, response.text
        with running_server(Path(tmp) / "grpc") as server, server.grpc_channel() as channel:
            stub = pb_grpc.ClientApiStub(channel)
            stub.GetStatus(pb.GetStatusRequest())  # connect first
            start = time.perf_counter()
            stub.SetManifest(pb.SetManifestRequest(manifest=raw), timeout=120)
            grpc_set = time.perf_counter() - start
            print(f"manifest set, 100 Marbles / 100 secrets: gateway {rest_set * 1000:.0f} ms, "
                  f"gRPC {grpc_set * 1000:.0f} ms")

            quote = SimulationAuthority.load_or_create(server.data_dir).quote(
                hashlib.sha256(b"bench").digest().ljust(64, b"\0"))
            body = {"sgxQuote": base64.b64encode(quote).decode()}
            with server.http("coordinator") as http:
                figures = {
                    "GET /api/v2/manifest": (
                        rate(lambda: http.get("/api/v2/manifest").raise_for_status()),
                        rate(lambda: stub.GetManifest(pb.GetManifestRequest()))),
                    "POST /api/v2/sign-quote": (
                        rate(lambda: http.post("/api/v2/sign-quote", json=body).raise_for_status()),
                        rate(lambda: stub.SignQuote(pb.SignQuoteRequest(sgxQuote=quote)))),
                }
            activations = marble_rates(server)
    for name, (rest, direct) in figures.items():
        print(f"{name}: gateway {rest:.0f}/s, gRPC direct {direct:.0f}/s, ratio {rest / direct:.2f}")
    single, concurrent, health = activations
    print(f"Marble Activate: {single:.0f}/s one client, {concurrent:.0f}/s eight clients; "
          f"health Check {health:.0f}/s on the same listener, ratio {single / health:.3f}")


def marble_rates(server) -> tuple[float, float, float]:
    """Simulation mode: the quote is not checked, so one Marble's request serves every call."""
    marble = new_marble()
    base = marble_pb2.ActivationReq(CSR=marble.csr, MarbleType="marble0")
    with marble_channel(server, marble) as channel:
        stub = marble_pb2_grpc.MarbleStub(channel)

        def activate() -> None:
            request = marble_pb2.ActivationReq()
            request.CopyFrom(base)
            request.UUID = str(uuid.uuid4())
            stub.Activate(request, timeout=30)

        single = rate(activate)
        with ThreadPoolExecutor(8) as pool:
            def batch() -> None:
                list(pool.map(lambda _: activate(), range(8)))
            concurrent = rate(batch) * 8
        checker = health_pb2_grpc.HealthStub(channel)
        health = rate(lambda: checker.Check(health_pb2.HealthCheckRequest()))
    return single, concurrent, health


if __name__ == "__main__":
    main()
