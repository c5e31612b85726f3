"""What every part of the client-API servicer shares: the database, the runtime, the caller."""

from __future__ import annotations

import sqlite_utils

from core.coordinator import store
from core.coordinator.sealing import CoordinatorRuntime
from core.coordinator.users import CoordinatorUser, match_user
from core.identity import current_caller
from core.storage import Database


class ServicerBase:
    _db: Database
    _runtime: CoordinatorRuntime

    def _caller_certificates(self) -> list[bytes]:
        der = current_caller().certificate_der
        return [der] if der else []

    def _user(self, db: sqlite_utils.Database, certificates: list[bytes]) -> CoordinatorUser:
        """The manifest user presenting one of `certificates` (byte equality), else 401."""
        return match_user(store.read_users(db), certificates)
