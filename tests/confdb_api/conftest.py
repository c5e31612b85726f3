from __future__ import annotations

import pytest

from tests.confdb_api.publisher import Publisher, new_publisher


@pytest.fixture(scope="session")
def publisher(server, publisher_key, tmp_path_factory) -> Publisher:
    return new_publisher(server, publisher_key, tmp_path_factory.mktemp("publisher"))


@pytest.fixture(scope="session")
def other_publisher(server, other_key, tmp_path_factory) -> Publisher:
    return new_publisher(server, other_key, tmp_path_factory.mktemp("other"))
