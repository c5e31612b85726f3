"""/1.0/addons: streamed uploads, versions, used_by, deletion rules and rejections."""

from __future__ import annotations

import json
import tarfile

import pytest

from tests.ams_api.client import finish
from tests.ams_api.packages import add_file, addon_tarball, sha256_of
from tests.ams_api.test_images import blob_files


def upload(client, path, request: dict | str, method: str = "POST", url: str = "/1.0/addons", fingerprint=None):
    headers = {
        "Content-Type": "application/octet-stream",
        "X-AMS-Request": request if isinstance(request, str) else json.dumps(request),
        "X-AMS-Fingerprint": fingerprint if fingerprint is not None else sha256_of(path),
    }
    return client.request(method, url, content=path.read_bytes(), headers=headers)


def test_post_an_addon_then_show_and_list_it(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "addon.tar.bz2")
    with fresh_server.ams_local() as client:
        response = upload(client, package, {"name": "my-addon"})
        assert response.json()["metadata"]["resources"] == {"addons": ["/1.0/addons/my-addon"]}
        final = finish(client, response)
        assert (final["status"], final["description"]) == ("Success", "Creating addon")
        shown = client.get("/1.0/addons/my-addon")
        addon = shown.json()["metadata"]
        assert addon == {
            "name": "my-addon", "used_by": [],
            "versions": [{"version": 0, "fingerprint": sha256_of(package), "size": package.stat().st_size,
                          "created_at": addon["versions"][0]["created_at"]}],
        }
        assert shown.headers["etag"].startswith('"')
        assert client.get("/1.0/addons").json()["metadata"] == ["/1.0/addons/my-addon"]
        assert client.get("/1.0/addons", params={"recursion": "1"}).json()["metadata"] == [addon]


def test_the_sdk_example_xz_addon_is_accepted(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "addon.tar.xz", compression="xz", hooks=("pre-start", "post-stop"))
    with fresh_server.ams_local() as client:
        assert finish(client, upload(client, package, {"name": "my-addon"}))["status"] == "Success"


def test_patch_with_a_package_adds_a_version_and_versions_go_but_never_the_last(fresh_server, tmp_path):
    first = addon_tarball(tmp_path / "a.tar.bz2", marker=b"one")
    second = addon_tarball(tmp_path / "b.tar.bz2", marker=b"two")
    with fresh_server.ams_local() as client:
        finish(client, upload(client, first, {"name": "my-addon"}))
        etag = client.get("/1.0/addons/my-addon").headers["etag"]
        final = finish(client, upload(client, second, {}, method="PATCH", url="/1.0/addons/my-addon"))
        assert (final["status"], final["description"]) == ("Success", "Updating addon")
        shown = client.get("/1.0/addons/my-addon")
        assert [v["version"] for v in shown.json()["metadata"]["versions"]] == [0, 1]
        assert shown.headers["etag"] != etag
        final = finish(client, client.delete("/1.0/addons/my-addon/0"))
        assert (final["status"], final["description"]) == ("Success", "Deleting addon version")
        versions = client.get("/1.0/addons/my-addon").json()["metadata"]["versions"]
        assert [(v["version"], v["fingerprint"]) for v in versions] == [(1, sha256_of(second))]
        refused = client.delete("/1.0/addons/my-addon/1")
        assert refused.status_code == 400 and "last version" in refused.json()["error"]
        assert client.delete("/1.0/addons/my-addon/9").status_code == 404
        final = finish(client, client.delete("/1.0/addons/my-addon"))
        assert (final["status"], final["description"]) == ("Success", "Deleting addon")
        assert client.get("/1.0/addons/my-addon").status_code == 404
        assert client.get("/1.0/addons").json()["metadata"] == []
    assert blob_files(fresh_server) == []


def test_patch_of_a_missing_addon_is_404_and_keeps_nothing(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "a.tar.bz2")
    with fresh_server.ams_local() as client:
        assert upload(client, package, {}, method="PATCH", url="/1.0/addons/nope").status_code == 404
    assert blob_files(fresh_server) == []


def test_a_second_addon_of_the_same_name_is_409(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "a.tar.bz2")
    with fresh_server.ams_local() as client:
        finish(client, upload(client, package, {"name": "my-addon"}))
        assert upload(client, package, {"name": "my-addon"}).status_code == 409


def test_fingerprint_mismatch_is_400_and_keeps_nothing(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "a.tar.bz2")
    with fresh_server.ams_local() as client:
        response = upload(client, package, {"name": "my-addon"}, fingerprint="f" * 64)
        assert response.status_code == 400 and "fingerprint mismatch" in response.json()["error"]
        assert client.get("/1.0/addons").json()["metadata"] == []
    assert blob_files(fresh_server) == []


def test_a_truncated_body_is_400_and_keeps_nothing(fresh_server, tmp_path):
    package = addon_tarball(tmp_path / "a.tar.bz2")
    data = package.read_bytes()
    with fresh_server.ams_local() as client:
        # Content-Length says more than the fingerprinted bytes that arrive.
        response = client.post("/1.0/addons", content=data[:-10], headers={
            "Content-Type": "application/octet-stream", "X-AMS-Request": '{"name": "my-addon"}',
            "X-AMS-Fingerprint": sha256_of(package)})
        assert response.status_code == 400
        assert client.get("/1.0/addons").json()["metadata"] == []
    assert blob_files(fresh_server) == []


@pytest.mark.parametrize("request_header, message", [
    ('{"name": "bad name"}', "argument name is invalid"),
    ("", "argument name is invalid"),
    ("{oops", "X-AMS-Request is malformed"),
    ("[" * 5000, "X-AMS-Request is malformed"),
])
def test_bad_request_details_are_400(fresh_server, tmp_path, request_header, message):
    package = addon_tarball(tmp_path / "a.tar.bz2")
    with fresh_server.ams_local() as client:
        response = upload(client, package, request_header)
        assert response.status_code == 400 and message in response.json()["error"]
    assert blob_files(fresh_server) == []


def _dotdot(tar):
    add_file(tar, "hooks/../../../etc/cron.d/x", b"x")


def _symlink_out(tar):
    info = tarfile.TarInfo("hooks/escape")
    info.type, info.linkname = tarfile.SYMTYPE, "../../../etc/shadow"
    tar.addfile(info)


@pytest.mark.parametrize("build, message", [
    (lambda p: addon_tarball(p, extra=_dotdot), "points outside the package"),
    (lambda p: addon_tarball(p, extra=_symlink_out), "points outside the package"),
    (lambda p: addon_tarball(p, hooks=()), "package has no hook"),
    (lambda p: addon_tarball(p, name="other"), "names don't match"),
    (lambda p: addon_tarball(p, manifest=b"name: my-addon\nhooks:\n  timeout: 20m\n"), "at most 15m"),
    (lambda p: addon_tarball(p, manifest=b"name: my-addon\nsurprise: 1\n"), "unknown key"),
    (lambda p: addon_tarball(p, compression="gzip"), "gzip"),
])
def test_a_package_that_fails_its_check_fails_the_operation_and_leaves_nothing(fresh_server, tmp_path, build, message):
    package = build(tmp_path / "bad.tar")
    with fresh_server.ams_local() as client:
        final = finish(client, upload(client, package, {"name": "my-addon"}))
        assert final["status"] == "Failure"
        assert message in final["err"]
        assert client.get("/1.0/addons").json()["metadata"] == []
    assert blob_files(fresh_server) == []


def test_an_upload_refused_from_its_header_always_gets_its_own_status(server):
    # The core refuses at once but reads the rest before answering: a gRPC client still writing
    # into a finished call would see INTERNAL instead (about once in a hundred, before).
    with server.ams_local() as client:
        for size in range(0, 300 * 4096, 4096):
            response = client.patch("/1.0/addons/nope", content=b"x" * size)
            assert (response.status_code, response.json()["error"]) == (404, "addon nope not found")


def test_untrusted_clients_are_refused(server, tmp_path):
    with server.http("ams") as client:
        assert client.get("/1.0/addons").status_code == 403


def test_an_interrupted_upload_leaves_nothing_and_a_retry_succeeds(fresh_server, tmp_path):
    import socket

    from tests.ams_api.client import wait_until

    package = addon_tarball(tmp_path / "a.tar.bz2")
    data = package.read_bytes()
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(fresh_server.data_dir / "ams.sock"))
    sock.sendall((f"POST /1.0/addons HTTP/1.1\r\nHost: unix\r\nContent-Type: application/octet-stream\r\n"
                  f'X-AMS-Request: {{"name": "my-addon"}}\r\nX-AMS-Fingerprint: {sha256_of(package)}\r\n'
                  f"Content-Length: {len(data)}\r\n\r\n").encode() + data[: len(data) // 2])
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(10)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    wait_until(lambda: blob_files(fresh_server) == [], timeout=10)
    with fresh_server.ams_local() as client:
        assert client.get("/1.0/addons").json()["metadata"] == []
        assert finish(client, upload(client, package, {"name": "my-addon"}))["status"] == "Success"
