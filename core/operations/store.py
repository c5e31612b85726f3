"""Operations persisted: every transition is written before it is published."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from core.operations.model import FAILURE, SUCCESS, Operation

INTERRUPTED = "interrupted by restart"


def save(db: sqlite_utils.Database, operation: Operation) -> None:
    db.execute(
        """
        INSERT INTO operations (id, class, description, created_at, updated_at, status_code,
                                resources, metadata, may_cancel, err)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET
            updated_at = excluded.updated_at, status_code = excluded.status_code,
            resources = excluded.resources, metadata = excluded.metadata,
            may_cancel = excluded.may_cancel, err = excluded.err
        """,
        [
            operation.id, operation.class_, operation.description,
            operation.created_at.isoformat(), operation.updated_at.isoformat(),
            operation.status_code, json.dumps(operation.resources),
            None if operation.metadata is None else json.dumps(operation.metadata),
            int(operation.may_cancel), operation.err,
        ],
    )


def load(db: sqlite_utils.Database, operation_id: str) -> Operation | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM operations WHERE id = ?", [operation_id]).fetchone()
    return _operation(row) if row else None


def load_all(db: sqlite_utils.Database) -> list[Operation]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM operations ORDER BY created_at, id").fetchall()
    return [_operation(row) for row in rows]


def fail_interrupted(db: sqlite_utils.Database) -> list[Operation]:
    """Operations that were unfinished when the process died can never finish now."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM operations WHERE status_code < ?", [SUCCESS]).fetchall()
    failed = [_operation(row).moved_to(FAILURE, err=INTERRUPTED, may_cancel=False) for row in rows]
    for operation in failed:
        save(db, operation)
    return failed


def forget_finished_before(db: sqlite_utils.Database, cutoff: dt.datetime) -> int:
    cursor = db.execute(
        "DELETE FROM operations WHERE status_code >= ? AND updated_at < ?", [SUCCESS, cutoff.isoformat()]
    )
    return cursor.rowcount


_COLUMNS = "id, class, description, created_at, updated_at, status_code, resources, metadata, may_cancel, err"


def _operation(row: tuple) -> Operation:
    (id_, class_, description, created_at, updated_at, status_code,
     resources, metadata, may_cancel, err) = row
    return Operation(
        id=id_,
        class_=class_,
        description=description,
        created_at=dt.datetime.fromisoformat(created_at),
        updated_at=dt.datetime.fromisoformat(updated_at),
        status_code=status_code,
        resources=json.loads(resources),
        metadata=None if metadata is None else json.loads(metadata),
        may_cancel=bool(may_cancel),
        err=err,
    )
