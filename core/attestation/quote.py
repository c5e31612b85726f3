"""SGX ECDSA quote model and parser (quote v3, and SGX enclaves inside v4/v5).

Layout per Intel's `sgx_quote_3.h`/`sgx_quote_4.h`/`sgx_quote_5.h`: integers are little-endian,
ECDSA material is raw big-endian r||s and X||Y. Every read goes through `_Reader`, which checks
the remaining length first, so hostile input can only ever raise `InvalidArgument`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from core.errors import InvalidArgument

HEADER_SIZE = 48
REPORT_BODY_SIZE = 384
# A single quote is a few KiB; anything this big is hostile and not worth walking.
MAX_QUOTE_SIZE = 1 << 20

INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")
ATT_KEY_TYPE_ECDSA_P256 = 2
TEE_TYPE_SGX = 0
CERT_TYPE_PCK_CHAIN = 5
CERT_TYPE_QE_REPORT = 6
V5_BODY_TYPE_SGX = 1

ATTRIBUTE_DEBUG = 0x02


def _invalid(message: str, reason: str, **metadata: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, metadata=metadata)


class _Reader:
    """Sequential little-endian reader that refuses to step past its buffer."""

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.offset = start
        self.end = len(data) if end is None else end

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.offset + size > self.end:
            raise _invalid(
                f"quote truncated: {what} needs {size} bytes at offset {self.offset}, "
                f"{max(self.end - self.offset, 0)} left",
                "QUOTE_TRUNCATED",
                field=what,
                offset=str(self.offset),
            )
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def u16(self, what: str) -> int:
        return struct.unpack("<H", self.take(2, what))[0]

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]


@dataclass(frozen=True)
class QuoteHeader:
    version: int
    att_key_type: int
    tee_type: int
    qe_svn: int
    pce_svn: int
    qe_vendor_id: bytes
    user_data: bytes


@dataclass(frozen=True)
class ReportBody:
    """`sgx_report_body_t`: the enclave's identity as measured by the CPU."""

    raw: bytes
    cpu_svn: bytes
    misc_select: int
    isv_ext_prod_id: bytes
    attributes: bytes
    mr_enclave: bytes
    mr_signer: bytes
    config_id: bytes
    isv_prod_id: int
    isv_svn: int
    config_svn: int
    isv_family_id: bytes
    report_data: bytes

    @property
    def flags(self) -> int:
        return int.from_bytes(self.attributes[:8], "little")

    @property
    def xfrm(self) -> int:
        return int.from_bytes(self.attributes[8:], "little")

    @property
    def debug(self) -> bool:
        return bool(self.flags & ATTRIBUTE_DEBUG)


def parse_report_body(raw: bytes) -> ReportBody:
    """Parse the 384-byte report body used for both the enclave and the QE report."""
    if len(raw) != REPORT_BODY_SIZE:
        raise _invalid(
            f"report body must be {REPORT_BODY_SIZE} bytes, got {len(raw)}", "QUOTE_TRUNCATED"
        )
    raw = bytes(raw)
    u16 = lambda off: int.from_bytes(raw[off : off + 2], "little")  # noqa: E731
    return ReportBody(
        raw=raw,
        cpu_svn=raw[0:16],
        misc_select=int.from_bytes(raw[16:20], "little"),
        isv_ext_prod_id=raw[32:48],
        attributes=raw[48:64],
        mr_enclave=raw[64:96],
        mr_signer=raw[128:160],
        config_id=raw[192:256],
        isv_prod_id=u16(256),
        isv_svn=u16(258),
        config_svn=u16(260),
        isv_family_id=raw[304:320],
        report_data=raw[320:384],
    )


@dataclass(frozen=True)
class CertificationData:
    cert_type: int
    data: bytes


@dataclass(frozen=True)
class Quote:
    """A parsed SGX quote; `signed_region` is what the attestation key signed."""

    raw: bytes
    header: QuoteHeader
    report: ReportBody
    signed_region: bytes
    signature: bytes
    attestation_key: bytes
    qe_report: ReportBody
    qe_report_signature: bytes
    qe_auth_data: bytes
    certification: CertificationData
    # Bytes after the declared signature data: tolerated (QVL does) but reported.
    trailing_bytes: int


def _parse_header(reader: _Reader) -> QuoteHeader:
    version = reader.u16("version")
    att_key_type = reader.u16("att_key_type")
    tee_type = reader.u32("tee_type")
    qe_svn = reader.u16("qe_svn")
    pce_svn = reader.u16("pce_svn")
    vendor = reader.take(16, "qe_vendor_id")
    user_data = reader.take(20, "user_data")
    if version not in (3, 4, 5):
        raise _invalid(
            f"quote version {version} is not supported", "QUOTE_VERSION_UNSUPPORTED",
            version=str(version),
        )
    if att_key_type != ATT_KEY_TYPE_ECDSA_P256:
        raise _invalid(
            f"attestation key type {att_key_type} is not ECDSA P-256",
            "QUOTE_ATT_KEY_TYPE_UNSUPPORTED",
            att_key_type=str(att_key_type),
        )
    if tee_type != TEE_TYPE_SGX:
        raise _invalid(
            f"TEE type {tee_type:#x} is not SGX", "QUOTE_TEE_TYPE_UNSUPPORTED",
            tee_type=hex(tee_type),
        )
    if vendor != INTEL_QE_VENDOR_ID:
        raise _invalid(
            "quoting enclave vendor is not Intel", "QUOTE_VENDOR_UNKNOWN", qe_vendor_id=vendor.hex()
        )
    if version >= 4:
        # v4+ reuse these bytes as reserved; the QE report carries the real SVNs.
        qe_svn = pce_svn = 0
    return QuoteHeader(version, att_key_type, tee_type, qe_svn, pce_svn, vendor, user_data)


def _parse_qe_section(reader: _Reader) -> tuple[ReportBody, bytes, bytes, CertificationData]:
    """QE report, its PCK signature, QE auth data and the (innermost) certification data."""
    qe_report = parse_report_body(reader.take(REPORT_BODY_SIZE, "qe_report"))
    qe_report_signature = reader.take(64, "qe_report_signature")
    auth_size = reader.u16("qe_auth_data_size")
    auth = reader.take(auth_size, "qe_auth_data")
    cert_type = reader.u16("certification_data_type")
    cert_size = reader.u32("certification_data_size")
    cert_data = reader.take(cert_size, "certification_data")
    return qe_report, qe_report_signature, auth, CertificationData(cert_type, cert_data)


def parse_quote(data: bytes) -> Quote:
    """Parse an SGX ECDSA quote; raise `InvalidArgument` (reason `QUOTE_*`) when malformed."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _invalid("quote must be bytes", "QUOTE_MALFORMED")
    data = bytes(data)
    if len(data) > MAX_QUOTE_SIZE:
        raise _invalid(f"quote of {len(data)} bytes is too large", "QUOTE_TOO_LARGE")
    reader = _Reader(data)
    header = _parse_header(reader)
    if header.version == 5:
        body_type = reader.u16("body_type")
        body_size = reader.u32("body_size")
        if body_type != V5_BODY_TYPE_SGX or body_size != REPORT_BODY_SIZE:
            raise _invalid(
                f"quote v5 body type {body_type} (size {body_size}) is not an SGX report",
                "QUOTE_TEE_TYPE_UNSUPPORTED",
                body_type=str(body_type),
            )
    report = parse_report_body(reader.take(REPORT_BODY_SIZE, "report_body"))
    signed_end = reader.offset
    signature_size = reader.u32("signature_data_len")
    section = _Reader(data, reader.offset, reader.offset + signature_size)
    if section.end > len(data):
        raise _invalid(
            f"signature data length {signature_size} exceeds the {len(data) - reader.offset} "
            "bytes present",
            "QUOTE_TRUNCATED",
            field="signature_data",
        )
    signature = section.take(64, "quote_signature")
    attestation_key = section.take(64, "attestation_key")
    if header.version == 3:
        qe_report, qe_sig, auth, cert = _parse_qe_section(section)
    else:
        outer_type = section.u16("certification_data_type")
        outer_size = section.u32("certification_data_size")
        if outer_type != CERT_TYPE_QE_REPORT:
            raise _invalid(
                f"quote v{header.version} needs certification data type 6, got {outer_type}",
                "QUOTE_CERTIFICATION_DATA_UNSUPPORTED",
                cert_type=str(outer_type),
            )
        inner = _Reader(data, section.offset, section.offset + outer_size)
        if inner.end > section.end:
            raise _invalid(
                "QE report certification data overruns the signature data",
                "QUOTE_TRUNCATED",
                field="qe_report_certification_data",
            )
        qe_report, qe_sig, auth, cert = _parse_qe_section(inner)
        section.offset = inner.end
    return Quote(
        raw=data,
        header=header,
        report=report,
        signed_region=data[:signed_end],
        signature=signature,
        attestation_key=attestation_key,
        qe_report=qe_report,
        qe_report_signature=qe_sig,
        qe_auth_data=auth,
        certification=cert,
        trailing_bytes=len(data) - section.end,
    )


# Open Enclave containers around a raw quote (what EGo's GetRemoteReport hands out).
OE_REPORT_HEADER_SIZE = 16
OE_ATTESTATION_HEADER_SIZE = 28
# Format UUIDs whose payload is a raw SGX ECDSA quote (OE's attestation/sgx/evidence.h).
OE_SGX_ECDSA_FORMATS = {
    bytes.fromhex("a3a21e871b4d4014b70aa125d2fbcd8c"),  # SGX ECDSA evidence
    bytes.fromhex("1923d91e12d24c72b22025cd8dace871"),  # raw ECDSA quote
    bytes.fromhex("c8303454d9234c2ca691df7def460a76"),  # legacy remote report
}


def unwrap_evidence(data: bytes) -> bytes:
    """The raw quote inside an OE remote report or OE attestation header, else `data` as is.

    A wrapper is recognised only when its declared size matches the bytes that follow
    exactly, so a raw quote (whose first bytes are version 3, key type 2) is never mistaken
    for one.
    """
    data = bytes(data)
    if len(data) >= OE_REPORT_HEADER_SIZE:
        version, report_type, size = struct.unpack_from("<IIQ", data)
        if version == 1 and report_type == 2 and size == len(data) - OE_REPORT_HEADER_SIZE:
            return unwrap_evidence(data[OE_REPORT_HEADER_SIZE:])
    if len(data) >= OE_ATTESTATION_HEADER_SIZE:
        version = struct.unpack_from("<I", data)[0]
        size = struct.unpack_from("<Q", data, 20)[0]
        if version == 3 and size == len(data) - OE_ATTESTATION_HEADER_SIZE:
            if data[4:20] not in OE_SGX_ECDSA_FORMATS:
                raise _invalid(
                    "evidence format is not SGX ECDSA", "QUOTE_FORMAT_UNSUPPORTED",
                    format_id=data[4:20].hex(),
                )
            return unwrap_evidence(data[OE_ATTESTATION_HEADER_SIZE:])
    return data


def parse_evidence(data: bytes) -> Quote:
    """Parse a raw quote or one wrapped in an Open Enclave report/attestation header."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _invalid("quote must be bytes", "QUOTE_MALFORMED")
    if len(data) > MAX_QUOTE_SIZE:
        raise _invalid(f"quote of {len(data)} bytes is too large", "QUOTE_TOO_LARGE")
    return parse_quote(unwrap_evidence(data))
