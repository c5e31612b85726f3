"""How confdb failures are expressed as typed `core.errors` exceptions.

Every error raised by this package carries:

* ``reason``: a short kebab-case word naming the specific problem
  (``body-length-mismatch``, ``bad-signature``, ``macaroon-expired``…);
* ``metadata["code"]``: the Snap Store ``error_list`` code a REST envelope puts in
  ``{"error_list": [{"code": …, "message": …}]}``;
* ``metadata["field"]``: the header or request field at fault, when there is one.

Store codes, by exception class:

=====================  ==================================  ======
exception              ``metadata["code"]``                HTTP
=====================  ==================================  ======
InvalidArgument        ``invalid-field`` (bad assertion      400
                       or request field)
PermissionDenied       ``resource-forbidden`` (another       403
                       account's ids)
Conflict               ``conflict`` (revision not newer)     409
Unauthenticated        ``macaroon-permission-required``      401
                       (no credential) or
                       ``macaroon-invalid`` (anything else)
=====================  ==================================  ======

The 401 codes deliberately avoid ``macaroon-needs-refresh``: snapcraft answers that one by
calling an SSO refresh endpoint this store does not have.
"""

from __future__ import annotations

from core.errors import Conflict, InvalidArgument, PermissionDenied, SwitchyardError, Unauthenticated

INVALID_FIELD = "invalid-field"
CONFLICT = "conflict"
FORBIDDEN = "resource-forbidden"
AUTH_REQUIRED = "macaroon-permission-required"
AUTH_INVALID = "macaroon-invalid"

_DEFAULT_CODES: dict[type[SwitchyardError], str] = {
    InvalidArgument: INVALID_FIELD,
    PermissionDenied: FORBIDDEN,
    Conflict: CONFLICT,
    Unauthenticated: AUTH_INVALID,
}


def invalid(message: str, *, field: str, reason: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, metadata={"code": INVALID_FIELD, "field": field})


def forbidden(message: str, *, field: str, reason: str) -> PermissionDenied:
    return PermissionDenied(message, reason=reason, metadata={"code": FORBIDDEN, "field": field})


def conflict(message: str, *, field: str, reason: str) -> Conflict:
    return Conflict(message, reason=reason, metadata={"code": CONFLICT, "field": field})


def unauthenticated(message: str, *, reason: str, code: str = AUTH_INVALID) -> Unauthenticated:
    return Unauthenticated(message, reason=reason, metadata={"code": code})


def store_code(error: SwitchyardError) -> str:
    """The `error_list` code for any error, including ones raised outside this package."""
    if "code" in error.metadata:
        return error.metadata["code"]
    for cls, code in _DEFAULT_CODES.items():
        if isinstance(error, cls):
            return code
    return "internal-error"
