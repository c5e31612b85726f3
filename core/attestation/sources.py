"""Where this process gets its own quotes: Gramine, DCAP with an enclave report, or simulation.

Chosen once at start-up by `choose_quote_source`; `describe()` is what `/status` logs show.
All methods block (file I/O, key generation, Intel's library): call them off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes

from core.errors import InvalidArgument, Unavailable

from . import dcap_library
from .simulation import SimulationAuthority

GRAMINE_ATTESTATION_DIR = Path("/dev/attestation")
REPORT_DATA_SIZE = 64

# Given the QE's target info and 64 bytes of report data, an enclave returns its 432-byte
# sgx_report_t. Only enclave code can do this, so it is injected by whoever hosts one.
EnclaveReporter = Callable[[bytes, bytes], bytes]


def _report_data(data: bytes) -> bytes:
    if len(data) > REPORT_DATA_SIZE:
        raise InvalidArgument("report data is at most 64 bytes", reason="REPORT_DATA_TOO_LONG")
    return bytes(data).ljust(REPORT_DATA_SIZE, b"\x00")


class QuoteSource(Protocol):
    name: str
    simulated: bool

    def quote(self, report_data: bytes) -> bytes: ...

    def describe(self) -> str: ...


@dataclass
class GramineQuoteSource:
    """Gramine-SGX exposes the QE through pseudo-files: write report data, read the quote."""

    directory: Path = GRAMINE_ATTESTATION_DIR
    name: str = "gramine"
    simulated: bool = False

    @staticmethod
    def present(directory: Path = GRAMINE_ATTESTATION_DIR) -> bool:
        return (directory / "user_report_data").exists() and (directory / "quote").exists()

    def quote(self, report_data: bytes) -> bytes:
        try:
            (self.directory / "user_report_data").write_bytes(_report_data(report_data))
            return (self.directory / "quote").read_bytes()
        except OSError as exc:
            raise Unavailable(
                f"Gramine quote unavailable: {exc.strerror}", reason="QUOTE_GENERATION_FAILED"
            ) from exc

    def describe(self) -> str:
        kind = self.directory / "attestation_type"
        try:
            attestation_type = kind.read_text().strip() if kind.exists() else "unknown"
        except OSError:
            attestation_type = "unreadable"
        return f"gramine ({self.directory}, attestation_type={attestation_type})"


@dataclass
class DcapQuoteSource:
    """Intel's quote library around a report that an enclave made for the QE."""

    reporter: EnclaveReporter
    name: str = "dcap"
    simulated: bool = False

    def quote(self, report_data: bytes) -> bytes:
        report = self.reporter(dcap_library.qe_target_info(), _report_data(report_data))
        return dcap_library.generate_quote(report)

    def describe(self) -> str:
        return "dcap (libsgx_dcap_ql.so.1 with an enclave report)"


@dataclass
class SimulationQuoteSource:
    """Real v3 layout, simulation chain: accepted only by verifiers in simulation mode."""

    authority: SimulationAuthority
    identity: dict[str, object] = field(default_factory=dict)
    name: str = "simulation"
    simulated: bool = True

    def quote(self, report_data: bytes) -> bytes:
        return self.authority.quote(_report_data(report_data), **self.identity)

    def describe(self) -> str:
        fingerprint = self.authority.root.fingerprint(hashes.SHA256()).hex()[:16]
        return f"simulation (simulation root CA sha256:{fingerprint}…, not Intel)"


def choose_quote_source(
    data_dir: Path,
    *,
    gramine_dir: Path = GRAMINE_ATTESTATION_DIR,
    reporter: EnclaveReporter | None = None,
    allow_simulation: bool = True,
    simulation_identity: dict[str, object] | None = None,
) -> QuoteSource:
    """Gramine when inside Gramine-SGX, DCAP when an enclave reporter and the library exist,
    simulation otherwise (if allowed)."""
    if GramineQuoteSource.present(gramine_dir):
        return GramineQuoteSource(gramine_dir)
    if reporter is not None and dcap_library.quote_generation_available():
        return DcapQuoteSource(reporter)
    if not allow_simulation:
        raise Unavailable(
            "no SGX quote source: not in Gramine, no DCAP enclave report, simulation is off",
            reason="NO_QUOTE_SOURCE",
        )
    authority = SimulationAuthority.load_or_create(data_dir)
    return SimulationQuoteSource(authority, dict(simulation_identity or {}))
