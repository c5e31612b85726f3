"""The `metadata.yaml` of an LXD image tarball, as AMS images carry it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.ams import manifest_rules as rules

FILE = "metadata.yaml"
# LXD's names for the architectures AMS runs on, and the name AMS reports for each.
ARCHITECTURES = {
    "x86_64": "x86_64", "amd64": "x86_64",
    "aarch64": "aarch64", "arm64": "aarch64",
}


@dataclass(frozen=True)
class ImageMetadata:
    architecture: str  # normalised: x86_64 or aarch64
    creation_date: int
    expiry_date: int = 0
    properties: dict[str, str] = field(default_factory=dict)
    templates: tuple[str, ...] = ()  # template file names the image needs under templates/


def parse_image_metadata(document: Mapping[str, Any]) -> ImageMetadata:
    """Check the keys LXD needs to import the image; unknown keys are LXD's business."""
    arch = document.get("architecture")
    if not isinstance(arch, str) or not arch:
        raise _error("architecture", "is required")
    if arch not in ARCHITECTURES:
        raise _error("architecture", f"{arch!r} is not supported (x86_64 or aarch64)")
    created = _timestamp(document.get("creation_date"), "creation_date", required=True)
    expiry = _timestamp(document.get("expiry_date"), "expiry_date", required=False)
    properties = rules.mapping(document.get("properties"), "properties", FILE)
    for key, value in properties.items():
        if not isinstance(key, str) or isinstance(value, (Mapping, list)):
            raise _error(f"properties.{key}", "must be a plain value")
    templates: list[str] = []
    for path, raw in rules.mapping(document.get("templates"), "templates", FILE).items():
        block = rules.mapping(raw, f"templates.{path}", FILE)
        template = block.get("template")
        if not isinstance(template, str) or not template or "/" in template:
            raise _error(f"templates.{path}.template", "must name a file in templates/")
        templates.append(template)
    return ImageMetadata(ARCHITECTURES[arch], created, expiry,
                         {str(k): str(v) for k, v in properties.items()}, tuple(templates))


def _timestamp(value: Any, key: str, required: bool) -> int:
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(key, "must be a Unix timestamp")
    return value


def _error(key: str, why: str) -> Exception:
    return rules.manifest_error(key, why, FILE)
