"""Store credentials: macaroons minted for one account, checked on every request.

A credential is a first-party macaroon whose caveats bind the account and an expiry. For
clients in Ubuntu One mode (stock snapcraft sends `Macaroon root=…, discharge=…`) the root can
also carry a third-party caveat, discharged by a second macaroon this store mints itself; the
caveat key is derived from the root key, so nothing but the root key needs storing.

Failures are `Unauthenticated` with these reasons (`metadata["code"]` in brackets):

* ``macaroon-missing``      no Authorization header            (macaroon-permission-required)
* ``macaroon-malformed``    not a Macaroon header or token     (macaroon-invalid)
* ``macaroon-forged``       signature does not verify          (macaroon-invalid)
* ``macaroon-unbound``      discharge missing or not bound     (macaroon-invalid)
* ``macaroon-caveat``       unknown or contradictory caveat    (macaroon-invalid)
* ``macaroon-expired``      an `expires` caveat has passed     (macaroon-invalid)
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timezone

from pymacaroons import Macaroon, Verifier
from pymacaroons.exceptions import MacaroonException, MacaroonInvalidSignatureException

from core.confdb.problems import AUTH_REQUIRED, unauthenticated

LOCATION = "switchyard"
ACCOUNT = "account"
EXPIRES = "expires"
_SCHEME = re.compile(r"\s*macaroon\s+(?P<rest>.+?)\s*", re.IGNORECASE | re.DOTALL)
_PARAM = re.compile(r"\s*(?P<name>root|discharge)\s*=\s*(?P<value>[^,\s]+)\s*")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Credential:
    root: str
    discharge: str | None = None  # unbound, as the login service hands it out

    def authorization(self) -> str:
        """The Authorization header a client sends (binding the discharge, as craft-store does)."""
        if self.discharge is None:
            return f"Macaroon {self.root}"
        root = Macaroon.deserialize(self.root)
        bound = root.prepare_for_request(Macaroon.deserialize(self.discharge))
        return f"Macaroon root={self.root}, discharge={bound.serialize()}"


def mint_credential(
    account_id: str,
    root_key: bytes,
    *,
    expires: datetime,
    location: str = LOCATION,
    discharge_location: str | None = None,
) -> Credential:
    """A macaroon for `account_id` that expires at `expires` (an aware datetime).

    With `discharge_location`, the root needs a discharge macaroon too (Ubuntu One style);
    both carry the account and expiry caveats so neither can be stretched alone.
    """
    if expires.tzinfo is None:
        raise ValueError("expires must be timezone-aware")
    caveats = [f"{ACCOUNT}={account_id}", f"{EXPIRES}={expires.astimezone(timezone.utc).strftime(_TIME_FORMAT)}"]
    root = Macaroon(location=location, identifier=secrets.token_hex(16), key=root_key)
    for caveat in caveats:
        root.add_first_party_caveat(caveat)
    if discharge_location is None:
        return Credential(root.serialize())
    caveat_id = secrets.token_hex(16)
    caveat_key = _caveat_key(root_key, caveat_id)
    root.add_third_party_caveat(discharge_location, caveat_key, caveat_id)
    discharge = Macaroon(location=discharge_location, identifier=caveat_id, key=caveat_key)
    for caveat in caveats:
        discharge.add_first_party_caveat(caveat)
    return Credential(root.serialize(), discharge.serialize())


def _caveat_key(root_key: bytes, caveat_id: str) -> bytes:
    # Derived rather than stored: whoever holds the root key can recompute it for a discharge.
    return hmac.new(root_key, b"confdb-discharge\x00" + caveat_id.encode(), hashlib.sha256).digest()


def parse_authorization(header: str | None) -> tuple[str, str | None]:
    """(root, discharge) from `Macaroon root=…, discharge=…`, `Macaroon <m>` or `macaroon <m>`."""
    if header is None or not header.strip():
        raise unauthenticated("authentication required", reason="macaroon-missing", code=AUTH_REQUIRED)
    found = _SCHEME.fullmatch(header)
    if not found:
        raise unauthenticated("Authorization is not a Macaroon credential", reason="macaroon-malformed")
    rest = found["rest"]
    if "=" not in rest.rstrip("="):  # a bare token (may end in base64 padding)
        if any(c.isspace() or c == "," for c in rest):
            raise unauthenticated("malformed Macaroon credential", reason="macaroon-malformed")
        return rest, None
    params: dict[str, str] = {}
    for part in rest.split(","):
        param = _PARAM.fullmatch(part)
        if not param or param["name"] in params:
            raise unauthenticated("malformed Macaroon credential", reason="macaroon-malformed")
        params[param["name"]] = param["value"]
    if "root" not in params:
        raise unauthenticated("Macaroon credential has no root", reason="macaroon-malformed")
    return params["root"], params.get("discharge")


def _deserialize(token: str) -> Macaroon:
    try:
        macaroon = Macaroon.deserialize(token)
        # pymacaroons decodes ids lazily during verification; undecodable ones are malformed now.
        _ = macaroon.identifier, [caveat.caveat_id for caveat in macaroon.caveats]
        return macaroon
    # pymacaroons reports bad input through several exception types, IndexError among them.
    except (MacaroonException, binascii.Error, ValueError, struct.error, UnicodeError, IndexError):
        raise unauthenticated("malformed macaroon", reason="macaroon-malformed") from None
    except Exception as error:
        # pymacaroons' v2 reader raises a bare Exception for a truncated varint ("Ag0"); only
        # that exact type is malformed input, anything more specific is a real failure.
        if type(error) is not Exception:
            raise
        raise unauthenticated("malformed macaroon", reason="macaroon-malformed") from None


def authenticate(authorization: str | None, root_key: bytes, *, now: datetime) -> str:
    """The account a request's Authorization header proves, or Unauthenticated."""
    root_text, discharge_text = parse_authorization(authorization)
    root = _deserialize(root_text)
    discharges = [_deserialize(discharge_text)] if discharge_text is not None else []
    if discharges and not root.third_party_caveats():
        raise unauthenticated("discharge given for a macaroon that needs none", reason="macaroon-unbound")
    if root.third_party_caveats() and not discharges:
        raise unauthenticated("macaroon needs a bound discharge", reason="macaroon-unbound")

    seen: list[tuple[str, str]] = []
    verifier = Verifier()
    verifier.satisfy_general(lambda predicate: _record(predicate, seen))
    try:
        verifier.verify(root, root_key, discharges)
    except MacaroonInvalidSignatureException:
        # A discharge that was not bound to this root fails the same signature check.
        reason = "macaroon-unbound" if discharges else "macaroon-forged"
        raise unauthenticated("macaroon signature does not verify", reason=reason) from None
    except MacaroonException:
        raise unauthenticated("macaroon has an unknown or unmet caveat", reason="macaroon-caveat") from None
    # Meaning is checked only after the signature: a forgery never learns which caveat failed.
    if any(name not in (ACCOUNT, EXPIRES) or not value for name, value in seen):
        raise unauthenticated("macaroon has an unknown caveat", reason="macaroon-caveat")
    accounts = {value for name, value in seen if name == ACCOUNT}
    if len(accounts) != 1:
        raise unauthenticated("macaroon must be bound to exactly one account", reason="macaroon-caveat")
    expiries = [value for name, value in seen if name == EXPIRES]
    if not expiries:
        raise unauthenticated("macaroon has no expiry", reason="macaroon-caveat")
    for value in expiries:
        try:
            deadline = datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise unauthenticated("macaroon has a malformed expiry", reason="macaroon-caveat") from None
        if now >= deadline:
            raise unauthenticated("macaroon has expired", reason="macaroon-expired")
    return accounts.pop()


def _record(predicate: str, seen: list[tuple[str, str]]) -> bool:
    # Every predicate is recorded and judged after the signature is verified (an unmet caveat
    # would otherwise surface as a signature mismatch); unknown names then fail closed.
    name, _, value = predicate.partition("=")
    seen.append((name, value))
    return True
