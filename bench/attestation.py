"""Attestation benchmark: SGX quotes verified per second by the offline verifier, without and
with collateral, beside the yardstick of one raw ECDSA P-256 signature verification measured
in the same run.

A quote from a platform seen before costs two such verifications (QE report, quote); the PCK
chain (two more, plus parsing its SGX extension) is checked once per distinct chain and cached.
The collateral's signatures are likewise checked once per collateral set. "cold" rows clear
both caches before every quote, as for a stream of quotes from distinct machines. Collateral adds two CRLs, TCB Info, QE Identity and their issuer chains.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from core.attestation import dcap_library  # noqa: E402
from core.attestation.collateral import Collateral  # noqa: E402
from core.attestation.verify import clear_verification_caches, verify_quote  # noqa: E402

TESTDATA = ROOT / "tests" / "attestation" / "data"
DURATION = 3.0
AT = dt.datetime(2025, 6, 20, tzinfo=dt.timezone.utc)


def rate(action) -> float:
    """Calls per second of `action`, run repeatedly for DURATION seconds."""
    action()  # warm caches (root CA load, imports)
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < DURATION:
        for _ in range(20):
            action()
        count += 20
    return count / elapsed


def main() -> None:
    quote = (TESTDATA / "phala_sgx_quote.bin").read_bytes()
    collateral = Collateral.from_json((TESTDATA / "phala_sgx_quote_collateral.json").read_text())
    key = ec.generate_private_key(ec.SECP256R1())
    signature = key.sign(quote[:432], ec.ECDSA(hashes.SHA256()))
    public = key.public_key()

    def raw_verify() -> None:
        public.verify(signature, quote[:432], ec.ECDSA(hashes.SHA256()))

    def offline() -> None:
        verify_quote(quote, at=AT)

    def with_collateral() -> None:
        assert verify_quote(quote, collateral=collateral, at=AT).tcb_status.startswith("Config")

    def cold(action):
        def run() -> None:
            clear_verification_caches()
            action()
        return run

    yardstick = rate(raw_verify)
    rows = [
        ("quote offline, no collateral, cold", rate(cold(offline))),
        ("quote offline, no collateral, warm", rate(offline)),
        ("quote offline, with collateral, cold", rate(cold(with_collateral))),
        ("quote offline, with collateral, warm", rate(with_collateral)),
    ]
    native = "yes" if dcap_library.available() else "no (offline verifier only)"
    print(f"Intel DCAP library present: {native}")
    print(f"{'measure':<40} {'per second':>12} {'ratio to yardstick':>20}")
    print(f"{'raw ECDSA P-256 verify (yardstick)':<40} {yardstick:>12.0f} {1.0:>20.3f}")
    for name, value in rows:
        print(f"{name:<40} {value:>12.0f} {value / yardstick:>20.3f}")


if __name__ == "__main__":
    main()
