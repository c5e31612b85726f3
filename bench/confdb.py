"""Confdb benchmark: assertion signature verification through the codec and verifier, beside a
bare `cryptography` RSA-4096 PKCS#1 v1.5 / SHA-512 verify of the same key and message in the
same run.

Prints verifications per second for both and the ratio codec / bare (the cost of decoding the
assertion text, the signature packet and the key lookup), then the REST path: assertions
verified and stored per second through POST /api/v2/confdb-schemas on a real `switchyard serve`
(HTTPS, gateway, gRPC, checks, one SQLite transaction each), one client at a time and several
at once, each with its ratio to the bare verify rate of the same key.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

from core.confdb.assertion import decode_assertion  # noqa: E402
from core.confdb.build import build_assertion  # noqa: E402
from core.confdb.keys import key_from_request  # noqa: E402
from core.confdb.openpgp import decode_signature, signed_message, verify_signature  # noqa: E402
from core.confdb.upload import check_upload  # noqa: E402
from tests.confdb import signer  # noqa: E402
from tests.server import running_server, switchyard  # noqa: E402

SECONDS = 3.0
ACCOUNT = "bench"
REST_UPLOADS = 300  # per concurrency level; each is signed beforehand (RSA-4096 signing is slow)
CONCURRENCY = (1, 8)


def rate(step) -> float:
    """Calls per second of `step` over about SECONDS (after one warm-up call)."""
    step()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        for _ in range(20):
            step()
        count += 20
    return count / elapsed


def main() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    registered = key_from_request(signer.account_key_request(private, ACCOUNT))
    request = {
        "account-id": ACCOUNT,
        "name": "network",
        "views": {"wifi-setup": {"rules": [{"access": "read-write", "request": "ssids", "storage": "wifi.ssids"}]}},
        "body": '{"storage": {"schema": {"wifi": {"values": "any"}}}}',
    }
    now = datetime.now(timezone.utc)
    headers = build_assertion(request, caller=ACCOUNT, latest_revision=None, now=now - timedelta(minutes=1))
    raw = signer.sign_assertion(headers, private, headers["body"].encode())

    parsed = decode_assertion(raw)
    sig = decode_signature(parsed.signature)
    message = signed_message(parsed.signed, sig.hashed)
    signature = sig.value.to_bytes(512, "big")
    public = private.public_key()
    keys = {registered.key_id: registered}

    def bare() -> None:
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA512())

    def codec() -> None:
        assertion = decode_assertion(raw)
        verify_signature(assertion.signed, assertion.signature, keys[assertion.sign_key_id].public_key)

    def upload_checks() -> None:
        check_upload(raw, caller=ACCOUNT, find_key=keys.get, latest_revision=lambda name: None, now=now)

    bare_rate = rate(bare)
    codec_rate = rate(codec)
    upload_rate = rate(upload_checks)
    print(f"assertion size: {len(raw)} bytes, key: RSA-{private.key_size}, {SECONDS:.0f} s per figure")
    print(f"bare cryptography RSA verify       : {bare_rate:10.0f} /s")
    print(f"decode + verify (codec + verifier) : {codec_rate:10.0f} /s   ratio codec/bare = {codec_rate / bare_rate:.2f}")
    print(f"full upload checks (check_upload)  : {upload_rate:10.0f} /s   ratio upload/bare = {upload_rate / bare_rate:.2f}")
    for label, clients, rest_rate in rest_rates(private, request, now):
        print(f"{label}, c={clients:<2}: {rest_rate:10.0f} /s   ratio rest/bare = {rest_rate / bare_rate:.3f}")


def rest_rates(private: rsa.RSAPrivateKey, request: dict, now: datetime) -> list[tuple[str, int, float]]:
    """Uploads per second through the whole service, for each level of CONCURRENCY; beside
    them, the same requests' floor: an authenticated GET that verifies and stores nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with running_server(data, "--log-level", "warning") as server:
            keyfile = Path(tmp) / "bench.account-key-request"
            keyfile.write_bytes(signer.account_key_request(private, ACCOUNT))
            cli = ("--data-dir", str(data))
            switchyard("confdb", "create-account", "--id", ACCOUNT, "--email", "bench@example.com", *cli)
            switchyard("confdb", "register-key", ACCOUNT, str(keyfile), *cli)
            authorization = switchyard("confdb", "issue-macaroon", ACCOUNT, *cli).stdout.strip()
            results = []
            for clients in CONCURRENCY:
                # Distinct names: every upload is a first revision, so any order is valid.
                bodies = []
                for i in range(REST_UPLOADS):
                    headers = build_assertion(
                        {**request, "name": f"bench-c{clients}-{i}"}, caller=ACCOUNT, latest_revision=None,
                        now=now - timedelta(minutes=1),
                    )
                    bodies.append(signer.sign_assertion(headers, private, headers["body"].encode()))
                elapsed = asyncio.run(_post_all(server, authorization, bodies, clients))
                results.append(("REST POST, verified + stored", clients, len(bodies) / elapsed))
                floor = asyncio.run(_post_all(server, authorization, [b""] * REST_UPLOADS, clients, floor=True))
                results.append(("REST GET one name (auth only)", clients, REST_UPLOADS / floor))
            return results


async def _post_all(server, authorization: str, bodies: list[bytes], clients: int, floor: bool = False) -> float:
    import httpx

    headers = {"Authorization": authorization, "Content-Type": "application/x.ubuntu.assertion"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=server.url("confdb"), verify=server.ssl_context("confdb"), headers=headers, limits=limits
    ) as client:
        # One warm-up connection per client outside the timing.
        await asyncio.gather(*(client.get("/api/v2/confdb-schemas/none") for _ in range(clients)))
        queue = list(reversed(bodies))

        async def worker() -> None:
            while queue:
                body = queue.pop()
                if floor:
                    response = await client.get("/api/v2/confdb-schemas/bench-c1-0")
                else:
                    response = await client.post("/api/v2/confdb-schemas", content=body)
                if response.status_code != (200 if floor else 201):
                    raise SystemExit(f"upload failed: {response.status_code} {response.text}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.perf_counter() - start


if __name__ == "__main__":
    main()
