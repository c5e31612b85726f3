"""A mutating call that fails midway leaves the previous state: each is one transaction."""

from __future__ import annotations

import pytest

from core.coordinator import store
from core.coordinator.api_manifest import _store_setup
from core.coordinator.sealing import Foundation
from core.coordinator.setup import prepare_manifest
from core.coordinator.status import ACCEPTING_MANIFEST
from core.coordinator import schema
from core.pki import ensure_tls_material
from core.storage import Database
from core.storage.migrations import migrate
from tests.coordinator_api.conftest import encode, manifest


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path / "switchyard.db")
    db.run_sync(lambda d: migrate(d, {"coordinator": schema.MIGRATIONS}))
    yield db
    db.close()


def test_a_manifest_set_failing_before_commit_leaves_nothing(tmp_path, database, users, monkeypatch):
    foundation = Foundation.from_tls(ensure_tls_material(tmp_path / "tls", []))
    setup = prepare_manifest(encode(manifest(users)), foundation.first_pki(), ACCEPTING_MANIFEST)

    def crash(db, lines):
        raise OSError("disk gone")  # the last write before the state changes

    monkeypatch.setattr(store, "write_update_log", crash)
    with pytest.raises(OSError):
        database.run_sync(lambda db: _in_transaction(db, lambda: _store_setup(db, tmp_path, setup,
                                                                               foundation.first_pki())))
    assert database.run_sync(store.read_state) == ACCEPTING_MANIFEST
    assert database.run_sync(store.keys) == []


def _in_transaction(db, fn):
    from core.storage.database import transaction

    with transaction(db):
        return fn()


def test_a_server_killed_during_a_manifest_set_keeps_the_previous_state(tmp_path, users):
    """SIGKILL while a slow manifest (RSA-4096 certificates) is being set, then restart."""
    import signal
    import threading
    import time

    from tests.coordinator_api.conftest import b64, client
    from tests.server import running_server

    document = manifest(users)
    for i in range(6):
        document["Secrets"][f"rsa{i}"] = {"Type": "cert-rsa", "Size": 4096, "Shared": True}
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        def post():
            try:
                with client(server) as http:
                    http.post("/api/v2/manifest", json={"manifest": b64(encode(document))})
            except Exception:
                pass  # the connection dies with the server

        sender = threading.Thread(target=post)
        sender.start()
        time.sleep(0.5)
        server.stop(signal.SIGKILL)
        sender.join()
    with running_server(data_dir) as restarted, client(restarted) as http:
        assert http.get("/api/v2/status").json()["data"]["code"] == 2
        assert http.get("/manifest").json()["data"]["manifest"] is None
