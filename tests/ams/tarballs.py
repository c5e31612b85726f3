"""Real compressed tarballs built member by member, hostile ones included."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SUFFIX = {"gzip": "gz", "bzip2": "bz2", "xz": "xz", "none": ""}


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    mode: int = 0o644
    link: str = ""
    size: int | None = None  # declared size when it must differ from len(data)


def file(name: str, data: bytes | str = b"", mode: int = 0o644) -> Member:
    return Member(name, data.encode() if isinstance(data, str) else data, mode=mode)


def folder(name: str) -> Member:
    return Member(name, kind=tarfile.DIRTYPE, mode=0o755)


def symlink(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.SYMTYPE, link=target)


def hardlink(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.LNKTYPE, link=target)


def device(name: str) -> Member:
    return Member(name, kind=tarfile.CHRTYPE)


def fifo(name: str) -> Member:
    return Member(name, kind=tarfile.FIFOTYPE)


def tarball(path: Path, members: Iterable[Member], compression: str = "bzip2") -> Path:
    mode = f"w:{SUFFIX[compression]}" if SUFFIX[compression] else "w"
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.type = member.kind
            info.mode = member.mode
            info.linkname = member.link
            if member.kind == tarfile.REGTYPE:
                info.size = len(member.data)
                tar.addfile(info, io.BytesIO(member.data))
            else:
                tar.addfile(info)
    return path


APP_MANIFEST = """\
name: my-app
version: "1.2"
instance-type: a2.3
boot-package: com.example.app
"""

ADDON_MANIFEST = """\
name: my-addon
description: installs things
"""

IMAGE_METADATA = """\
architecture: x86_64
creation_date: 1700000000
properties:
  description: test image
"""


def application(path: Path, manifest: str = APP_MANIFEST, *, extra: Iterable[Member] = (),
                prefix: str = "", compression: str = "bzip2") -> Path:
    members = [file("manifest.yaml", manifest), file("app.apk", b"PK\x03\x04fake apk"), *extra]
    return tarball(path, _under(prefix, members), compression)


def addon(path: Path, manifest: str = ADDON_MANIFEST, *, hooks: Iterable[Member] | None = None,
          extra: Iterable[Member] = (), prefix: str = "", compression: str = "bzip2") -> Path:
    if hooks is None:
        hooks = [folder("hooks"), file("hooks/install", "#!/bin/sh\ntrue\n", mode=0o755)]
    members = [file("manifest.yaml", manifest), *hooks, *extra]
    return tarball(path, _under(prefix, members), compression)


def image(path: Path, metadata: str = IMAGE_METADATA, *, extra: Iterable[Member] = (),
          compression: str = "xz", rootfs: bool = True) -> Path:
    members = [file("metadata.yaml", metadata)]
    if rootfs:
        members += [folder("rootfs"), folder("rootfs/etc"), file("rootfs/etc/hostname", "anbox\n"),
                    symlink("rootfs/bin", "usr/bin")]
    return tarball(path, [*members, *extra], compression)


def _under(prefix: str, members: list[Member]) -> list[Member]:
    if not prefix:
        return members
    return [folder(prefix)] + [Member(f"{prefix}/{m.name}", m.data, m.kind, m.mode, m.link)
                               for m in members]
