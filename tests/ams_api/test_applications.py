"""/1.0/applications: packages built into versions by the bootstrap, updates, publication,
deletion, manifests and exports, each rejection over the wire."""

from __future__ import annotations

import io
import tarfile

import pytest
import yaml

from tests.ams_api.client import finish
from tests.ams_api.packages import add_file, addon_tarball, application_tarball, image_tarball, sha256_of
from tests.ams_api.test_images import blob_files, upload as upload_image
from tests.ams_api.test_nodes import add_node

APP_KEYS = {"id", "name", "status_code", "status", "instance_type", "boot_package", "parent_image_id", "published",
            "versions", "addons", "created_at", "immutable", "tags", "resources", "abi", "inhibit_auto_updates",
            "node_selector", "vm"}
VERSION_KEYS = {"number", "manifest_version", "parent_image_id", "parent_image_version", "status_code", "status",
                "published", "created_at", "boot_activity", "required_permissions", "addons", "extra_data",
                "error_message", "video_encoder", "watchdog", "services", "features"}
MANIFEST = """\
name: my-app
version: "1.0"
instance-type: a2.3
boot-package: com.lolo.io.onelist
required-permissions: ["*"]
tags: [game]
watchdog:
  disabled: false
  allowed-packages: [com.foo.bar]
services:
  - name: web
    port: 8080
    protocols: [tcp]
    expose: true
extra-data:
  game-data:
    target: /sdcard/Android/data/com.lolo.io.onelist/
"""


def upload(client, path, method: str = "POST", url: str = "/1.0/applications", request: str = "",
           fingerprint=None):
    """As the Go SDK uploads an application: X-AMS-Request present but empty."""
    headers = {"Content-Type": "application/octet-stream", "X-AMS-Request": request,
               "X-AMS-Fingerprint": fingerprint if fingerprint is not None else sha256_of(path)}
    return client.request(method, url, content=path.read_bytes(), headers=headers)


def app_package(tmp_path, manifest: str = MANIFEST, name: str = "app.tar.bz2", **options):
    files = {"extra-data/game-data": b"level"} if "extra-data" in manifest else None
    return application_tarball(tmp_path / name, manifest, files=files, **options)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One server with a default image and a node for the base containers."""
    from tests.server import running_server

    root = tmp_path_factory.mktemp("apps")
    with running_server(root / "data") as server, server.ams_local() as client:
        finish(client, upload_image(client, image_tarball(root / "base.tar.xz"), {"name": "android13"}))
        add_node(client, "lxd0", "10.0.0.10")
        yield server


@pytest.fixture
def client(cluster):
    with cluster.ams_local() as client:
        yield client
        for url in client.get("/1.0/applications").json()["metadata"]:
            finish(client, client.request("DELETE", url, json={"force": True}))


def create(client, tmp_path, manifest: str = MANIFEST, **options) -> tuple[dict, dict]:
    """POST a package and wait: the final operation and the application as then shown."""
    final = finish(client, upload(client, app_package(tmp_path, manifest, **options)))
    return final, client.get(final["resources"]["applications"][0]).json()["metadata"]


def test_post_builds_version_0_and_publishes_it(client, tmp_path):
    final, app = create(client, tmp_path)
    assert (final["status"], final["description"], final["err"]) == ("Success", "Creating application", "")
    assert set(app) == APP_KEYS
    image = client.get("/1.0/images/android13").json()["metadata"]
    assert app | {"id": None, "created_at": None, "versions": None} == {
        "id": None, "name": "my-app", "status_code": 2, "status": "ready", "instance_type": "a2.3",
        "boot_package": "com.lolo.io.onelist", "parent_image_id": image["id"], "published": True,
        "versions": None, "addons": [], "created_at": None, "immutable": False, "tags": ["game"],
        "resources": {"gpu-slots": -1}, "abi": "x86_64", "inhibit_auto_updates": False, "node_selector": [],
        "vm": False,
    }
    [version] = app["versions"]
    assert set(version) == VERSION_KEYS
    assert version | {"created_at": None} == {
        "number": 0, "manifest_version": "1.0", "parent_image_id": image["id"], "parent_image_version": 0,
        "status_code": 3, "status": "active", "published": True, "created_at": None, "boot_activity": "",
        "required_permissions": ["*"], "addons": [],
        "extra_data": {"game-data": {"target": "/sdcard/Android/data/com.lolo.io.onelist/", "owner": "",
                                     "permissions": ""}},
        "error_message": "", "video_encoder": "gpu-preferred",
        "watchdog": {"disabled": False, "allowed-packages": ["com.foo.bar"]},
        "services": [{"name": "web", "port": 8080, "protocols": ["tcp"], "expose": True}], "features": [],
    }
    assert client.get("/1.0/images/android13").json()["metadata"]["used_by"] == ["my-app"]
    assert client.get("/1.0/applications").json()["metadata"] == [f"/1.0/applications/{app['id']}"]
    shown = client.get("/1.0/applications/my-app")
    assert shown.json()["metadata"] == app and shown.headers["etag"].startswith('"')


def app_blobs(server) -> set:
    """Blob files other than the shared base image's."""
    return {p.name for p in blob_files(server)} - {sha256_of_image(server)}


def sha256_of_image(server) -> str:
    with server.ams_local() as client:
        return client.get("/1.0/images/android13").json()["metadata"]["versions"][0]["fingerprint"]


def set_config(client, name: str, value: str) -> None:
    assert finish(client, client.patch("/1.0/config", json={"name": name, "value": value}))["status"] == "Success"


def test_a_package_in_one_top_folder_without_request_header_and_vm_query(client, tmp_path):
    package = app_package(tmp_path, "name: folded\n", folder="folded")
    response = client.post("/1.0/applications", params={"vm": "false"}, content=package.read_bytes(),
                           headers={"Content-Type": "application/octet-stream"})
    final = finish(client, response)
    assert final["status"] == "Success", final["err"]
    app = client.get("/1.0/applications/folded").json()["metadata"]
    assert (app["status"], app["versions"][0]["status"], app["instance_type"]) == ("ready", "active", "")


def test_fingerprint_mismatch_and_truncated_body_are_400_and_keep_nothing(cluster, client, tmp_path):
    package = app_package(tmp_path)
    before = app_blobs(cluster)
    response = upload(client, package, fingerprint="0" * 64)
    assert response.status_code == 400 and "fingerprint mismatch" in response.json()["error"]
    response = client.post("/1.0/applications", content=package.read_bytes()[:-7], headers={
        "Content-Type": "application/octet-stream", "X-AMS-Fingerprint": sha256_of(package)})
    assert response.status_code == 400
    assert client.get("/1.0/applications").json()["metadata"] == []
    assert app_blobs(cluster) == before


def test_an_interrupted_upload_leaves_nothing_and_a_retry_succeeds(cluster, client, tmp_path):
    import socket

    from tests.ams_api.client import wait_until

    package = app_package(tmp_path)
    data = package.read_bytes()
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(cluster.data_dir / "ams.sock"))
    sock.sendall((f"POST /1.0/applications HTTP/1.1\r\nHost: unix\r\nContent-Type: application/octet-stream\r\n"
                  f"X-AMS-Request: \r\nX-AMS-Fingerprint: {sha256_of(package)}\r\n"
                  f"Content-Length: {len(data)}\r\n\r\n").encode() + data[: len(data) // 2])
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(10)
    try:
        while sock.recv(65536):  # until the gateway gives up on the half-sent body
            pass
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    # The core learns of the hang-up a moment after the client is gone. Other tests' blobs may
    # still come and go meanwhile, so look only for this upload's traces.
    incoming = cluster.data_dir / "blobs" / "incoming"
    wait_until(lambda: not any(incoming.iterdir()), timeout=10)
    assert not (cluster.data_dir / "blobs" / "sha256" / sha256_of(package)[:2] / sha256_of(package)).exists()
    assert client.get("/1.0/applications").json()["metadata"] == []
    assert finish(client, upload(client, package))["status"] == "Success"


def _dotdot(tar):
    add_file(tar, "extra-data/../../../etc/passwd", b"x")


def _absolute(tar):
    add_file(tar, "/etc/passwd", b"x")


def _symlink_out(tar):
    info = tarfile.TarInfo("extra-data/escape")
    info.type, info.linkname = tarfile.SYMTYPE, "../../../../etc/shadow"
    tar.addfile(info)


@pytest.mark.parametrize("build, message", [
    (lambda p: application_tarball(p, extra=_dotdot), "points outside the package"),
    (lambda p: application_tarball(p, extra=_absolute), "has an absolute path"),
    (lambda p: application_tarball(p, extra=_symlink_out), "points outside the package"),
    (lambda p: application_tarball(p, "name: bad name\n"), "name is invalid"),
    (lambda p: application_tarball(p, "name: x\ninstance-type: z9.9\n"), "instance-type"),
    (lambda p: application_tarball(p, "name: x\nvideo-encoder: magic\n"), "video-encoder"),
    (lambda p: application_tarball(p, "name: x\nextra-data:\n  d:\n    target: /etc\n"), "extra-data.d"),
    (lambda p: application_tarball(p, "name: x\nimage: nope\n"), "image not found"),
    (lambda p: application_tarball(p, "name: x\naddons: [missing-addon]\n"), "addon missing-addon not found"),
    (lambda p: application_tarball(p, "name: x\nsurprise: 1\n"), "unknown key"),
    (lambda p: (p.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 64), p)[1], "gzip"),
])
def test_a_package_that_fails_its_check_fails_the_operation_and_leaves_nothing(cluster, client, tmp_path,
                                                                                build, message):
    before = app_blobs(cluster)
    final = finish(client, upload(client, build(tmp_path / "bad.tar.bz2")))
    assert final["status"] == "Failure" and message in final["err"], final["err"]
    assert client.get("/1.0/applications").json()["metadata"] == []
    assert app_blobs(cluster) == before


def test_an_application_on_an_image_no_node_can_run_fails_its_bootstrap(client, tmp_path):
    final = finish(client, upload_image(client, image_tarball(tmp_path / "arm.tar.xz", architecture="aarch64"),
                                        {"name": "android13-arm"}))
    assert final["status"] == "Success"
    final, app = create(client, tmp_path, "name: arm-app\nimage: android13-arm\ninstance-type: a2.3\n")
    assert final["status"] == "Failure" and "No suitable node" in final["err"]
    assert app["status"] == "error"
    for url in ("/1.0/applications/arm-app", "/1.0/images/android13-arm"):
        assert finish(client, client.delete(url))["status"] == "Success"


def test_a_failed_bootstrap_leaves_an_inspectable_deletable_application(cluster, client, tmp_path):
    # No node can hold 64 CPUs: the base container cannot be placed.
    final, app = create(client, tmp_path, "name: too-big\nresources:\n  cpus: 64\n")
    assert final["status"] == "Failure"
    assert "No suitable node" in final["err"]
    assert (app["status_code"], app["status"]) == (-1, "error")
    [version] = app["versions"]
    assert (version["status_code"], version["status"], version["published"]) == (-1, "error", False)
    assert "No suitable node" in version["error_message"]
    assert app["resources"] == {"cpus": 64, "gpu-slots": -1}
    final = finish(client, client.delete("/1.0/applications/too-big"))
    assert (final["status"], final["description"]) == ("Success", "Deleting application")
    assert client.get("/1.0/applications/too-big").status_code == 404


def test_addons_are_pinned_per_version_and_listed_in_used_by(cluster, client, tmp_path):
    addon = addon_tarball(tmp_path / "addon.tar.bz2", name="tools")
    response = client.post("/1.0/addons", content=addon.read_bytes(), headers={
        "Content-Type": "application/octet-stream", "X-AMS-Request": '{"name": "tools"}'})
    assert finish(client, response)["status"] == "Success"
    try:
        final, app = create(client, tmp_path, "name: with-addon\naddons: [tools]\n")
        assert final["status"] == "Success", final["err"]
        assert app["addons"] == ["tools"]
        assert app["versions"][0]["addons"] == [{"name": "tools", "version": 0}]
        assert client.get("/1.0/addons/tools").json()["metadata"]["used_by"] == ["with-addon"]
        refused = client.delete("/1.0/addons/tools")
        assert refused.status_code == 400 and "used by with-addon" in refused.json()["error"]
        # Dropping the addon from the application is an application-level change: no new version.
        finish(client, client.patch("/1.0/applications/with-addon", json={"addons": []}))
        app = client.get("/1.0/applications/with-addon").json()["metadata"]
        assert (app["addons"], len(app["versions"])) == ([], 1)
        assert client.get("/1.0/addons/tools").json()["metadata"]["used_by"] == []
    finally:
        finish(client, client.request("DELETE", "/1.0/addons/tools", json={"force": True}))


def test_patch_with_a_package_builds_the_next_version(client, tmp_path):
    create(client, tmp_path)
    second = app_package(tmp_path, MANIFEST.replace('version: "1.0"', 'version: "2.0"'), name="v2.tar.bz2")
    final = finish(client, upload(client, second, method="PATCH", url="/1.0/applications/my-app"))
    assert (final["status"], final["description"]) == ("Success", "Updating application")
    app = client.get("/1.0/applications/my-app").json()["metadata"]
    assert [(v["number"], v["manifest_version"], v["status"], v["published"]) for v in app["versions"]] == [
        (0, "1.0", "active", True), (1, "2.0", "active", True)]
    other = app_package(tmp_path, "name: someone-else\n", name="other.tar.bz2")
    final = finish(client, upload(client, other, method="PATCH", url="/1.0/applications/my-app"))
    assert final["status"] == "Failure" and "does not match" in final["err"]
    assert len(client.get("/1.0/applications/my-app").json()["metadata"]["versions"]) == 2
    assert upload(client, other, method="PATCH", url="/1.0/applications/nope").status_code == 404


def test_json_patch_follows_the_table_of_fields_that_make_a_version(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    etag = client.get(url).headers["etag"]
    assert client.patch(url, json={"tags": ["x"]}, headers={"If-Match": '"stale"'}).status_code == 412
    # The SDK's body: every key, null when unset.
    body = {"image": None, "instance-type": "a4.3", "tags": ["game", "new"], "addons": None,
            "inhibit_auto_updates": True, "watchdog": None, "boot_activity": None, "required_permissions": None,
            "manifest_version": None, "features": None, "resources": {"memory": "4GB", "disk-size": "8GB"}}
    final = finish(client, client.patch(url, json=body, headers={"If-Match": etag}))
    assert (final["status"], final["description"]) == ("Success", "Updating application")
    app = client.get(url).json()["metadata"]
    assert (app["instance_type"], app["tags"], app["inhibit_auto_updates"], len(app["versions"])) == (
        "a4.3", ["game", "new"], True, 1)
    assert app["resources"] == {"memory": "4GB", "disk-size": "8GB", "gpu-slots": -1}
    assert client.get(url).headers["etag"] != etag
    # Fields of the table's "yes" column build a new version.
    final = finish(client, client.patch(url, json={"boot_activity": "com.lolo.io.onelist.Main",
                                                   "watchdog": {"disabled": True}, "video_encoder": "software"}))
    assert final["status"] == "Success", final["err"]
    latest = client.get(url).json()["metadata"]["versions"][-1]
    assert (latest["number"], latest["boot_activity"], latest["video_encoder"], latest["watchdog"]) == (
        1, "com.lolo.io.onelist.Main", "software", {"disabled": True, "allowed-packages": None})
    # An empty body rebuilds.
    response = client.patch(url, content=b"", headers={"Content-Type": "application/json"})
    assert finish(client, response)["status"] == "Success"
    assert [v["number"] for v in client.get(url).json()["metadata"]["versions"]] == [0, 1, 2]


@pytest.mark.parametrize("body, message", [
    ({"instance-type": "z1.1"}, "instance-type"),
    ({"resources": {"cpus": 0}}, "resources.cpus"),
    ({"tags": "game"}, "tags"),
    ({"colour": "red"}, "colour"),
    ({"image": "missing"}, "image not found"),
    ({"video_encoder": "magic"}, "video-encoder"),
    ({"services": [{"name": "x"}]}, "port"),
    ([1, 2], "must be in a dict"),
])
def test_a_bad_json_patch_is_400(client, tmp_path, body, message):
    create(client, tmp_path)
    response = client.patch("/1.0/applications/my-app", json=body)
    assert response.status_code in (400, 404) and message in response.json()["error"], response.text


def test_publish_and_unpublish_a_version(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    # The SDK sends this body without a Content-Type.
    final = finish(client, client.patch(f"{url}/0", content=b'{"published": false}'))
    assert (final["status"], final["description"]) == ("Success", "Updating application version")
    app = client.get(url).json()["metadata"]
    assert (app["published"], app["versions"][0]["published"]) == (False, False)
    finish(client, client.patch(f"{url}/0", json={"published": True}))
    assert client.get(url).json()["metadata"]["versions"][0]["published"] is True
    assert client.patch(f"{url}/7", json={"published": True}).status_code == 404
    assert client.patch(f"{url}/0", json={"published": "yes"}).status_code == 400


def test_auto_publish_off_and_max_published_versions(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    try:
        set_config(client, "application.auto_publish", "false")
        finish(client, client.patch(url, json={}))
        versions = client.get(url).json()["metadata"]["versions"]
        assert [(v["number"], v["published"]) for v in versions] == [(0, True), (1, False)]
        set_config(client, "application.auto_publish", "true")
        set_config(client, "application.max_published_versions", "2")
        for _ in range(2):
            assert finish(client, client.patch(url, json={}))["status"] == "Success"
        # Three published (0, 2, 3) is one too many: the oldest published one goes.
        versions = client.get(url).json()["metadata"]["versions"]
        assert [(v["number"], v["published"]) for v in versions] == [(1, False), (2, True), (3, True)]
        # Publishing an old version keeps it and removes the oldest other published one.
        finish(client, client.patch(f"{url}/1", json={"published": True}))
        versions = client.get(url).json()["metadata"]["versions"]
        assert [(v["number"], v["published"]) for v in versions] == [(1, True), (3, True)]
    finally:
        set_config(client, "application.auto_publish", "true")
        set_config(client, "application.max_published_versions", "3")


def test_delete_a_version_but_never_the_last(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    finish(client, client.patch(url, json={}))
    final = finish(client, client.request("DELETE", f"{url}/0", json={"force": False}))
    assert (final["status"], final["description"]) == ("Success", "Delete application version")
    assert [v["number"] for v in client.get(url).json()["metadata"]["versions"]] == [1]
    refused = client.delete(f"{url}/1")
    assert refused.status_code == 400 and "last version" in refused.json()["error"]
    assert client.delete(f"{url}/5").status_code == 404


def test_delete_one_and_many(client, tmp_path):
    ids = []
    for name in ("one", "two", "three"):
        ids.append(create(client, tmp_path, f"name: {name}\n", name=f"{name}.tar.bz2")[1]["id"])
    final = finish(client, client.delete(f"/1.0/applications/{ids[0]}"))
    assert final["resources"] == {"applications": [f"/1.0/applications/{ids[0]}"]}
    assert client.request("DELETE", "/1.0/applications", json={"ids": [ids[1], "nope"]}).status_code == 404
    final = finish(client, client.request("DELETE", "/1.0/applications", json={"ids": ids[1:], "force": False}))
    assert final["status"] == "Success"
    assert client.get("/1.0/applications").json()["metadata"] == []
    assert client.delete("/1.0/applications/none").status_code == 404


def test_manifest_downloads_are_yaml(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    finish(client, client.patch(url, json={"manifest_version": "1.1", "tags": ["arcade"]}))
    latest = client.get(f"{url}/manifest")
    assert latest.status_code == 200 and latest.headers["content-type"].startswith("application/x-yaml")
    document = yaml.safe_load(latest.text)
    assert document | {"services": None, "watchdog": None, "extra-data": None} == {
        "name": "my-app", "version": "1.1", "instance-type": "a2.3", "boot-package": "com.lolo.io.onelist",
        "required-permissions": ["*"], "tags": ["arcade"], "watchdog": None, "services": None,
        "extra-data": None}
    assert yaml.safe_load(client.get(f"{url}/0/manifest").text)["version"] == "1.0"
    assert client.get(f"{url}/9/manifest").status_code == 404
    assert client.get("/1.0/applications/nope/manifest").json()["error_code"] == 404


def test_export_streams_the_version_image(cluster, client, tmp_path):
    _, app = create(client, tmp_path, "name: exported\n", name="e.tar.bz2", folder="exported")
    response = client.get(f"/1.0/applications/{app['id']}/0")
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-tar"
    assert int(response.headers["content-length"]) == len(response.content)
    assert list((cluster.data_dir / "blobs" / "incoming").iterdir()) == []  # the scratch file is gone
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        names = set(tar.getnames())
        metadata = yaml.safe_load(tar.extractfile("metadata.yaml").read())
        apk = tar.extractfile("rootfs/var/lib/anbox/app/app.apk").read()
    assert {"metadata.yaml", "rootfs", "rootfs/etc/hostname", "rootfs/var/lib/anbox/app/manifest.yaml"} <= names
    assert apk == b"PK apk"
    assert metadata["architecture"] == "x86_64"
    assert metadata["properties"]["application_id"] == app["id"]
    assert client.get(f"/1.0/applications/{app['id']}/4").status_code == 404
    assert client.get(f"/1.0/applications/{app['id']}/x").status_code == 400


def test_list_filters_as_the_sdk_sends_them(client, tmp_path):
    create(client, tmp_path, "name: alpha\ntags: [game, x]\n", name="a.tar.bz2")
    create(client, tmp_path, "name: beta\ninstance-type: a4.3\n", name="b.tar.bz2")

    def names(**query):
        found = client.get("/1.0/applications", params={"recursion": "1", **query}).json()["metadata"]
        return [app["name"] for app in found]

    assert names() == ["alpha", "beta"]
    assert names(name="beta") == ["beta"]
    assert names(tags="game") == ["alpha"]
    assert names(instance_type="a4.3") == ["beta"]
    assert names(status="ready", published="true", immutable="false") == ["alpha", "beta"]
    assert names(name="nonexistent") == []
    assert names(published="false") == []
    assert names(addons="tools") == []


def test_extensions_advertised(client):
    extensions = client.get("/1.0").json()["metadata"]["api_extensions"]
    for name in ("application_manifest_download", "application_image_export", "application_partial_updates",
                 "application_manifest_version", "application_services_configuration",
                 "application_watchdog_settings", "application_resource_customization",
                 "application_gpu_encoder"):
        assert name in extensions


def test_the_video_encoder_decides_whether_a_container_holds_gpu_and_encoder_slots(fresh_server, tmp_path):
    def launch(app: str) -> dict:
        final = finish(client, client.post("/1.0/containers", json={"app_id": app}))
        if final["status"] != "Success":
            return final
        return client.get(final["resources"]["containers"][0]).json()["metadata"]

    with fresh_server.ams_local() as client:
        finish(client, upload_image(client, image_tarball(tmp_path / "i.tar.xz"), {"name": "base"}))
        add_node(client, "cpu0", "10.0.0.10")
        for encoder in ("gpu", "gpu-preferred", "software"):
            package = app_package(tmp_path, f"name: {encoder}\nvideo-encoder: {encoder}\n", name=f"{encoder}.tar.bz2")
            assert finish(client, upload(client, package))["status"] == "Success"
        # No GPU in the cluster: `gpu` cannot run, `gpu-preferred` falls back to software.
        assert launch("gpu")["err"] == "No suitable node to satisfy container requirement available"
        assert "gpu-slots" not in launch("gpu-preferred")["resources"]

        # A GPU that renders but has no encoder slot: `gpu` still cannot run anywhere.
        add_node(client, "gpu0", "10.0.0.11", gpu_slots=2)
        assert launch("gpu")["err"] == "No suitable node to satisfy container requirement available"
        assert "gpu-slots" not in launch("gpu-preferred")["resources"]

        finish(client, client.patch("/1.0/nodes/gpu0", json={"gpu_encoder_slots": 1}))
        assert "gpu-slots" not in launch("software")["resources"]
        preferred = launch("gpu-preferred")
        assert (preferred["node"], preferred["resources"]["gpu-slots"]) == ("gpu0", 1)
        # A GPU slot is still free, but the only encoder slot is held.
        assert launch("gpu")["status"] == "Failure"
        finish(client, client.patch("/1.0/nodes/gpu0", json={"gpu_encoder_slots": 4}))
        gpu = launch("gpu")
        assert (gpu["node"], gpu["resources"]["gpu-slots"]) == ("gpu0", 1)
        # Both GPU slots are held now: the next `gpu-preferred` encodes in software, `gpu` finds none.
        assert "gpu-slots" not in launch("gpu-preferred")["resources"]
        assert launch("gpu")["status"] == "Failure"
        # Deleting a container gives back its GPU slot and its encoder slot.
        assert finish(client, client.delete(f"/1.0/containers/{gpu['id']}"))["status"] == "Success"
        assert launch("gpu")["node"] == "gpu0"

def test_an_image_in_use_is_deleted_only_when_forced(fresh_server, tmp_path):
    with fresh_server.ams_local() as client:
        finish(client, upload_image(client, image_tarball(tmp_path / "i.tar.xz"), {"name": "base"}))
        add_node(client, "lxd0", "10.0.0.10")
        assert finish(client, upload(client, app_package(tmp_path, "name: user\n")))["status"] == "Success"
        assert client.get("/1.0/images/base").json()["metadata"]["used_by"] == ["user"]
        refused = client.delete("/1.0/images/base")
        assert refused.status_code == 400 and "used by user" in refused.json()["error"]
        assert finish(client, client.request("DELETE", "/1.0/images/base", json={"force": True}))["status"] == "Success"
        # The application stays, and without an image no new version can be built.
        final = finish(client, client.patch("/1.0/applications/user", json={}))
        assert final["status"] == "Failure" and "no default image" in final["err"]


def test_containers_launch_the_latest_published_version(client, tmp_path):
    _, app = create(client, tmp_path)
    url = f"/1.0/applications/{app['id']}"
    final = finish(client, client.post("/1.0/containers", json={"app_id": app["id"]}))
    assert final["status"] == "Success", final["err"]
    [container_url] = final["resources"]["containers"]
    container = client.get(container_url).json()["metadata"]
    assert (container["app_id"], container["app_version"], container["image_id"]) == (
        app["id"], 0, app["parent_image_id"])
    # In use: the application and its version go only when forced.
    refused = client.delete(url)
    assert refused.status_code == 400 and "use force" in refused.json()["error"]
    finish(client, client.request("DELETE", container_url, json={"force": True}))
    # Nothing published: a launch must name its version.
    finish(client, client.patch(f"{url}/0", json={"published": False}))
    response = client.post("/1.0/containers", json={"app_id": app["id"]})
    assert response.status_code == 400 and "no published version" in response.json()["error"]
    final = finish(client, client.post("/1.0/containers", json={"app_id": app["id"], "app_version": 0}))
    assert final["status"] == "Success", final["err"]
    finish(client, client.request("DELETE", final["resources"]["containers"][0], json={"force": True}))
    assert client.post("/1.0/containers", json={"app_id": app["id"], "app_version": 3}).status_code == 404


def test_a_build_cut_by_a_restart_ends_in_error_and_the_application_stays_deletable(tmp_path):
    from tests.ams_api.client import wait_until
    from tests.server import running_server

    data = tmp_path / "data"
    with running_server(data, "--simulated-container-delay", "2") as server, server.ams_local() as client:
        finish(client, upload_image(client, image_tarball(tmp_path / "i.tar.xz"), {"name": "base"}))
        add_node(client, "lxd0", "10.0.0.10")
        response = upload(client, app_package(tmp_path, "name: slow\n"))
        assert response.status_code == 202
        wait_until(lambda: client.get("/1.0/applications/slow").status_code == 200)
        assert client.get("/1.0/applications/slow").json()["metadata"]["status"] == "initializing"
    with running_server(data) as server, server.ams_local() as client:
        app = client.get("/1.0/applications/slow").json()["metadata"]
        assert (app["status"], app["versions"][0]["status"]) == ("error", "error")
        assert app["versions"][0]["error_message"] == "interrupted by shutdown"
        assert finish(client, client.delete("/1.0/applications/slow"))["status"] == "Success"


def test_a_package_patch_with_a_stale_etag_is_412(client, tmp_path):
    package = app_package(tmp_path)
    url = finish(client, upload(client, package))["resources"]["applications"][0]
    etag = client.get(url).headers["etag"]
    headers = {"Content-Type": "application/octet-stream", "X-AMS-Request": "",
               "X-AMS-Fingerprint": sha256_of(package), "If-Match": '"stale"'}
    assert client.patch(url, content=package.read_bytes(), headers=headers).status_code == 412
    assert len(client.get(url).json()["metadata"]["versions"]) == 1
    fresh = client.patch(url, content=package.read_bytes(), headers=headers | {"If-Match": etag})
    assert finish(client, fresh)["status"] == "Success"
