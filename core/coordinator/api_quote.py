"""Quotes: the Coordinator's own (over its root certificate) and sign-quote for anyone's.

Both go to the attestation service over the core's own socket (domains never import each
other). Without SGX hardware its quote source is the simulation authority; every answer that
relies on a simulation quote carries `simulation: true`, and simulation quotes verify only while
simulation mode is on. Without collateral nothing is known of the platform's patch level, so
the status signed is "Unknown", never "UpToDate".
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import grpc
from google.rpc import error_details_pb2, status_pb2
from switchyard.attestation.v1 import attestation_pb2 as attestation
from switchyard.attestation.v1 import attestation_pb2_grpc as attestation_grpc
from switchyard.coordinator.v1 import client_api_pb2 as pb

from core.coordinator import store
from core.coordinator.api_base import ServicerBase
from core.coordinator.pki import der, sign_quote_verification
from core.coordinator.status import require_state
from core.errors import Internal, InvalidArgument, PermissionDenied, Unavailable

SIGN_QUOTE_GATE = "signquoteendpoint"
UNKNOWN_TCB = "Unknown"
# What the attestation service answers without collateral.
NO_COLLATERAL = "NoCollateral"


def decode_nonce(text: str) -> bytes:
    """Go's base64.URLEncoding: URL alphabet, padding required."""
    try:
        if len(text) % 4:
            raise binascii.Error("illegal base64 data: missing padding")
        return base64.b64decode(text.encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgument(f"invalid query: bad nonce format: {exc}", reason="INVALID_QUERY",
                              metadata={"field": "nonce"}) from None


def attestation_reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason the attestation service attached to its refusal ("" if none)."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


def _attestation_failure(error: grpc.aio.AioRpcError, what: str) -> Exception:
    """The attestation service's refusal, as this API words it."""
    if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(f"{what}: {error.details()}", reason=attestation_reason(error) or "QUOTE_INVALID",
                               metadata={"field": "sgxQuote"})
    if error.code() == grpc.StatusCode.UNAVAILABLE:
        return Unavailable(f"{what}: {error.details()}", reason=attestation_reason(error) or "NO_QUOTE_SOURCE")
    return Internal(f"{what}: attestation service failed", reason="ATTESTATION_FAILED")


class QuoteApi(ServicerBase):
    _attestation: attestation_grpc.AttestationStub
    _cached_quote: tuple[bytes, bytes, bool] | None = None  # (report data, quote, simulated), no nonce

    async def GetQuote(self, request: pb.GetQuoteRequest, context) -> pb.QuoteReply:
        nonce = decode_nonce(request.nonce) if request.HasField("nonce") and request.nonce else b""

        def look(db):
            require_state("quote", store.read_state(db))
            return self._runtime.pki(db)

        pki = await self._db.read(look)
        report_data = hashlib.sha256(der(pki.root_cert) + nonce).digest()
        cached = self._cached_quote
        if not nonce and cached is not None and cached[0] == report_data:
            quote, simulated = cached[1], cached[2]
        else:
            try:
                reply = await self._attestation.GetQuote(attestation.GetQuoteRequest(report_data=report_data),
                                                         timeout=context.time_remaining())
            except grpc.aio.AioRpcError as error:
                raise _attestation_failure(error, "generating quote") from None
            quote, simulated = reply.quote, reply.simulated
            if not nonce:
                self._cached_quote = (report_data, quote, simulated)
        return pb.QuoteReply(cert=pki.chain_pem().decode(), quote=quote, simulation=simulated)

    async def SignQuote(self, request: pb.SignQuoteRequest, context) -> pb.SignQuoteReply:
        if SIGN_QUOTE_GATE not in await self._db.read(store.feature_gates):
            raise PermissionDenied("SignQuoteEndpoint feature is not enabled in the manifest",
                                   reason="FEATURE_DISABLED", metadata={"feature": "SignQuoteEndpoint"})
        quote = bytes(request.sgxQuote)
        try:
            result = await self._attestation.VerifyQuote(attestation.VerifyQuoteRequest(quote=quote),
                                                         timeout=context.time_remaining())
        except grpc.aio.AioRpcError as error:
            raise _attestation_failure(error, "quote verification failed") from None
        status = UNKNOWN_TCB if result.tcb_status == NO_COLLATERAL else result.tcb_status
        signature = sign_quote_verification(self._runtime.foundation.pki_without_marble_root, quote, status)
        return pb.SignQuoteReply(signature=signature, tcbStatus=status, simulation=result.simulated)
