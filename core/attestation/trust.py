"""Trust anchors and certificate-chain checks shared by the quote and collateral verifiers."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from core.errors import Internal, InvalidArgument

# SHA-256 of Intel's published "Intel SGX Root CA" DER: the shipped file must match it, so a
# swapped file in the package cannot silently become the trust anchor.
INTEL_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"


@dataclass(frozen=True)
class TrustAnchor:
    certificate: x509.Certificate
    simulated: bool

    @property
    def der(self) -> bytes:
        return _der(self.certificate)


def _der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)


@lru_cache(maxsize=1)
def intel_root_ca() -> TrustAnchor:
    """The pinned Intel SGX Root CA shipped inside this package."""
    der = resources.files(__package__).joinpath("intel_sgx_root_ca.der").read_bytes()
    if hashlib.sha256(der).hexdigest() != INTEL_ROOT_CA_SHA256:
        raise Internal("the shipped Intel SGX Root CA does not match its pinned hash")
    return TrustAnchor(x509.load_der_x509_certificate(der), simulated=False)


def untrusted(message: str, reason: str, **metadata: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, metadata=metadata)


def verify_chain(
    chain: list[x509.Certificate],
    anchors: list[TrustAnchor],
    *,
    reason: str,
    what: str,
) -> TrustAnchor:
    """Check each certificate is issued by the next and the last is one of `anchors`.

    Returns the anchor the chain ends in. Validity windows are checked separately
    (`chain_expired`) because Intel reports stale material as "expired", not as invalid.
    """
    if not chain:
        raise untrusted(f"{what} is empty", reason)
    last = _der(chain[-1])
    anchor = next((a for a in anchors if a.der == last), None)
    if anchor is None:
        raise untrusted(f"{what} does not end in a trusted root CA", reason, check="root")
    # The last certificate *is* the anchor (same DER), so its self-signature needs no check.
    for child, parent in zip(chain[:-1], chain[1:]):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise untrusted(
                f"{what}: certificate {child.subject.rfc4514_string()!r} is not signed by "
                f"{parent.subject.rfc4514_string()!r}",
                reason,
                check="issuer",
            ) from exc
    return anchor


def chain_expired(chain: list[x509.Certificate], at: dt.datetime) -> bool:
    return any(not (c.not_valid_before_utc <= at <= c.not_valid_after_utc) for c in chain)
