"""Typed domain errors.

Domain code raises these; the core's interceptor turns each into a gRPC status with a
machine-readable reason (google.rpc.ErrorInfo), and every REST envelope maps that status once.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc

ERROR_DOMAIN = "switchyard"


class SwitchyardError(Exception):
    """Base of every error that may cross the API boundary.

    `reason` is a short UPPER_SNAKE_CASE word clients can branch on; `metadata` carries
    string facts about the failure (the offending field, the resource id, ...).
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    default_reason: str = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})


class InvalidArgument(SwitchyardError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"


class NotFound(SwitchyardError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(SwitchyardError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class Conflict(SwitchyardError):
    """The request clashes with the current state (a concurrent change, a resource in use)."""

    code = grpc.StatusCode.ABORTED
    default_reason = "CONFLICT"


class FailedPrecondition(SwitchyardError):
    """The system is not in a state that allows the call (wrong state, stale ETag)."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class PermissionDenied(SwitchyardError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(SwitchyardError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class ResourceExhausted(SwitchyardError):
    """A limit was exceeded (upload size, quota)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(SwitchyardError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class Unimplemented(SwitchyardError):
    code = grpc.StatusCode.UNIMPLEMENTED
    default_reason = "UNIMPLEMENTED"


class Internal(SwitchyardError):
    """A failure on our side; the message must still be safe to show a client."""

    code = grpc.StatusCode.INTERNAL
    default_reason = "INTERNAL"
