"""Checks shared by application and addon manifests: each names the key it rejects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from core.errors import InvalidArgument

INVALID_MANIFEST = "INVALID_MANIFEST"

# The Go SDK's rule for application and addon names (stricter than the prose of the docs).
NAME = re.compile(r"^[A-Za-z0-9_\-.]+$")
# Android package names, as AMS checks watchdog allow-lists.
ANDROID_PACKAGE = re.compile(r"^([A-Za-z][A-Za-z\d_]*\.)+[A-Za-z][A-Za-z\d_]*$")
_DURATION = re.compile(r"^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
DEFAULT_HOOK_TIMEOUT = 300.0
MAX_HOOK_TIMEOUT = 900.0


def manifest_error(key: str, why: str, file: str = "manifest.yaml") -> InvalidArgument:
    return InvalidArgument(f"{file}: {key} is invalid: {why}", reason=INVALID_MANIFEST,
                           metadata={"key": key, "file": file})


def from_argument_error(exc: InvalidArgument, key: str,
                        file: str = "manifest.yaml") -> InvalidArgument:
    """A shared check's error restated as a manifest error naming the manifest key."""
    key = exc.metadata.get("field", key)
    return InvalidArgument(f"{file}: {exc.message}", reason=INVALID_MANIFEST,
                           metadata={"key": key, "file": file})


def load_manifest(content: bytes, file: str = "manifest.yaml") -> Mapping[str, Any]:
    """The manifest as a mapping; safe_load so that a manifest can never build objects."""
    try:
        document = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise InvalidArgument(f"{file} is not valid YAML: {exc}", reason=INVALID_MANIFEST,
                              metadata={"file": file}) from exc
    if not isinstance(document, Mapping):
        raise InvalidArgument(f"{file} must be a YAML mapping of keys to values",
                              reason=INVALID_MANIFEST, metadata={"file": file})
    return document


def reject_unknown(document: Mapping[str, Any], known: set[str], prefix: str = "",
                   file: str = "manifest.yaml") -> None:
    for key in document:
        if key not in known:
            raise manifest_error(f"{prefix}{key}", "unknown key", file)


def name(value: Any, key: str = "name") -> str:
    if value is None or value == "":
        raise manifest_error(key, "is required")
    text = string(value, key)
    if not NAME.match(text):
        raise manifest_error(key, "may only hold letters, digits, '_', '-' and '.'")
    return text


def string(value: Any, key: str, *, max_length: int | None = None) -> str:
    # YAML reads `version: 1.2` as a number; AMS reads it into a string field.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise manifest_error(key, "must be a string")
    text = str(value)
    if max_length is not None and len(text) > max_length:
        raise manifest_error(key, f"must be at most {max_length} characters")
    return text


def optional_string(document: Mapping[str, Any], key: str, **kw: Any) -> str:
    value = document.get(key)
    return "" if value is None else string(value, key, **kw)


def string_list(value: Any, key: str, *, unique: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise manifest_error(key, "must be a list of strings")
    items = tuple(string(item, f"{key}[{i}]") for i, item in enumerate(value))
    if unique and len(set(items)) != len(items):
        repeated = sorted(item for item in set(items) if items.count(item) > 1)[0]
        raise manifest_error(key, f"lists {repeated} more than once")
    return items


def boolean(value: Any, key: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise manifest_error(key, "must be true or false")
    return value


def mapping(value: Any, key: str, file: str = "manifest.yaml") -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise manifest_error(key, "must be a mapping", file)
    return value


def hooks_block(value: Any, file: str = "manifest.yaml") -> float:
    """`hooks: {timeout: <Go duration>}` as seconds. An empty timeout keeps the default (AMS
    once failed on it, LP 2095551); negative, unparseable or above 15m is refused."""
    block = mapping(value, "hooks")
    reject_unknown(block, {"timeout"}, "hooks.", file)
    raw = block.get("timeout")
    if raw is None or raw == "":
        return DEFAULT_HOOK_TIMEOUT
    text = string(raw, "hooks.timeout")
    seconds = go_duration(text)
    if seconds is None:
        raise manifest_error("hooks.timeout", f"{text!r} is not a duration such as 10m", file)
    if seconds > MAX_HOOK_TIMEOUT:
        raise manifest_error("hooks.timeout", "must be at most 15m", file)
    return seconds


def go_duration(text: str) -> float | None:
    """Seconds in a Go duration string ("10m", "1h30m", "90s"); None if not one or negative."""
    if text == "0":
        return 0.0
    if not _DURATION.match(text):
        return None
    return sum(float(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(text))
