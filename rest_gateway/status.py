"""gRPC failures as HTTP statuses: the standard table (google/rpc/code.proto, as grpc-gateway
and Envoy use it), refined by a few reasons; each envelope then applies its own document."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2, status_pb2

STANDARD = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}

# Reasons whose HTTP meaning is sharper than their gRPC code.
BY_REASON = {
    "ETAG_MISMATCH": 412,
    "PAYLOAD_TOO_LARGE": 413,
}

# Codes that mean the client asked for something wrong (JSend v2 `fail`), as opposed to a
# failure on our side (`error`).
CLIENT_ERRORS = frozenset({
    grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED, grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
})


@dataclass(frozen=True)
class Failure:
    """A failed call as every envelope sees it."""

    http_status: int
    message: str
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def client_error(self) -> bool:
        return self.code in CLIENT_ERRORS


def failure_from_rpc_error(error: grpc.aio.AioRpcError) -> Failure:
    code = error.code()
    reason, metadata = _error_info(error)
    if code == grpc.StatusCode.UNAVAILABLE and not reason:
        message = "service unavailable"  # the core itself could not be reached
    else:
        message = error.details() or code.name.lower()
    status = BY_REASON.get(reason, STANDARD.get(code, 500))
    return Failure(status, message, code, reason, metadata)


def _error_info(error: grpc.aio.AioRpcError) -> tuple[str, dict[str, str]]:
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return info.reason, dict(info.metadata)
    return "", {}
