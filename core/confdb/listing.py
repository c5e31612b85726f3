"""The `{"headers": {…}, "body": "…"}` items the list and upload endpoints answer with.

snapcraft validates each item with a model that forbids unknown keys, so only the headers it
knows are given; all values stay strings exactly as in the assertion.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.confdb.assertion import Assertion, decode_assertion
from core.confdb.headers import HeaderValue

LISTED_HEADERS = (
    "type",
    "authority-id",
    "account-id",
    "name",
    "revision",
    "summary",
    "views",
    "timestamp",
    "body-length",
    "sign-key-sha3-384",
)


def list_item(stored: Assertion | bytes) -> dict[str, object]:
    """One stored assertion (parsed, or its raw bytes from the database) as a list item."""
    assertion = decode_assertion(stored) if isinstance(stored, bytes) else stored
    headers: dict[str, HeaderValue] = {k: assertion.headers[k] for k in LISTED_HEADERS if k in assertion.headers}
    return {"headers": headers, "body": assertion.body.decode("utf-8")}


def list_response(stored: Iterable[Assertion | bytes]) -> dict[str, object]:
    """`{"assertions": [...]}`; an empty list is how snapcraft learns a name is new."""
    return {"assertions": [list_item(item) for item in stored]}
