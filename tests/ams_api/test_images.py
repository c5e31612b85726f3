"""/1.0/images: streamed uploads, versions, the default image, rejections."""

from __future__ import annotations

import json
import socket
import tarfile

import pytest

from tests.ams_api.client import finish, wait_until
from tests.ams_api.packages import add_file, image_tarball, sha256_of
from tests.server import running_server

IMAGE_KEYS = {"id", "name", "versions", "status_code", "status", "used_by", "immutable", "default",
              "architecture", "type"}


def upload(client, path, request: dict | str, method: str = "POST", url: str = "/1.0/images", fingerprint=None):
    headers = {
        "Content-Type": "application/octet-stream",
        "X-AMS-Request": request if isinstance(request, str) else json.dumps(request),
        "X-AMS-Fingerprint": fingerprint if fingerprint is not None else sha256_of(path),
    }
    return client.request(method, url, content=path.read_bytes(), headers=headers)


def blob_files(server) -> list:
    return [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file()]


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "xz"])
def test_register_an_image(fresh_server, tmp_path, compression):
    package = image_tarball(tmp_path / f"image.{compression}", compression, architecture="aarch64")
    with fresh_server.ams_local() as client:
        final = finish(client, upload(client, package, {"name": "base", "default": False}))
        assert (final["status"], final["description"]) == ("Success", "Adding image")
        url = final["resources"]["images"][0]
        shown = client.get(url)
        image = shown.json()["metadata"]
        assert set(image) == IMAGE_KEYS
        assert image | {"id": None} == {
            "id": None, "name": "base", "status_code": 3, "status": "active", "used_by": [],
            "immutable": False, "default": True, "architecture": "aarch64", "type": "container",
            "versions": [image["versions"][0]],
        }
        assert url == f"/1.0/images/{image['id']}" and len(image["id"]) == 20
        version = image["versions"][0]
        assert version | {"created_at": 0} == {
            "version": 0, "fingerprint": sha256_of(package), "size": package.stat().st_size,
            "created_at": 0, "status_code": 3, "status": "active", "remote_id": "",
        }
        assert shown.headers["etag"].startswith('"')
        assert client.get("/1.0/images/base").json()["metadata"] == image
        assert client.get("/1.0/images").json()["metadata"] == [url]
        assert client.get("/1.0/images", params={"recursion": "1"}).json()["metadata"] == [image]


def test_new_versions_default_image_and_version_removal(fresh_server, tmp_path):
    first = image_tarball(tmp_path / "a.tar.xz")
    second = image_tarball(tmp_path / "b.tar.gz", "gzip")
    third = image_tarball(tmp_path / "c.tar.bz2", "bzip2", architecture="aarch64")
    with fresh_server.ams_local() as client:
        finish(client, upload(client, first, {"name": "one"}))
        finish(client, upload(client, second, {"name": "two", "default": True}))
        defaults = client.get("/1.0/images", params={"default": "true"}).json()["metadata"]
        assert [image["name"] for image in defaults] == ["two"]
        final = finish(client, upload(client, third, {}, method="PATCH", url="/1.0/images/one"))
        assert final["description"] == "Updating image" and final["status"] == "Success"
        one = client.get("/1.0/images/one").json()["metadata"]
        assert [v["version"] for v in one["versions"]] == [0, 1]
        assert one["architecture"] == "aarch64"
        # JSON PATCH: no new version, a new default.
        etag = client.get("/1.0/images/one").headers["etag"]
        assert client.patch("/1.0/images/one", json={"default": True}, headers={"If-Match": '"x"'}).status_code == 412
        finish(client, client.patch("/1.0/images/one", json={"default": True, "force_sync": False},
                                    headers={"If-Match": etag}))
        assert [i["name"] for i in client.get("/1.0/images", params={"default": "true"}).json()["metadata"]] == ["one"]
        refused = client.patch("/1.0/images/one", json={"default": False})
        assert refused.status_code == 400
        # Versions: one can go, never the last.
        finish(client, client.delete("/1.0/images/one/0"))
        assert [v["version"] for v in client.get("/1.0/images/one").json()["metadata"]["versions"]] == [1]
        assert client.delete("/1.0/images/one/1").status_code == 400
        assert client.delete("/1.0/images/one/7").status_code == 404
        # Deleting the default image hands the role to the remaining one.
        final = finish(client, client.delete("/1.0/images/one"))
        assert final["description"] == "Deleting image"
        assert client.get("/1.0/images/one").status_code == 404
        assert client.get("/1.0/images/two").json()["metadata"]["default"] is True
        finish(client, client.delete("/1.0/images/two"))
    assert blob_files(fresh_server) == []


def test_fingerprint_mismatch_is_400_and_keeps_nothing(fresh_server, tmp_path):
    package = image_tarball(tmp_path / "i.tar.xz")
    with fresh_server.ams_local() as client:
        response = upload(client, package, {"name": "bad"}, fingerprint="0" * 64)
        assert response.status_code == 400
        assert "fingerprint mismatch" in response.json()["error"]
        assert client.get("/1.0/images").json()["metadata"] == []
    assert blob_files(fresh_server) == []


def test_absolute_symlinks_inside_the_rootfs_are_ordinary(fresh_server, tmp_path):
    package = image_tarball(tmp_path / "links.tar.xz", extra=_absolute_symlink)
    with fresh_server.ams_local() as client:
        assert finish(client, upload(client, package, {"name": "links"}))["status"] == "Success"


def test_duplicate_name_is_409(fresh_server, tmp_path):
    package = image_tarball(tmp_path / "i.tar.xz")
    with fresh_server.ams_local() as client:
        finish(client, upload(client, package, {"name": "same"}))
        assert upload(client, package, {"name": "same"}).status_code == 409


@pytest.mark.parametrize("request_header, message", [
    ("", "argument name is invalid"),
    ("{not json", "X-AMS-Request is malformed"),
    ('{"name": "ok", "default": "yes"}', "argument default is invalid"),
    ('["name"]', "must be a JSON object"),
])
def test_bad_request_details_are_400(fresh_server, tmp_path, request_header, message):
    package = image_tarball(tmp_path / "i.tar.xz")
    with fresh_server.ams_local() as client:
        response = upload(client, package, request_header)
        assert response.status_code == 400
        assert message in response.json()["error"]
    assert blob_files(fresh_server) == []


def _dotdot(tar):
    add_file(tar, "rootfs/../../etc/passwd", b"x")


def _absolute(tar):
    add_file(tar, "/etc/passwd", b"x")


def _hardlink_out(tar):
    info = tarfile.TarInfo("rootfs/link")
    info.type, info.linkname = tarfile.LNKTYPE, "../../outside"
    tar.addfile(info)


def _symlink_out(tar):
    info = tarfile.TarInfo("rootfs/escape")
    info.type, info.linkname = tarfile.SYMTYPE, "../../../../etc/shadow"
    tar.addfile(info)


def _absolute_symlink(tar):
    info = tarfile.TarInfo("rootfs/bin/sh")
    info.type, info.linkname = tarfile.SYMTYPE, "/bin/busybox"
    tar.addfile(info)


def _device(tar):
    info = tarfile.TarInfo("rootfs/dev/sda")
    info.type = tarfile.BLKTYPE
    tar.addfile(info)


@pytest.mark.parametrize("build, message", [
    (lambda p: image_tarball(p, extra=_dotdot), "points outside the package"),
    (lambda p: image_tarball(p, extra=_absolute), "has an absolute path"),
    (lambda p: image_tarball(p, extra=_hardlink_out), "points outside the package"),
    (lambda p: image_tarball(p, extra=_symlink_out), "points outside the package"),
    (lambda p: image_tarball(p, extra=_device), "is a device"),
    (lambda p: image_tarball(p, metadata=b""), "metadata.yaml must be a YAML mapping"),
    (lambda p: image_tarball(p, metadata=b"architecture: [unclosed"), "metadata.yaml"),
    (lambda p: image_tarball(p, metadata=b"creation_date: 1\n"), "architecture is invalid: is required"),
    (lambda p: image_tarball(p, rootfs=False), "rootfs"),
    (lambda p: (p.write_bytes(b"PK\x03\x04 a zip file"), p)[1], "zip packages are not supported"),
    (lambda p: (p.write_bytes(b"\xfd7zXZ\x00" + b"\x00" * 64), p)[1], "not a valid xz tarball"),
])
def test_a_package_that_fails_its_check_fails_the_operation_and_leaves_nothing(fresh_server, tmp_path, build, message):
    package = build(tmp_path / "bad.tar.xz")
    with fresh_server.ams_local() as client:
        final = finish(client, upload(client, package, {"name": "hostile"}))
        assert final["status"] == "Failure"
        assert message in final["err"]
        assert client.get("/1.0/images").json()["metadata"] == []
    assert blob_files(fresh_server) == []


def _raw_upload(server, body: bytes, declared: int, fingerprint: str) -> bytes:
    """Send headers and part of a body over the AMS socket, then hang up."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(server.data_dir / "ams.sock"))
    sock.sendall(
        (f"POST /1.0/images HTTP/1.1\r\nHost: unix\r\nContent-Type: application/octet-stream\r\n"
         f'X-AMS-Request: {{"name": "retry"}}\r\nX-AMS-Fingerprint: {fingerprint}\r\n'
         f"Content-Length: {declared}\r\n\r\n").encode() + body
    )
    sock.shutdown(socket.SHUT_WR)
    answer = b""
    sock.settimeout(10)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return answer


def test_an_interrupted_upload_leaves_nothing_and_a_retry_succeeds(fresh_server, tmp_path):
    package = image_tarball(tmp_path / "retry.tar.xz")
    data = package.read_bytes()
    _raw_upload(fresh_server, data[: len(data) // 2], len(data), sha256_of(package))
    with fresh_server.ams_local() as client:
        # The core learns of the hang-up a moment after the client is gone.
        wait_until(lambda: blob_files(fresh_server) == [], timeout=10)
        assert client.get("/1.0/images").json()["metadata"] == []
        assert finish(client, upload(client, package, {"name": "retry"}))["status"] == "Success"


def test_a_restart_removes_stored_packages_nothing_names_and_keeps_the_rest(tmp_path):
    package = image_tarball(tmp_path / "kept.tar.xz")
    with running_server(tmp_path / "data") as server, server.ams_local() as client:
        assert finish(client, upload(client, package, {"name": "kept"}))["status"] == "Success"
    # What a stop between storing a blob and recording it leaves behind.
    orphan = tmp_path / "data" / "blobs" / "sha256" / "ab" / ("ab" * 32)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"an upload whose image was never recorded")
    with running_server(tmp_path / "data") as server, server.ams_local() as client:
        assert [p.name for p in blob_files(server)] == [sha256_of(package)]
        assert "removed 1 stored packages that no image, addon or application names" in server.log()
        assert client.get("/1.0/images/kept").json()["metadata"]["versions"][0]["fingerprint"] == sha256_of(package)


def test_uploads_over_the_limit_are_413(tmp_path):
    package = image_tarball(tmp_path / "big.tar.xz")
    with running_server(tmp_path / "data", "--max-upload-size", "100") as server, server.ams_local() as client:
        response = upload(client, package, {"name": "big"})
        assert response.status_code == 413
        assert response.json()["error_code"] == 413
        assert client.get("/1.0/images").json()["metadata"] == []
        assert blob_files(server) == []


def _status_kib(pid: int, field: str) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def test_a_1_gib_upload_keeps_the_server_memory_flat(fresh_server):
    """Streamed end to end: the peak resident size grows by far less than the upload."""
    chunk = bytes(range(256)) * 4096  # 1 MiB
    total = 1024 * len(chunk)
    pid = fresh_server.process.pid
    with fresh_server.ams_local() as client:
        client.get("/1.0/version")  # the request path is warm before measuring
        before = _status_kib(pid, "VmRSS")

        def body():
            for _ in range(1024):
                yield chunk

        response = client.post(
            "/1.0/images", content=body(), timeout=300,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(total),
                     "X-AMS-Request": '{"name": "huge"}'},
        )
        final = finish(client, response, timeout=120)
    assert final["status"] == "Failure" and "not a compressed tarball" in final["err"]
    peak_growth_mib = (_status_kib(pid, "VmHWM") - before) / 1024
    assert peak_growth_mib < 64, f"peak grew by {peak_growth_mib:.0f} MiB for a 1 GiB upload"
    assert blob_files(fresh_server) == []


def test_a_package_patch_with_a_stale_etag_is_412_and_stores_nothing(fresh_server, tmp_path):
    first = image_tarball(tmp_path / "a.tar.xz")
    second = image_tarball(tmp_path / "b.tar.gz", "gzip")
    with fresh_server.ams_local() as client:
        finish(client, upload(client, first, {"name": "tagged"}))
        etag = client.get("/1.0/images/tagged").headers["etag"]
        headers = {"Content-Type": "application/octet-stream", "X-AMS-Request": "{}",
                   "X-AMS-Fingerprint": sha256_of(second), "If-Match": '"stale"'}
        stale = client.patch("/1.0/images/tagged", content=second.read_bytes(), headers=headers)
        assert stale.status_code == 412
        assert stale.json()["error_code"] == 412
        assert len(client.get("/1.0/images/tagged").json()["metadata"]["versions"]) == 1
        assert not (fresh_server.data_dir / "blobs" / "sha256" / sha256_of(second)[:2] / sha256_of(second)).exists()
        fresh = client.patch("/1.0/images/tagged", content=second.read_bytes(), headers=headers | {"If-Match": etag})
        assert finish(client, fresh)["status"] == "Success"
