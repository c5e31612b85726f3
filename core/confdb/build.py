"""POST /api/v2/confdb-schemas/build-assertion: headers ready for `snap sign`.

The answer goes to `snap sign` as JSON after snapcraft stringifies its scalars, so it must hold
only strings, lists and maps (no nulls, no booleans), a body already in snapd's canonical JSON
form (older signers do not reformat it) and a timestamp no earlier than the signing key's
`since`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from core.confdb.canonical_json import canonical_json
from core.confdb.headers import HeaderValue, is_name
from core.confdb.problems import conflict, forbidden, invalid
from core.confdb.rules import check_body, check_views
from core.confdb.store_schema import BUILD_ASSERTION_REQUEST, compatible_schema

_STRICT = Draft7Validator(BUILD_ASSERTION_REQUEST)
_COMPATIBLE = Draft7Validator(compatible_schema())


def timestamp(now: datetime) -> str:
    """RFC 3339 in UTC, whole seconds, as snapd writes assertion times."""
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_revision(latest: int | None) -> int:
    """Latest stored + 1; a name never stored before starts at 1 (the store's choice)."""
    return 1 if latest is None else latest + 1


def validate_request(request: object, *, client_compatible: bool = False) -> None:
    """The request against the document's JSON schema (or its client-compatible superset)."""
    validator = _COMPATIBLE if client_compatible else _STRICT
    error = best_match(validator.iter_errors(request))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path)
        raise invalid(
            f"{where or 'request'}: {error.message}",
            field=str(error.absolute_path[0]) if error.absolute_path else "request",
            reason="schema-violation",
        )


def as_header_value(value: object) -> HeaderValue:
    """JSON from the request as header values: booleans become "true"/"false" as snapd reads them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: as_header_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_header_value(v) for v in value]
    if isinstance(value, str):
        return value
    raise invalid(f"unexpected value {value!r}", field="views", reason="non-string-value")


def build_assertion(
    request: object,
    *,
    caller: str,
    latest_revision: int | None,
    now: datetime,
    client_compatible: bool = False,
) -> dict[str, HeaderValue]:
    """The confdb-schema headers (with `body`) for `caller` to sign.

    `latest_revision` is the highest stored revision of this account's schema `name`, or None;
    the servicer looks it up after reading `name` (validate first with `validate_request`).
    """
    validate_request(request, client_compatible=client_compatible)
    assert isinstance(request, dict)  # the schema requires an object
    account_id, name = request["account-id"], request["name"]
    if account_id != caller:
        raise forbidden(
            f"account-id {account_id!r} is not the authenticated account", field="account-id", reason="foreign-account"
        )
    if not is_name(name):
        raise invalid(f'invalid confdb-schema name "{name}"', field="name", reason="invalid-name")
    views = as_header_value(request["views"])
    check_views(views)
    body = canonical_json(request["body"])
    check_body(body)

    revision = next_revision(latest_revision)
    if "revision" in request:
        wanted = int(request["revision"])
        if latest_revision is not None and wanted <= latest_revision:
            raise conflict(
                f"revision {wanted} is not newer than the current revision {latest_revision}",
                field="revision",
                reason="revision-not-newer",
            )
        revision = wanted
    headers: dict[str, HeaderValue] = {
        "type": "confdb-schema",
        "authority-id": account_id,
        "account-id": account_id,
        "name": name,
        "revision": str(revision),
    }
    if "summary" in request:
        headers["summary"] = request["summary"]
    headers.update({"timestamp": timestamp(now), "views": views, "body": body})
    return headers
