"""The Coordinator's states and the messages MarbleRun reports for them."""

from __future__ import annotations

import sqlite_utils

RECOVERY = 1
ACCEPTING_MANIFEST = 2
ACCEPTING_MARBLES = 3

MESSAGES = {
    RECOVERY: (
        "Coordinator is in recovery mode. Either upload a key to unseal the saved state, or set a "
        "new manifest. For more information on how to proceed, consult the documentation."
    ),
    ACCEPTING_MANIFEST: "Coordinator is ready to accept a manifest.",
    ACCEPTING_MARBLES: "Coordinator is running correctly and ready to accept marbles.",
}


def current_state(db: sqlite_utils.Database) -> int:
    """A fresh Coordinator waits for its manifest."""
    row = db.execute("SELECT value FROM coordinator_store WHERE key = 'state'").fetchone()
    return int(row[0]) if row else ACCEPTING_MANIFEST


UNKNOWN_STATUS_MESSAGE = "Cannot determine coordinator status."
WRONG_STATE = "server is not in expected state"

# Which states each operation runs in, as MarbleRun's clientapi and Marble API check them.
# Operations absent here (status, manifest GET, sign-quote, pending-update GET/ack/cancel) have
# no state check.
STATE_REQUIREMENTS: dict[str, frozenset[int]] = {
    "quote": frozenset({RECOVERY, ACCEPTING_MANIFEST, ACCEPTING_MARBLES}),
    "set_manifest": frozenset({RECOVERY, ACCEPTING_MANIFEST}),
    "get_secrets": frozenset({ACCEPTING_MARBLES}),
    "set_secrets": frozenset({ACCEPTING_MARBLES}),
    "update_log": frozenset({ACCEPTING_MARBLES}),
    "update": frozenset({ACCEPTING_MARBLES}),
    "verify_marble": frozenset({ACCEPTING_MARBLES}),
    "monotonic_counter": frozenset({ACCEPTING_MARBLES}),
    "activate": frozenset({ACCEPTING_MARBLES}),
    "recover": frozenset({RECOVERY}),
    "recovery_public_key": frozenset({RECOVERY}),
}


def require_state(operation: str, state: int) -> None:
    """Raise FailedPrecondition unless `operation` may run in `state`."""
    from core.errors import FailedPrecondition

    allowed = STATE_REQUIREMENTS.get(operation)
    if allowed is not None and state not in allowed:
        message = "cannot accept marbles in current state" if operation == "activate" else WRONG_STATE
        raise FailedPrecondition(message, reason="WRONG_STATE", metadata={"state": str(state), "operation": operation})
