"""ETags of AMS resources: a hash of the canonical JSON of their writable part (as LXD)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core.errors import FailedPrecondition


def etag_of(writable: Any) -> str:
    canonical = json.dumps(writable, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest() + '"'


def check_if_match(if_match: str, current: str) -> None:
    """No If-Match means no check; quotes around the value are optional, `*` matches anything."""
    wanted = if_match.strip()
    if not wanted or wanted == "*":
        return
    if wanted.strip('"') != current.strip('"'):
        raise FailedPrecondition(
            "ETag does not match: the resource was modified since it was read; "
            "retrieve the updated configuration and try again",
            reason="ETAG_MISMATCH",
        )
