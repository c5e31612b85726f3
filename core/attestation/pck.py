"""PCK certificate chain and the SGX extension (OID 1.2.840.113741.1.13.1) of its leaf.

`cryptography` does not decode Intel's extension, so a small bounds-checked DER walker reads
it. Only the fields the TCB evaluation needs are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier

from core.errors import InvalidArgument

from .quote import CERT_TYPE_PCK_CHAIN, CertificationData, Quote

SGX_EXTENSION_OID = ObjectIdentifier("1.2.840.113741.1.13.1")
# DER content of that OID; sub-fields append one byte per arc (all arcs are < 128).
_SGX = bytes.fromhex("2a864886f84d010d01")
_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----"
)
# A DER walk never needs to go deeper than this for Intel's extension.
_MAX_DEPTH = 8


def _bad_cert(message: str, reason: str = "PCK_CERTIFICATE_INVALID") -> InvalidArgument:
    return InvalidArgument(message, reason=reason)


@dataclass(frozen=True)
class PckInfo:
    """What the PCK leaf certificate says about the platform."""

    ppid: bytes
    tcb_components: tuple[int, ...]
    pce_svn: int
    cpu_svn: bytes
    pce_id: bytes
    fmspc: bytes
    sgx_type: int | None
    # "processor" or "platform": which PCK CRL applies.
    ca_kind: str


def load_pem_chain(pem: bytes | str) -> list[x509.Certificate]:
    """Split a PEM bundle (leaf first) into certificates; trailing NULs are ignored."""
    if isinstance(pem, str):
        pem = pem.encode("utf-8", "replace")
    blocks = _PEM_BLOCK.findall(pem.rstrip(b"\x00"))
    if not blocks:
        raise _bad_cert("certificate chain holds no PEM certificate", "PCK_CHAIN_INVALID")
    try:
        return [x509.load_pem_x509_certificate(block) for block in blocks]
    except ValueError as exc:
        raise _bad_cert(f"certificate chain does not parse: {exc}", "PCK_CHAIN_INVALID") from exc


def quote_pck_chain(quote: Quote) -> list[x509.Certificate]:
    """The type-5 PCK chain carried by the quote; other types are reported unsupported."""
    return pck_chain_of(quote.certification)


def quote_platform(quote: Quote) -> PckInfo | None:
    """What the quote's PCK certificate says of its platform, to find collateral by; None when it
    cannot be read, which the verification that follows reports."""
    try:
        return pck_info(pck_chain_of(quote.certification)[0])
    except InvalidArgument:
        return None


def pck_chain_of(cert: CertificationData) -> list[x509.Certificate]:
    if cert.cert_type != CERT_TYPE_PCK_CHAIN:
        raise InvalidArgument(
            f"certification data type {cert.cert_type} is not supported (only the type 5 "
            "PCK certificate chain is; types 1-4 need the PCK certificate from a PCCS)",
            reason="QUOTE_CERTIFICATION_DATA_UNSUPPORTED",
            metadata={"cert_type": str(cert.cert_type)},
        )
    chain = load_pem_chain(cert.data)
    if len(chain) != 3:
        raise _bad_cert(f"PCK chain has {len(chain)} certificates, expected 3", "PCK_CHAIN_INVALID")
    return chain


def _tlv(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """Return (tag, value_start, value_end) of the DER element at `offset`."""
    if offset + 2 > end:
        raise _bad_cert("SGX extension truncated")
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > end:
            raise _bad_cert("SGX extension has a bad DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > end:
        raise _bad_cert("SGX extension element overruns its container")
    return tag, offset, offset + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items = []
    while start < end:
        tag, vstart, vend = _tlv(data, start, end)
        items.append((tag, vstart, vend))
        start = vend
    return items


def _sub(*arcs: int) -> bytes:
    return _SGX + bytes(arcs)


def _pairs(data: bytes, start: int, end: int, depth: int = 0) -> dict[bytes, tuple[int, int, int]]:
    """Map raw OID bytes -> (tag, start, end) for a SEQUENCE OF SEQUENCE { OID, value }.

    Keys stay raw DER: comparing bytes is exact and much cheaper than decoding every OID.
    """
    if depth > _MAX_DEPTH:
        raise _bad_cert("SGX extension nests too deeply")
    out = {}
    for tag, vstart, vend in _children(data, start, end):
        if tag != 0x30:
            raise _bad_cert("SGX extension entry is not a SEQUENCE")
        inner = _children(data, vstart, vend)
        if len(inner) != 2 or inner[0][0] != 0x06:
            raise _bad_cert("SGX extension entry is not (OID, value)")
        out[data[inner[0][1] : inner[0][2]]] = inner[1]
    return out


def _name(oid: bytes) -> str:
    return "1.2.840.113741.1.13.1." + ".".join(str(b) for b in oid[len(_SGX) :])


def _field(data: bytes, pairs: dict, oid: bytes, tag: int, size: int | None = None) -> bytes:
    if oid not in pairs:
        raise _bad_cert(f"SGX extension lacks {_name(oid)}")
    got_tag, start, end = pairs[oid]
    if got_tag != tag or (size is not None and end - start != size):
        raise _bad_cert(f"SGX extension field {_name(oid)} has the wrong type or size")
    return data[start:end]


def _int(data: bytes, pairs: dict, oid: bytes, tag: int = 0x02) -> int:
    raw = _field(data, pairs, oid, tag)
    if not raw or len(raw) > 8:
        raise _bad_cert(f"SGX extension integer {_name(oid)} is out of range")
    return int.from_bytes(raw, "big", signed=True)


def parse_sgx_extension(der: bytes, ca_kind: str = "processor") -> PckInfo:
    """Decode the DER value of the SGX extension."""
    tag, start, end = _tlv(der, 0, len(der))
    if tag != 0x30:
        raise _bad_cert("SGX extension is not a SEQUENCE")
    top = _pairs(der, start, end)
    tcb_tag, tcb_start, tcb_end = top.get(_sub(2), (0, 0, 0))
    if tcb_tag != 0x30:
        raise _bad_cert("SGX extension lacks the TCB sequence")
    tcb = _pairs(der, tcb_start, tcb_end, 1)
    components = tuple(_int(der, tcb, _sub(2, i)) for i in range(1, 17))
    sgx_type = _int(der, top, _sub(5), 0x0A) if _sub(5) in top else None
    return PckInfo(
        ppid=_field(der, top, _sub(1), 0x04, 16),
        tcb_components=components,
        pce_svn=_int(der, tcb, _sub(2, 17)),
        cpu_svn=_field(der, tcb, _sub(2, 18), 0x04, 16),
        pce_id=_field(der, top, _sub(3), 0x04, 2),
        fmspc=_field(der, top, _sub(4), 0x04, 6),
        sgx_type=sgx_type,
        ca_kind=ca_kind,
    )


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def pck_info(leaf: x509.Certificate) -> PckInfo:
    """Read the SGX extension of a PCK leaf; the issuer's CN tells which PCK CRL applies."""
    try:
        ext = leaf.extensions.get_extension_for_oid(SGX_EXTENSION_OID)
    except x509.ExtensionNotFound as exc:
        raise _bad_cert("PCK certificate has no SGX extension") from exc
    except ValueError as exc:  # a malformed extension list inside the certificate
        raise _bad_cert(f"PCK certificate extensions do not parse: {exc}") from exc
    issuer = common_name(leaf.issuer)
    kind = "platform" if "Platform" in issuer else "processor"
    return parse_sgx_extension(ext.value.value, kind)
