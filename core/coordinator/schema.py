"""The Coordinator's tables, as forward migrations (see core.storage.migrations).

Its state is a key/value store, as MarbleRun keeps it (`state`, `manifest`, `secret:<name>`, ...).
"""

MIGRATIONS = [
    """
    CREATE TABLE coordinator_store (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    """,
]
