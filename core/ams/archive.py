"""Compressed tarballs uploaded as AMS packages: sniffed, walked once as a stream, and checked.

Nothing here trusts the archive: member names, link targets, member types and sizes are all
checked while the stream is read, so a hostile upload is refused before anything is written.
Extraction is a separate, second pass that only runs on an archive that passed the first, and
only ever writes under a scratch directory the caller owns.
"""

from __future__ import annotations

import lzma
import os
import posixpath
import shutil
import tarfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InvalidArgument

GZIP, BZIP2, XZ = "gzip", "bzip2", "xz"

# Longest magic first is not needed: none of these is a prefix of another.
_MAGIC = ((b"\x1f\x8b", GZIP), (b"BZh", BZIP2), (b"\xfd7zXZ\x00", XZ))
_ZIP_MAGIC = b"PK\x03\x04"
_TAR_MODE = {GZIP: "r|gz", BZIP2: "r|bz2", XZ: "r|xz"}
# Entries deeper than this are only counted, not remembered: an image rootfs has tens of
# thousands of files and validation only ever looks at the package's first levels.
_REMEMBERED_DEPTH = 3
_COPY_CHUNK = 1 << 20

INVALID_PACKAGE = "INVALID_PACKAGE"


@dataclass(frozen=True)
class ArchiveLimits:
    max_unpacked_bytes: int = 8 << 30
    max_members: int = 500_000
    max_manifest_bytes: int = 1 << 20
    # An image's root filesystem is full of absolute symlinks, resolved inside the container;
    # packages that are extracted here must not hold any.
    allow_absolute_symlinks: bool = False


@dataclass(frozen=True)
class Entry:
    """One archive member, its path relative to the package root."""

    path: str
    kind: str  # "file", "dir", "symlink" or "hardlink"
    size: int
    mode: int

    @property
    def executable(self) -> bool:
        return self.kind == "file" and bool(self.mode & 0o111)


@dataclass
class Listing:
    """What one validating pass learnt about an archive."""

    compression: str
    prefix: str  # "" or "<top folder>/": where the package root sits in the archive
    manifest: bytes
    members: int
    unpacked_bytes: int
    entries: dict[str, Entry] = field(default_factory=dict)  # shallow entries, by relative path

    def has_dir(self, path: str) -> bool:
        entry = self.entries.get(path)
        return (entry is not None and entry.kind == "dir") or any(
            p.startswith(path + "/") for p in self.entries)

    def children(self, folder: str) -> dict[str, Entry]:
        """Direct children of `folder` (relative path), by their own name."""
        start = folder + "/"
        return {p[len(start):]: e for p, e in self.entries.items()
                if p.startswith(start) and "/" not in p[len(start):]}


def package_error(message: str, **metadata: str) -> InvalidArgument:
    return InvalidArgument(message, reason=INVALID_PACKAGE, metadata=metadata)


def sniff_compression(path: Path, allowed: Collection[str]) -> str:
    """The compression of `path` read from its magic bytes, refused unless in `allowed`."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGIC):
        raise package_error("zip packages are not supported", compression="zip")
    for magic, name in _MAGIC:
        if head.startswith(magic):
            if name not in allowed:
                raise package_error(
                    f"{name} compression not allowed: the package must be compressed with "
                    f"{' or '.join(sorted(allowed))}", compression=name)
            return name
    raise package_error(
        f"package is not a compressed tarball: expected {' or '.join(sorted(allowed))}",
        compression="unknown")


def scan_archive(path: Path, manifest_name: str, *, allowed: Collection[str],
                 limits: ArchiveLimits = ArchiveLimits()) -> Listing:
    """Walk the archive once, refusing anything unsafe, and find the manifest.

    The manifest may sit at the root or inside one single top-level folder; the returned
    listing's paths are relative to wherever it was found.
    """
    compression = sniff_compression(path, allowed)
    walker = _Walker(manifest_name, limits)
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode=_TAR_MODE[compression]) as tar:
            for member in tar:
                walker.visit(tar, member)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        # bz2 reports corrupt data as a bare OSError; none of these is our fault.
        raise package_error(f"package is not a valid {compression} tarball: {exc}") from exc
    return walker.listing(compression)


def extract_archive(path: Path, listing: Listing, scratch: Path,
                    select: Callable[[str], bool] = lambda _p: True) -> Path:
    """Unpack the members `select` accepts (relative paths) of an archive that passed
    `scan_archive` into `scratch`, and return the directory that holds the package root.

    Every destination is checked to resolve under `scratch` before it is written, so even an
    archive that changed since it was scanned cannot write elsewhere.
    """
    root = scratch.resolve()
    root.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "rb") as raw, \
                tarfile.open(fileobj=raw, mode=_TAR_MODE[listing.compression]) as tar:
            for member in tar:
                relative = _relative(_normalised(member.name), listing.prefix)
                if relative and select(relative):
                    _extract_member(tar, member, root, relative, listing.prefix)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        raise package_error(f"package could not be unpacked: {exc}") from exc
    return root


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path, relative: str,
                    prefix: str) -> None:
    target = _inside(root, relative)
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
    elif member.isreg():
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None  # regular members always have data
        with source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
        os.chmod(target, member.mode & 0o755)
    elif member.issym():
        target.parent.mkdir(parents=True, exist_ok=True)
        _inside(root, posixpath.join(posixpath.dirname(relative), member.linkname))
        os.symlink(member.linkname, target)
    elif member.islnk():
        linked = _relative(_normalised(member.linkname), prefix)
        source_path = _inside(root, linked)
        if source_path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source_path, target)


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative)
    resolved_parent = target.parent.resolve()
    if resolved_parent != root and root not in resolved_parent.parents:
        raise package_error(f"member {relative} would be written outside the package",
                            member=relative)
    return target


def _normalised(name: str) -> str:
    """Member name without "./" and empty components; ".." and absolute names are kept so
    the caller can refuse them."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return ("/" if name.startswith("/") else "") + "/".join(parts)


def _relative(path: str, prefix: str) -> str:
    if prefix and path.startswith(prefix):
        return path[len(prefix):]
    return "" if prefix and path + "/" == prefix else path


class _Walker:
    """State of the single validating pass."""

    def __init__(self, manifest_name: str, limits: ArchiveLimits) -> None:
        self.manifest_name = manifest_name
        self.limits = limits
        self.members = 0
        self.unpacked = 0
        self.tops: dict[str, bool] = {}  # top-level component -> is a directory
        self.manifests: dict[str, bytes] = {}  # "" or "<top>/" -> manifest content
        self.symlinks: set[str] = set()
        self.entries: dict[str, Entry] = {}

    def visit(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise package_error(f"package holds more than {self.limits.max_members} members")
        name = _normalised(member.name)
        if name.startswith("/"):
            raise package_error(f"member {member.name} has an absolute path", member=member.name)
        parts = name.split("/") if name else []
        if ".." in parts:
            raise package_error(f"member {member.name} points outside the package",
                                member=member.name)
        if not parts:
            return  # the archive's own "./" entry
        # A member under a symlinked folder could land anywhere the link leads.
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in self.symlinks:
                raise package_error(f"member {member.name} lies under a symbolic link",
                                    member=member.name)
        kind = self._kind(member, parts)
        if kind == "file":
            self.unpacked += member.size
            if self.unpacked > self.limits.max_unpacked_bytes:
                raise package_error(
                    f"package unpacks to more than {self.limits.max_unpacked_bytes} bytes",
                    member=member.name, limit=str(self.limits.max_unpacked_bytes))
        self.tops[parts[0]] = self.tops.get(parts[0], False) or kind == "dir" or len(parts) > 1
        if kind == "file" and parts[-1] == self.manifest_name and len(parts) <= 2:
            self._capture_manifest(tar, member, "/".join(parts[:-1]))
        if len(parts) <= _REMEMBERED_DEPTH + 1:
            self.entries[name] = Entry(name, kind, member.size if kind == "file" else 0,
                                       member.mode)

    def _kind(self, member: tarfile.TarInfo, parts: list[str]) -> str:
        if member.isreg():
            if member.issparse():
                raise package_error(f"member {member.name} is a sparse file", member=member.name)
            return "file"
        if member.isdir():
            return "dir"
        if member.issym() or member.islnk():
            target = member.linkname
            # A symlink is relative to its folder; a hard link names another member.
            base = "/".join(parts[:-1]) if member.issym() else ""
            resolved = posixpath.normpath(posixpath.join(base, target)) if target else ""
            absolute_allowed = member.issym() and self.limits.allow_absolute_symlinks
            if (not target or (target.startswith("/") and not absolute_allowed) or resolved == ".."
                    or resolved.startswith("../")):
                raise package_error(f"link {member.name} points outside the package ({target})",
                                    member=member.name)
            if member.issym():
                self.symlinks.add("/".join(parts))
                return "symlink"
            return "hardlink"
        what = ("device" if member.ischr() or member.isblk()
                else "fifo" if member.isfifo() else "special file")
        raise package_error(f"member {member.name} is a {what}, which packages may not hold",
                            member=member.name)

    def _capture_manifest(self, tar: tarfile.TarFile, member: tarfile.TarInfo, folder: str) -> None:
        if member.size > self.limits.max_manifest_bytes:
            raise package_error(f"{self.manifest_name} is larger than "
                                f"{self.limits.max_manifest_bytes} bytes", member=member.name)
        data = tar.extractfile(member)
        assert data is not None
        with data:
            self.manifests[folder + "/" if folder else ""] = data.read()

    def listing(self, compression: str) -> Listing:
        if "" in self.manifests:
            prefix = ""
        elif len(self.tops) == 1 and next(iter(self.tops.values())):
            prefix = next(iter(self.tops)) + "/"
        else:
            prefix = None
        if prefix is None or prefix not in self.manifests:
            raise InvalidArgument(
                f"{self.manifest_name} not found at the package root or in its single top-level "
                "folder", reason="MISSING_MANIFEST", metadata={"member": self.manifest_name})
        entries = {}
        for path, entry in self.entries.items():
            relative = _relative(path, prefix)
            if relative:
                entries[relative] = Entry(relative, entry.kind, entry.size, entry.mode)
        return Listing(compression, prefix, self.manifests[prefix], self.members,
                       self.unpacked, entries)
