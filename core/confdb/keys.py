"""Account signing keys: what `register-key` accepts and what upload checks look up.

A key arrives either as an account-key-request assertion (what `snap export-key --account=…`
prints and snapcraft sends) or as a plain OpenPGP RSA public key (what `gpg --export` prints).
Either way the store keeps only n and e and names the key by snapd's `sign-key-sha3-384`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.confdb.assertion import Assertion, decode_assertion
from core.confdb.headers import is_name
from core.confdb.openpgp import RSAPublicKey, public_key_from_body, public_key_from_openpgp, require_strong, verify_signature
from core.confdb.problems import forbidden, invalid

KEY_NAME = re.compile(r"(?:[a-z0-9]+-?)*[a-z](?:-?[a-z0-9])*")


@dataclass(frozen=True)
class AccountKey:
    account_id: str
    name: str
    public_key: RSAPublicKey
    since: datetime
    until: datetime | None = None

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def valid_at(self, when: datetime) -> bool:
        """snapd's window: since <= when < until (until optional)."""
        return self.since <= when and (self.until is None or when < self.until)


# Given a sign-key-sha3-384, the registered key or None; a servicer passes its repository's.
KeyLookup = Callable[[str], "AccountKey | None"]


def key_from_request(data: bytes) -> AccountKey:
    """Parse and check an account-key-request: self-signed by the key in its body."""
    request = decode_assertion(data)
    if request.type != "account-key-request":
        raise invalid(f"expected an account-key-request, got {request.type!r}", field="type", reason="wrong-type")
    if "authority-id" in request.headers:
        raise invalid("account-key-request has no authority-id", field="authority-id", reason="unexpected-header")
    account_id, name = request.text("account-id"), request.text("name")
    _check_names(account_id, name)
    key = require_strong(public_key_from_body(request.body.decode("utf-8"), "body"), "body")
    if request.text("public-key-sha3-384") != key.key_id:
        raise invalid(
            "public-key-sha3-384 does not match the key in the body", field="public-key-sha3-384", reason="key-id-mismatch"
        )
    if request.sign_key_id != key.key_id:
        raise invalid(
            "an account-key-request must be signed by its own key", field="sign-key-sha3-384", reason="key-id-mismatch"
        )
    verify_signature(request.signed, request.signature, key)
    since, until = _window(request)
    return AccountKey(account_id, name, key, since, until)


def key_from_openpgp(account_id: str, name: str, data: bytes, *, since: datetime) -> AccountKey:
    """A bare OpenPGP public key (armoured or binary) registered under `name` from `since`."""
    _check_names(account_id, name)
    return AccountKey(account_id, name, require_strong(public_key_from_openpgp(data)), since)


def register_key(account_id: str, data: bytes, *, now: datetime, name: str = "default") -> AccountKey:
    """What `switchyard confdb register-key ACCOUNT KEYFILE` accepts, checked for `account_id`.

    The caller persists the result and rejects a second key with the same name for the account
    (that needs the repository, which this function does not have).
    """
    if data.lstrip().startswith(b"type:"):
        key = key_from_request(data)
        if key.account_id != account_id:
            raise forbidden(
                f"account-key-request is for account {key.account_id!r}, not {account_id!r}",
                field="account-id",
                reason="foreign-account",
            )
        return key
    return key_from_openpgp(account_id, name, data, since=now)


def _check_names(account_id: str, name: str) -> None:
    if not account_id or "/" in account_id:
        raise invalid(f"invalid account-id {account_id!r}", field="account-id", reason="invalid-name")
    if not KEY_NAME.fullmatch(name) and not is_name(name):
        raise invalid(f"invalid key name {name!r}", field="name", reason="invalid-name")


def _window(request: Assertion) -> tuple[datetime, datetime | None]:
    since = request.time("since")
    until = request.time("until", optional=True)
    assert since is not None  # mandatory, so `time` raised if missing
    if until is not None and until < since:
        raise invalid("'until' time cannot be before 'since' time", field="until", reason="invalid-time")
    return since, until
