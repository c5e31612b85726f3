"""Storage behind one interface: SQLite (WAL) through sqlite-utils, used from one worker thread."""

from core.storage.database import Database
from core.storage.migrations import Migrations

__all__ = ["Database", "Migrations"]
