"""The addon `manifest.yaml` and the hooks an addon package must carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.ams import manifest_rules as rules
from core.ams.manifest_rules import manifest_error

KEYS = {"name", "description", "provides", "hooks"}
ABIS = ("arm64-v8a", "armeabi-v7a", "armeabi")
# Current hook names, then the 1.9-era names AMS still accepts as aliases.
HOOKS = ("pre-start", "post-start", "post-stop", "install", "prepare", "restore", "backup")


@dataclass(frozen=True)
class AddonManifest:
    name: str
    description: str = ""
    abi_support: tuple[str, ...] = ()
    hook_timeout: float = rules.DEFAULT_HOOK_TIMEOUT  # seconds


def parse_addon_manifest(document: Mapping[str, Any]) -> AddonManifest:
    """Check every key of an addon manifest; InvalidArgument names the first bad one."""
    rules.reject_unknown(document, KEYS)
    provides = rules.mapping(document.get("provides"), "provides")
    rules.reject_unknown(provides, {"abi-support"}, "provides.")
    abis = rules.string_list(provides.get("abi-support"), "provides.abi-support", unique=True)
    for abi in abis:
        if abi not in ABIS:
            raise manifest_error("provides.abi-support", f"{abi!r} is not one of {', '.join(ABIS)}")
    return AddonManifest(
        name=rules.name(document.get("name")),
        description=rules.optional_string(document, "description"),
        abi_support=abis,
        hook_timeout=rules.hooks_block(document.get("hooks")),
    )
