"""Uploaded application, addon and image packages: validated from a file on disk.

Each `validate_*` function reads the file once as a stream (nothing is extracted, no file is
held in memory) and returns the parsed manifest with a summary, or raises InvalidArgument
naming the offending member or manifest key. `extract_package` unpacks a validated package
into a scratch directory when a later step needs its files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.ams.addon_manifest import HOOKS, AddonManifest, parse_addon_manifest
from core.ams.app_manifest import ApplicationManifest, parse_application_manifest
from core.ams.archive import (BZIP2, GZIP, XZ, ArchiveLimits, Listing, extract_archive,
                              package_error, scan_archive)
from core.ams.image_metadata import FILE as IMAGE_METADATA, ImageMetadata, parse_image_metadata
from core.ams.manifest_rules import load_manifest, manifest_error

# The document asks for bzip2 for applications and addons; the Go SDK's own addon example
# ships an xz tarball, so addons also take xz. Images are LXD tarballs: gzip, bzip2 or xz.
APPLICATION_COMPRESSIONS = (BZIP2,)
ADDON_COMPRESSIONS = (BZIP2, XZ)
IMAGE_COMPRESSIONS = (GZIP, BZIP2, XZ)
APK = "app.apk"


@dataclass(frozen=True)
class PackageSummary:
    compression: str
    size: int  # bytes of the compressed file
    unpacked_bytes: int
    members: int
    prefix: str  # "" or the single top-level folder holding the package, with "/"


@dataclass(frozen=True)
class ApplicationPackage:
    manifest: ApplicationManifest
    summary: PackageSummary
    has_apk: bool
    hooks: tuple[str, ...]
    listing: Listing


@dataclass(frozen=True)
class AddonPackage:
    manifest: AddonManifest
    summary: PackageSummary
    hooks: tuple[str, ...]
    listing: Listing


@dataclass(frozen=True)
class ImagePackage:
    metadata: ImageMetadata
    summary: PackageSummary
    listing: Listing


def validate_application_package(path: Path, *,
                                 limits: ArchiveLimits = ArchiveLimits()) -> ApplicationPackage:
    listing = scan_archive(Path(path), "manifest.yaml", allowed=APPLICATION_COMPRESSIONS,
                           limits=limits)
    manifest = parse_application_manifest(load_manifest(listing.manifest))
    apk = listing.entries.get(APK)
    if apk is not None and apk.kind != "file":
        raise package_error(f"{APK} must be a regular file", member=APK)
    extra = listing.children("extra-data")
    for item in manifest.extra_data:
        if item.name not in extra:
            raise manifest_error(f"extra-data.{item.name}",
                                 f"extra-data/{item.name} is not in the package")
    hooks = _hooks(listing, required=False)
    return ApplicationPackage(manifest, _summary(path, listing), apk is not None, hooks, listing)


def validate_addon_package(path: Path, *, expected_name: str = "",
                           limits: ArchiveLimits = ArchiveLimits()) -> AddonPackage:
    """`expected_name` is the name the upload request gave, which must match the manifest."""
    listing = scan_archive(Path(path), "manifest.yaml", allowed=ADDON_COMPRESSIONS, limits=limits)
    manifest = parse_addon_manifest(load_manifest(listing.manifest))
    if expected_name and expected_name != manifest.name:
        raise manifest_error("name", f"names don't match, got {manifest.name} but expected "
                             f"{expected_name}")
    hooks = _hooks(listing, required=True)
    return AddonPackage(manifest, _summary(path, listing), hooks, listing)


IMAGE_LIMITS = ArchiveLimits(allow_absolute_symlinks=True)


def validate_image_package(path: Path, *, limits: ArchiveLimits = IMAGE_LIMITS) -> ImagePackage:
    listing = scan_archive(Path(path), IMAGE_METADATA, allowed=IMAGE_COMPRESSIONS, limits=limits)
    metadata = parse_image_metadata(load_manifest(listing.manifest, IMAGE_METADATA))
    if not listing.has_dir("rootfs"):
        raise package_error("image has no rootfs folder", member="rootfs")
    templates = listing.children("templates")
    for template in metadata.templates:
        if template not in templates:
            raise manifest_error(f"templates.{template}", f"templates/{template} is not in "
                                 "the image", IMAGE_METADATA)
    return ImagePackage(metadata, _summary(path, listing), listing)


def extract_package(path: Path, package: ApplicationPackage | AddonPackage | ImagePackage,
                    scratch: Path, select: Callable[[str], bool] = lambda _p: True) -> Path:
    """Unpack the members `select` accepts (paths relative to the package root) into
    `scratch`; returns the directory now holding the package root."""
    return extract_archive(Path(path), package.listing, Path(scratch), select)


def _hooks(listing: Listing, *, required: bool) -> tuple[str, ...]:
    """Known hooks under hooks/ (other files there are ignored, as AMS does); each must be an
    executable file, and an addon needs at least one."""
    found = []
    for hook_name, entry in sorted(listing.children("hooks").items()):
        if hook_name not in HOOKS:
            continue
        if entry.kind not in ("file", "hardlink") or (entry.kind == "file"
                                                       and not entry.executable):
            raise package_error(f"hook hooks/{hook_name} must be an executable file",
                                member=f"hooks/{hook_name}")
        found.append(hook_name)
    if required and not found:
        raise package_error(f"package has no hook: at least one of {', '.join(HOOKS)} is "
                            "required under hooks/", member="hooks")
    return tuple(found)


def _summary(path: Path, listing: Listing) -> PackageSummary:
    return PackageSummary(listing.compression, os.path.getsize(path), listing.unpacked_bytes,
                          listing.members, listing.prefix)
