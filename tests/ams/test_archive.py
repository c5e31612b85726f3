"""Package tarballs: compression by magic bytes, hostile members, manifest location, extraction."""

from __future__ import annotations

import gzip
import io
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from core.ams.archive import ArchiveLimits
from core.ams.packages import (extract_package, validate_addon_package,
                               validate_application_package, validate_image_package)
from core.errors import InvalidArgument
from tests.ams import tarballs as t


def rejected(call, *args, **kwargs) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_bzip2_application_with_manifest_at_the_root_is_accepted(tmp_path: Path) -> None:
    package = validate_application_package(t.application(tmp_path / "app.tar.bz2"))
    assert package.manifest.name == "my-app"
    assert package.has_apk
    assert package.summary.compression == "bzip2"
    assert package.summary.prefix == ""
    assert package.summary.members == 2


def test_the_manifest_may_sit_in_one_top_level_folder(tmp_path: Path) -> None:
    package = validate_application_package(t.application(tmp_path / "a.tbz2", prefix="my-app"))
    assert package.summary.prefix == "my-app/"
    assert package.has_apk


def test_a_manifest_in_one_of_two_top_level_folders_is_not_found(tmp_path: Path) -> None:
    path = t.tarball(tmp_path / "a.tar.bz2", [
        t.folder("one"), t.file("one/manifest.yaml", t.APP_MANIFEST), t.file("two/x", "x")])
    error = rejected(validate_application_package, path)
    assert error.reason == "MISSING_MANIFEST"
    assert "manifest.yaml not found" in error.message


def test_a_package_without_manifest_is_refused(tmp_path: Path) -> None:
    path = t.tarball(tmp_path / "a.tar.bz2", [t.file("app.apk", "x")])
    error = rejected(validate_application_package, path)
    assert (error.reason, error.metadata["member"]) == ("MISSING_MANIFEST", "manifest.yaml")


@pytest.mark.parametrize("compression", ["gzip", "xz", "none"])
def test_applications_must_be_bzip2(tmp_path: Path, compression: str) -> None:
    error = rejected(validate_application_package,
                     t.application(tmp_path / "app", compression=compression))
    assert error.reason == "INVALID_PACKAGE"
    assert "bzip2" in error.message


def test_addons_take_bzip2_and_the_sdk_examples_xz_but_not_gzip(tmp_path: Path) -> None:
    assert validate_addon_package(t.addon(tmp_path / "a.bz2")).summary.compression == "bzip2"
    assert validate_addon_package(
        t.addon(tmp_path / "a.xz", compression="xz")).summary.compression == "xz"
    assert "gzip compression not allowed" in rejected(
        validate_addon_package, t.addon(tmp_path / "a.gz", compression="gzip")).message


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "xz"])
def test_images_take_gzip_bzip2_and_xz(tmp_path: Path, compression: str) -> None:
    package = validate_image_package(t.image(tmp_path / "image", compression=compression))
    assert package.summary.compression == compression
    assert package.metadata.architecture == "x86_64"


def test_bad_magic_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk"
    path.write_bytes(b"this is not a tarball at all")
    error = rejected(validate_image_package, path)
    assert (error.reason, error.metadata["compression"]) == ("INVALID_PACKAGE", "unknown")


def test_zip_packages_are_refused_until_zip_archive_support_exists(tmp_path: Path) -> None:
    path = tmp_path / "app.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert rejected(validate_application_package, path).metadata["compression"] == "zip"


def test_a_truncated_tarball_is_refused(tmp_path: Path) -> None:
    path = t.application(tmp_path / "app.tar.bz2", extra=[t.file("big", b"x" * 200_000)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    error = rejected(validate_application_package, path)
    assert error.reason == "INVALID_PACKAGE"
    assert "not a valid bzip2 tarball" in error.message


@pytest.mark.parametrize("member", [
    t.file("../escape", "x"),
    t.file("hooks/../../escape", "x"),
    t.file("/etc/passwd", "x"),
])
def test_members_outside_the_package_are_refused(tmp_path: Path, member: t.Member) -> None:
    error = rejected(validate_application_package,
                     t.application(tmp_path / "a.tar.bz2", extra=[member]))
    assert error.reason == "INVALID_PACKAGE"
    assert error.metadata["member"] == member.name


@pytest.mark.parametrize("member", [
    t.symlink("out", "../../etc/passwd"),
    t.symlink("out", "/etc/passwd"),
    t.symlink("deep/out", "../.."),
    t.hardlink("hard", "../outside"),
    t.hardlink("hard", "/etc/shadow"),
])
def test_links_pointing_outside_are_refused(tmp_path: Path, member: t.Member) -> None:
    error = rejected(validate_application_package,
                     t.application(tmp_path / "a.tar.bz2", extra=[member]))
    assert "points outside the package" in error.message
    assert error.metadata["member"] == member.name


def test_links_that_stay_inside_are_accepted(tmp_path: Path) -> None:
    validate_image_package(t.image(tmp_path / "i.tar.xz", extra=[
        t.symlink("rootfs/etc/localtime", "../usr/share/zoneinfo/UTC"),
        t.hardlink("rootfs/etc/hostname2", "rootfs/etc/hostname")]))


def test_members_written_through_a_symlinked_folder_are_refused(tmp_path: Path) -> None:
    path = t.application(tmp_path / "a.tar.bz2", extra=[
        t.symlink("here", "."), t.symlink("here/up", "..")])
    assert "under a symbolic link" in rejected(validate_application_package, path).message


@pytest.mark.parametrize("member,what", [(t.device("rootfs/dev/sda"), "device"),
                                         (t.fifo("rootfs/pipe"), "fifo")])
def test_devices_and_fifos_are_refused(tmp_path: Path, member: t.Member, what: str) -> None:
    error = rejected(validate_image_package, t.image(tmp_path / "i.tar.xz", extra=[member]))
    assert f"is a {what}" in error.message
    assert error.metadata["member"] == member.name


def test_a_package_unpacking_past_the_limit_is_refused(tmp_path: Path) -> None:
    # Zeros compress to almost nothing: the limit must apply to what the tar declares.
    path = t.application(tmp_path / "bomb.tar.bz2", extra=[t.file("zeros", b"\0" * 3_000_000)])
    assert path.stat().st_size < 10_000
    error = rejected(validate_application_package, path,
                     limits=ArchiveLimits(max_unpacked_bytes=1_000_000))
    assert "unpacks to more than 1000000 bytes" in error.message
    assert error.metadata["member"] == "zeros"


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = t.application(tmp_path / "a.tar.bz2", extra=[t.file(f"f{i}") for i in range(20)])
    assert "more than 10 members" in rejected(
        validate_application_package, path, limits=ArchiveLimits(max_members=10)).message


def test_an_oversized_manifest_is_refused(tmp_path: Path) -> None:
    path = t.application(tmp_path / "a.tar.bz2", manifest=t.APP_MANIFEST + "#" * 5000)
    error = rejected(validate_application_package, path,
                     limits=ArchiveLimits(max_manifest_bytes=1000))
    assert "larger than 1000 bytes" in error.message


def test_extraction_writes_only_into_the_scratch_directory(tmp_path: Path) -> None:
    path = t.application(tmp_path / "a.tar.bz2", prefix="top", extra=[
        t.folder("extra-data"), t.file("extra-data/obb", "data"),
        t.symlink("extra-data/link", "obb"), t.hardlink("copy", "top/app.apk")])
    package = validate_application_package(path)
    root = extract_package(path, package, tmp_path / "scratch")
    assert root == (tmp_path / "scratch").resolve()
    assert (root / "manifest.yaml").read_text() == t.APP_MANIFEST
    assert (root / "extra-data" / "link").read_text() == "data"
    assert (root / "copy").read_bytes() == (root / "app.apk").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.bz2", "scratch"]


def test_extraction_can_select_members(tmp_path: Path) -> None:
    path = t.application(tmp_path / "a.tar.bz2")
    package = validate_application_package(path)
    root = extract_package(path, package, tmp_path / "s", select=lambda p: p == "manifest.yaml")
    assert [p.name for p in root.iterdir()] == ["manifest.yaml"]


def test_validation_streams_a_large_package_in_little_memory(tmp_path: Path) -> None:
    """A 64 MiB member is read through in chunks, never held whole."""
    path = tmp_path / "big.tar.gz"
    size = 64 << 20
    with gzip.open(path, "wb", compresslevel=1) as raw, tarfile.open(fileobj=raw, mode="w|") as tar:
        for member in [t.file("metadata.yaml", t.IMAGE_METADATA), t.folder("rootfs")]:
            info = tarfile.TarInfo(member.name)
            info.type, info.mode = member.kind, member.mode
            info.size = len(member.data)
            tar.addfile(info, io.BytesIO(member.data) if member.data else None)
        info = tarfile.TarInfo("rootfs/blob")
        info.size = size
        tar.addfile(info, _Zeros(size))
    tracemalloc.start()
    try:
        package = validate_image_package(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert package.summary.unpacked_bytes >= size
    assert peak < 8 << 20


class _Zeros:
    """A file-like source of zeros, so building the test package holds no big buffer either."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def test_extraction_checks_every_destination_again(tmp_path: Path) -> None:
    """Even handed an archive that was swapped after its scan, nothing lands outside."""
    safe = t.application(tmp_path / "safe.tar.bz2")
    package = validate_application_package(safe)
    swapped = t.application(tmp_path / "swapped.tar.bz2", extra=[t.file("../escape", "x")])
    error = rejected(extract_package, swapped, package, tmp_path / "scratch")
    assert error.metadata["member"] == "../escape"
    assert not (tmp_path / "escape").exists()
