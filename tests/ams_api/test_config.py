"""/1.0/config: every key typed, changes through an operation, bad input refused."""

from __future__ import annotations

import pytest

from tests.ams_api.client import finish

DEFAULTS = {
    "application.addons": "",
    "application.auto_publish": True,
    "application.default_abi": "",
    "application.max_published_versions": 3,
    "container.default_platform": "",
    "container.features": "",
    "container.security_updates": False,
    "core.proxy_http": "",
    "core.proxy_https": "",
    "core.proxy_ignore_hosts": "",
    "core.trust_password": False,
    "gpu.allocation_mode": "all",
    "gpu.type": "none",
    "images.allow_insecure": False,
    "images.auth": False,
    "images.update_interval": "5m",
    "images.url": "https://images.anbox-cloud.io/stable/",
    "images.version_lockstep": True,
    "registry.filter": "",
    "registry.fingerprint": "",
    "registry.mode": "pull",
    "registry.update_interval": "5s",
    "registry.url": "",
    "scheduler.strategy": "spread",
}


def test_every_key_with_its_type_and_default(fresh_server):
    with fresh_server.ams_local() as client:
        assert client.get("/1.0/config").json()["metadata"] == {"config": DEFAULTS}


@pytest.mark.parametrize("name, raw, typed", [
    ("application.auto_publish", "false", False),
    ("application.max_published_versions", "5", 5),
    ("gpu.type", "nvidia", "nvidia"),
    ("images.update_interval", "1h30m", "1h30m"),
    ("core.proxy_http", "http://proxy:3128", "http://proxy:3128"),
])
def test_patch_applies_a_typed_value(server, name, raw, typed):
    with server.ams_local() as client:
        final = finish(client, client.patch("/1.0/config", json={"name": name, "value": raw}))
        assert final["status"] == "Success"
        assert client.get("/1.0/config").json()["metadata"]["config"][name] == typed


@pytest.mark.parametrize("body, message", [
    ({"name": "no.such.key", "value": "1"}, "unknown configuration key 'no.such.key'"),
    ({"name": "application.max_published_versions", "value": "many"}, "invalid value 'many'"),
    ({"name": "scheduler.strategy", "value": "random"}, "expected one of spread, binpack"),
    ({"name": "application.auto_publish", "value": "maybe"}, "expected true or false"),
    ({"name": "images.update_interval", "value": "often"}, "expected a duration"),
])
def test_patch_refuses_unknown_keys_and_bad_values(server, body, message):
    with server.ams_local() as client:
        response = client.patch("/1.0/config", json=body)
    assert response.status_code == 400
    assert response.json()["type"] == "error" and response.json()["error_code"] == 400
    assert message in response.json()["error"]


# JSON nested past the decoder's recursion limit, well-formed or cut off.
TOO_DEEP = [b"[" * 5000 + b"]" * 5000, b'{"name":' * 5000]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"text"', *TOO_DEEP])
def test_malformed_json_is_400(server, raw):
    with server.ams_local() as client:
        response = client.patch("/1.0/config", content=raw)
    assert response.status_code == 400
    assert response.json()["type"] == "error"


@pytest.mark.parametrize("body", [
    {"name": "scheduler.strategy", "value": 5},
    {"name": ["scheduler.strategy"], "value": "spread"},
    {"name": "scheduler.strategy", "value": "spread", "extra": True},
])
def test_wrong_types_and_unknown_fields_are_400(server, body):
    with server.ams_local() as client:
        response = client.patch("/1.0/config", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == 400


def test_oversized_body_is_refused_in_the_envelope(server):
    with server.ams_local() as client:
        response = client.patch("/1.0/config", content=b'{"name": "' + b"x" * (5 * 1024 * 1024) + b'"}')
    assert response.status_code == 413
    assert response.json()["type"] == "error" and response.json()["error_code"] == 413


def test_whole_numbers_are_written_as_integers(fresh_server):
    """Go clients decode config counts into ints: `3`, never `3.0`."""
    with fresh_server.ams_local() as client:
        raw = client.get("/1.0/config").text
    assert '"application.max_published_versions":3' in raw.replace(" ", "")
    assert "3.0" not in raw
