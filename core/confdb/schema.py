"""The confdb store tables, as forward migrations (see core.storage.migrations).

Assertions are kept verbatim, one row per (account, name, revision): a new revision is a new
row, so every schema a device may have fetched can still be served byte for byte.
"""

MIGRATIONS = [
    """
    CREATE TABLE confdb_accounts (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE confdb_account_keys (
        key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES confdb_accounts (id),
        name TEXT NOT NULL,
        public_key TEXT NOT NULL,
        since TEXT NOT NULL,
        until TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE TABLE confdb_schemas (
        account_id TEXT NOT NULL REFERENCES confdb_accounts (id),
        name TEXT NOT NULL,
        revision INTEGER NOT NULL,
        assertion BLOB NOT NULL,
        stored_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, name, revision)
    );
    """,
]
