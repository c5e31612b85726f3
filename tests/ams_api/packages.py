"""Real package files for tests: LXD image tarballs built member by member."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

COMPRESSION = {"gzip": "gz", "bzip2": "bz2", "xz": "xz"}


def add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_directory(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    tar.addfile(info)


def image_tarball(
    path: Path, compression: str = "xz", architecture: str = "x86_64", extra=None, metadata: bytes | None = None,
    rootfs: bool = True,
) -> Path:
    """An LXD unified image: metadata.yaml and a small rootfs; `extra(tar)` adds hostile members."""
    with tarfile.open(path, f"w:{COMPRESSION[compression]}") as tar:
        document = metadata if metadata is not None else (
            f"architecture: {architecture}\ncreation_date: 1700000000\n"
            "properties:\n  description: test image\n".encode()
        )
        add_file(tar, "metadata.yaml", document)
        if rootfs:
            add_directory(tar, "rootfs")
            add_directory(tar, "rootfs/etc")
            add_file(tar, "rootfs/etc/hostname", b"anbox\n")
        if extra is not None:
            extra(tar)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _add_hook(tar: tarfile.TarFile, name: str, body: bytes = b"#!/bin/sh\nexit 0\n") -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(body), 0o755
    tar.addfile(info, io.BytesIO(body))


def addon_tarball(path: Path, name: str = "my-addon", compression: str = "bzip2", manifest: bytes | None = None,
                  hooks: tuple[str, ...] = ("install",), extra=None, marker: bytes = b"") -> Path:
    """An addon package: manifest.yaml and executable hooks; `marker` makes distinct versions."""
    with tarfile.open(path, f"w:{COMPRESSION[compression]}") as tar:
        document = manifest if manifest is not None else f"name: {name}\ndescription: test addon\n".encode()
        add_file(tar, "manifest.yaml", document)
        for hook in hooks:
            _add_hook(tar, f"hooks/{hook}", b"#!/bin/sh\n# " + marker + b"\nexit 0\n")
        if extra is not None:
            extra(tar)
    return path


def application_tarball(path: Path, manifest: str = "name: my-app\n", apk: bytes | None = b"PK apk", extra=None,
                        folder: str = "", files: dict[str, bytes] | None = None) -> Path:
    """An application package (bzip2): manifest.yaml, app.apk and `files`, at the root or in
    `folder`; `extra(tar)` adds hostile members."""
    prefix = f"{folder}/" if folder else ""
    with tarfile.open(path, "w:bz2") as tar:
        if folder:
            add_directory(tar, folder)
        add_file(tar, prefix + "manifest.yaml", manifest.encode())
        if apk is not None:
            add_file(tar, prefix + "app.apk", apk)
        for name, data in (files or {}).items():
            add_file(tar, prefix + name, data)
        if extra is not None:
            extra(tar)
    return path
