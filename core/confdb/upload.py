"""POST /api/v2/confdb-schemas: the checks an uploaded confdb-schema must pass to be stored.

Order follows what a client can fix first: format, then who signed it, then the signature, then
the content, and only last the revision (a 409 means "everything else was fine").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.confdb.assertion import MEDIA_TYPE, Assertion, decode_stream
from core.confdb.headers import is_name
from core.confdb.keys import KeyLookup
from core.confdb.openpgp import verify_signature
from core.confdb.problems import conflict, forbidden, invalid
from core.confdb.rules import check_body, check_views

SCHEMA_TYPE = "confdb-schema"
# Clients may send the signing chain along (`snap known` output); those parts are not stored.
_IGNORED_TYPES = {"account", "account-key"}

# The highest stored revision of the caller's schema with this name, or None.
RevisionLookup = Callable[[str], "int | None"]


def check_media_type(content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media != MEDIA_TYPE:
        raise invalid(
            f"expected Content-Type {MEDIA_TYPE}, got {content_type or 'none'}",
            field="content-type",
            reason="wrong-content-type",
        )


def check_upload(
    raw: bytes,
    *,
    caller: str,
    find_key: KeyLookup,
    latest_revision: RevisionLookup,
    now: datetime,
) -> Assertion:
    """The confdb-schema in `raw`, checked for storage by `caller`, or a typed error.

    InvalidArgument (`invalid-field`) for anything malformed or badly signed, PermissionDenied
    (`resource-forbidden`) when the ids name another account, Conflict (`conflict`) when the
    revision is not above the stored one. The returned assertion keeps the received bytes.
    """
    schema = _single_schema(decode_stream(raw))
    if schema.headers.get("format", "0") != "0":
        raise invalid("unsupported format for confdb-schema", field="format", reason="unsupported-format")
    authority, account = schema.text("authority-id"), schema.text("account-id")
    if authority != account:
        raise invalid(
            f'authority-id and account-id must match, confdb-schema assertions are expected to be signed by the issuer account: "{authority}" != "{account}"',
            field="authority-id",
            reason="authority-mismatch",
        )
    if account != caller:
        raise forbidden(
            f"account-id {account!r} is not the authenticated account", field="account-id", reason="foreign-account"
        )
    name = schema.text("name")
    if not is_name(name):
        raise invalid(f'invalid confdb-schema name "{name}"', field="name", reason="invalid-name")
    signed_at = schema.time("timestamp")
    assert signed_at is not None  # mandatory: `time` raised otherwise
    if "summary" in schema.headers:
        schema.text("summary")

    key = find_key(schema.sign_key_id)
    if key is None or key.account_id != authority:
        raise invalid(
            f"signing key {schema.sign_key_id} is not registered for account {authority!r}",
            field="sign-key-sha3-384",
            reason="unknown-signing-key",
        )
    if not key.valid_at(now):
        raise invalid("signing key is not valid now", field="sign-key-sha3-384", reason="signing-key-expired")
    if not key.valid_at(signed_at):
        raise invalid(
            "timestamp is outside the signing key's validity", field="timestamp", reason="timestamp-outside-key-validity"
        )
    verify_signature(schema.signed, schema.signature, key.public_key)

    check_views(schema.headers.get("views"))
    if not schema.body:
        raise invalid("body must contain JSON", field="body", reason="missing-body")
    check_body(schema.body.decode("utf-8"))

    require_newer_revision(schema.revision, latest_revision(name))
    return schema


def require_newer_revision(revision: int, latest: int | None) -> None:
    """A schema's revision must pass the stored one (409 `conflict` otherwise)."""
    if latest is None or revision > latest:
        return
    message = (
        f"revision {revision} is already the current revision"
        if revision == latest
        else f"revision {revision} is older than current revision {latest}"
    )
    raise conflict(message, field="revision", reason="revision-not-newer")


def _single_schema(found: list[Assertion]) -> Assertion:
    schemas = [a for a in found if a.type == SCHEMA_TYPE]
    others = [a.type for a in found if a.type != SCHEMA_TYPE and a.type not in _IGNORED_TYPES]
    if others or len(schemas) != 1:
        got = others[0] if others and not schemas else f"{len(schemas)} confdb-schema assertion(s)"
        raise invalid(f"expected one confdb-schema assertion, got {got}", field="type", reason="wrong-type")
    return schemas[0]
