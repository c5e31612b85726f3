"""SGX DCAP attestation engine: quote parser, offline verifier, collateral/TCB evaluation,
simulation quotes, quote sources, manifest-package policy and the optional native DCAP path.

Import the submodules directly (`core.attestation.verify`, `.policy`, ...); this package
re-exports only the names most callers need.
"""

from .collateral import Collateral
from .quote import Quote, ReportBody, parse_evidence, parse_quote
from .verify import NO_COLLATERAL, VerificationResult, verify_quote

__all__ = [
    "NO_COLLATERAL",
    "Collateral",
    "Quote",
    "ReportBody",
    "VerificationResult",
    "parse_evidence",
    "parse_quote",
    "verify_quote",
]
