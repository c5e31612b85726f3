"""A JSON PATCH of an application, split by the document's table: fields that only change the
application, and fields that change the manifest and so make a new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.ams import manifest_rules as rules
from core.ams.instance_types import application_resources, instance_type
from core.errors import InvalidArgument

# JSON key (the document's and the SDK's spelling) → manifest.yaml key, for the fields that
# create a new version.
VERSIONED = {
    "services": "services", "watchdog": "watchdog", "boot_activity": "boot-activity",
    "required_permissions": "required-permissions", "video_encoder": "video-encoder",
    "manifest_version": "version", "features": "features", "hooks": "hooks", "bootstrap": "bootstrap",
}
APPLICATION_LEVEL = ("image", "instance-type", "tags", "addons", "resources", "inhibit_auto_updates",
                     "node_selector")
# Other spellings clients use for the same keys (the manifest's, or underscores for hyphens).
ALIASES = {
    "instance_type": "instance-type", "node-selector": "node_selector", "boot-activity": "boot_activity",
    "required-permissions": "required_permissions", "video-encoder": "video_encoder",
}


@dataclass(frozen=True)
class ApplicationUpdate:
    # Application-level fields given (manifest-style values: lists, the resources block).
    fields: dict[str, Any] = field(default_factory=dict)
    # manifest.yaml keys to set on the next version's manifest.
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def rebuild(self) -> bool:
        """Nothing given: build the latest version again with today's dependencies, as
        `amc application update <id>` asks with an empty body."""
        return not self.fields and not self.manifest

    @property
    def new_version(self) -> bool:
        return self.rebuild or bool(self.manifest)


def parse_update(document: Mapping[str, Any]) -> ApplicationUpdate:
    """Check the keys and application-level values of a JSON PATCH; null means "not given".
    Versioned values are checked when the new manifest is validated as a whole."""
    fields: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    for raw_key, raw_value in document.items():
        key = ALIASES.get(raw_key, raw_key)
        value = whole_numbers(raw_value)
        if value is None:
            continue
        if key in VERSIONED:
            manifest[VERSIONED[key]] = value
        elif key in APPLICATION_LEVEL:
            fields[key] = _checked(key, value)
        else:
            raise InvalidArgument(f"argument {raw_key} is invalid: not a field of an application",
                                  reason="INVALID_ARGUMENT", metadata={"field": raw_key})
    return ApplicationUpdate(fields, manifest)


def _checked(key: str, value: Any) -> Any:
    try:
        if key == "instance-type":
            text = rules.string(value, key)
            if text:
                instance_type(text, key)
            return text
        if key == "image":
            return rules.string(value, key)
        if key in ("tags", "node_selector"):
            return list(rules.string_list(value, key, unique=key == "node_selector"))
        if key == "addons":
            names = rules.string_list(value, key, unique=True)
            for i, name in enumerate(names):
                rules.name(name, f"addons[{i}]")
            return list(names)
        if key == "resources":
            application_resources(value, "resources")
            return dict(value)
        return rules.boolean(value, key)
    except InvalidArgument as error:
        # Shared checks word their errors for manifests; a PATCH names the argument instead.
        name = error.metadata.get("key") or error.metadata.get("field") or key
        raise InvalidArgument(f"argument {name} is invalid: {error.message.split(': ', 1)[-1]}",
                              reason="INVALID_ARGUMENT", metadata={"field": name}) from None


def whole_numbers(value: Any) -> Any:
    """JSON carried in a protobuf Struct has only doubles: 2.0 goes back to 2, so that counts
    and ports are checked as the integers the client sent."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    return value
