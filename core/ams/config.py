"""AMS configuration keys: their types, defaults and allowed values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from core.errors import InvalidArgument

TRUST_PASSWORD = "core.trust_password"
SECRET_KEYS = frozenset({TRUST_PASSWORD, "images.auth"})

_DURATION = re.compile(r"^(\d+(\.\d+)?(h|m|s|ms))+$")


@dataclass(frozen=True)
class Key:
    name: str
    default: Any
    parse: Callable[[str], Any]


def _string(raw: str) -> str:
    return raw


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _duration(raw: str) -> str:
    if not _DURATION.match(raw.strip()):
        raise ValueError("expected a duration such as 5m or 30s")
    return raw.strip()


def _url(raw: str) -> str:
    if raw and not re.match(r"^https?://[^\s/]+", raw):
        raise ValueError("expected an http or https URL")
    return raw


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return raw

    return parse


KEYS = {key.name: key for key in (
    Key("application.addons", "", _string),
    Key("application.auto_publish", True, _boolean),
    Key("application.default_abi", "", _string),
    Key("application.max_published_versions", 3, _count),
    Key("container.default_platform", "", _string),
    Key("container.features", "", _string),
    Key("container.security_updates", False, _boolean),
    Key("core.proxy_http", "", _url),
    Key("core.proxy_https", "", _url),
    Key("core.proxy_ignore_hosts", "", _string),
    Key(TRUST_PASSWORD, "", _string),
    Key("gpu.allocation_mode", "all", _one_of("one", "all")),
    Key("gpu.type", "none", _one_of("none", "nvidia", "intel", "amd")),
    Key("images.allow_insecure", False, _boolean),
    Key("images.auth", "", _string),
    Key("images.update_interval", "5m", _duration),
    Key("images.url", "https://images.anbox-cloud.io/stable/", _url),
    Key("images.version_lockstep", True, _boolean),
    Key("registry.filter", "", _string),
    Key("registry.fingerprint", "", _string),
    Key("registry.mode", "pull", _one_of("pull", "push")),
    Key("registry.update_interval", "5s", _duration),
    Key("registry.url", "", _url),
    Key("scheduler.strategy", "spread", _one_of("spread", "binpack")),
)}


def parse_setting(name: str, raw: str) -> Any:
    """The typed value of `name` given as text, or InvalidArgument naming what is wrong."""
    key = KEYS.get(name)
    if key is None:
        raise InvalidArgument(f"unknown configuration key {name!r}", reason="UNKNOWN_CONFIG_KEY",
                              metadata={"name": name})
    try:
        return key.parse(raw)
    except ValueError as error:
        raise InvalidArgument(f"invalid value {raw!r} for {name}: {error}", reason="INVALID_CONFIG_VALUE",
                              metadata={"name": name}) from None


def stored_settings(db: sqlite_utils.Database) -> dict[str, Any]:
    """Every key with its current value; secrets are shown only as whether they are set."""
    stored = {name: value for name, value in db.execute("SELECT name, value FROM ams_config")}
    result: dict[str, Any] = {}
    for name, key in KEYS.items():
        if name in SECRET_KEYS:
            result[name] = bool(stored.get(name))
        elif name in stored:
            result[name] = key.parse(stored[name])
        else:
            result[name] = key.default
    return result


def setting(db: sqlite_utils.Database, name: str) -> Any:
    row = db.execute("SELECT value FROM ams_config WHERE name = ?", [name]).fetchone()
    return KEYS[name].parse(row[0]) if row else KEYS[name].default


def store_setting(db: sqlite_utils.Database, name: str, stored: str) -> None:
    db.execute(
        "INSERT INTO ams_config (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [name, stored],
    )
