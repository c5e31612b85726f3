"""Forward-only schema migrations, one numbered stream per domain.

Each domain owns its stream, so domains grow their schemas without coordinating version numbers.
A stream's migrations are SQL scripts applied in order; each runs in its own transaction
together with the bump of its version, so a crash leaves the schema at a whole version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import sqlite_utils

from core.errors import FailedPrecondition
from core.storage.database import transaction

Migrations = Mapping[str, Sequence[str]]

_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_versions (
    domain TEXT PRIMARY KEY,
    version INTEGER NOT NULL
)
"""


def current_versions(db: sqlite_utils.Database) -> dict[str, int]:
    db.execute(_VERSIONS_TABLE)
    return dict(db.execute("SELECT domain, version FROM schema_versions").fetchall())


def migrate(db: sqlite_utils.Database, streams: Migrations) -> dict[str, int]:
    """Bring every stream to its latest version; answer the versions now in force."""
    versions = current_versions(db)
    for domain, scripts in streams.items():
        have = versions.get(domain, 0)
        if have > len(scripts):
            raise FailedPrecondition(
                f"the database schema of {domain} is at version {have}, newer than this "
                f"release knows ({len(scripts)}); refusing to run an older release on it",
                reason="SCHEMA_TOO_NEW",
            )
        for version, script in enumerate(scripts[have:], start=have + 1):
            with transaction(db):
                for statement in _statements(script):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_versions (domain, version) VALUES (?, ?) "
                    "ON CONFLICT(domain) DO UPDATE SET version = excluded.version",
                    [domain, version],
                )
            versions[domain] = version
    return versions


def _statements(script: str) -> list[str]:
    """Split a script at statement ends; `executescript` would commit on its own."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
