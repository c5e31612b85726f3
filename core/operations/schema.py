"""The operations table, as forward migrations (see core.storage.migrations)."""

MIGRATIONS = [
    """
    CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        class TEXT NOT NULL,
        description TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        resources TEXT NOT NULL,
        metadata TEXT,
        may_cancel INTEGER NOT NULL,
        err TEXT NOT NULL
    );
    CREATE INDEX operations_by_status ON operations (status_code);
    """,
]
