from __future__ import annotations

import pytest

from tests.server import running_server


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    """Nodes take three seconds to join: long enough to watch, wait on and cancel."""
    with running_server(tmp_path_factory.mktemp("slow") / "data", "--simulated-join-delay", "3") as server:
        yield server
