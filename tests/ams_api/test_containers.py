"""/1.0/containers over the wire: launch, show, list, delete, logs, token-authenticated status
reports, lifecycle events, placement strategies and overcommit refusal."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.ams.driver import SIMULATED_BOOT_FAILURE
from core.ams.scheduler import NO_SUITABLE_NODE
from tests.ams_api.client import events, finish, next_event
from tests.ams_api.packages import image_tarball
from tests.ams_api.test_images import upload

CONTAINER_KEYS = {
    "id", "name", "type", "status_code", "status", "node", "app_id", "app_name", "app_version",
    "image_id", "image_version", "created_at", "address", "public_address", "services",
    "stored_logs", "error_message", "config", "resources", "architecture", "tags",
}


def add_node(client, name: str, address: str, **fields) -> None:
    final = finish(client, client.post("/1.0/nodes", json={"name": name, "address": address, **fields}))
    assert final["status"] == "Success", final


def add_image(client, tmp_path: Path, name: str = "android", architecture: str = "x86_64") -> str:
    package = image_tarball(tmp_path / f"{name}.tar.xz", "xz", architecture=architecture)
    final = finish(client, upload(client, package, {"name": name}))
    assert final["status"] == "Success", final
    return final["resources"]["images"][0].rsplit("/", 1)[1]


def launch(client, **body) -> dict:
    """The final operation of a launch."""
    return finish(client, client.post("/1.0/containers", json=body))


def launched(client, **body) -> dict:
    final = launch(client, **body)
    assert final["status"] == "Success", final
    assert final["description"] == "Creating container"
    url = final["resources"]["containers"][0]
    return client.get(url).json()["metadata"]


def set_strategy(client, strategy: str) -> None:
    final = finish(client, client.patch("/1.0/config", json={"name": "scheduler.strategy", "value": strategy}))
    assert final["status"] == "Success"


NOTHING_HELD = {"cpus": 0, "memory_bytes": 0, "disk_bytes": 0, "gpu_slots": 0, "gpu_encoder_slots": 0}


def reserved(client) -> dict[str, dict[str, float]]:
    """Per node, what the running scheduler holds, read from /1.0/metrics."""
    text = client.get("/1.0/metrics").text
    found: dict[str, dict[str, float]] = {}
    for resource, node, value in re.findall(
            r'^switchyard_ams_node_reserved_(\w+)\{node="([^"]+)"\} (\S+)$', text, re.M):
        found.setdefault(node, {})[resource] = float(value)
    return found


@pytest.fixture
def cluster(fresh_server, tmp_path):
    """Two 2-CPU nodes (8 vCPU and 12 GB each to hand out) and an image."""
    with fresh_server.ams_local() as client:
        add_node(client, "lxd0", "10.0.0.10", cpus=2, memory="6GB")
        add_node(client, "lxd1", "10.0.0.11", cpus=2, memory="6GB", public_address="203.0.113.7")
        image = add_image(client, tmp_path)
        yield fresh_server, client, image


def test_launch_from_an_image_show_and_list(cluster):
    server, client, image = cluster
    shown = launched(client, image_id="android", instance_type="a2.3", node="lxd1",
                     services=[{"name": "adb", "port": 5559, "protocols": ["tcp"], "expose": True}],
                     config={"platform": "webrtc", "boot_package": "com.foo"}, user_data="hello",
                     disk_size=5_000_000_000)
    assert set(shown) == CONTAINER_KEYS
    assert shown == shown | {
        "name": f"ams-{shown['id']}", "type": "regular", "status_code": 4, "status": "running",
        "node": "lxd1", "image_id": image, "image_version": 0, "address": "192.168.100.2",
        "public_address": "203.0.113.7", "error_message": "",
        "config": {"platform": "webrtc", "boot_package": "com.foo"},
        "resources": {"cpus": 2, "memory": "3GB", "disk-size": "5GB"},
        "services": [{"name": "adb", "port": 5559, "port_end": None, "node_port": 10000,
                      "node_port_end": None, "protocols": ["tcp"], "expose": True}],
    }
    assert re.fullmatch(r"[0-9a-v]{20}", shown["id"])
    assert client.get("/1.0/containers").json()["metadata"] == [f"/1.0/containers/{shown['id']}"]
    listed = client.get("/1.0/containers", params={"recursion": "1"}).json()["metadata"]
    assert [c["id"] for c in listed] == [shown["id"]]
    for query, count in [({"node": "lxd1"}, 1), ({"node": "lxd0"}, 0), ({"status": "running"}, 1),
                         ({"image_id": image}, 1), ({"type": "base"}, 0), ({"app_name": "none"}, 0)]:
        found = client.get("/1.0/containers", params={"recursion": "1", **query}).json()["metadata"]
        assert len(found) == count, query
    assert client.get("/1.0/containers/nope").status_code == 404


def test_the_sdk_spellings_and_its_null_fields_are_accepted(cluster):
    server, client, image = cluster
    # What the Go SDK marshals: every field, nulls for unset ones, config always an object.
    shown = launched(client, app_id="", app_version=None, image_id=image, image_version=None,
                     instance_type="", node="", services=None, disk_size=None, config={},
                     cpus=3, memory=4_000_000_000, **{"gpu-slots": 0})
    assert shown["resources"] == {"cpus": 3, "memory": "4GB", "disk-size": "3GB"}
    response = client.post("/1.0/containers?no_wait=true", json={"image_id": image, "cpu": 1})
    assert finish(client, response)["status"] == "Success"
    for body, field in [({"image_id": image, "cpu": 2, "cpus": 3}, "cpu"),
                        ({"image_id": image, "instance_type": "z9"}, "instance_type"),
                        ({"image_id": image, "services": [{"name": "x", "port": 0}]}, "port"),
                        ({"image_id": image, "config": {"colour": "red"}}, "config.colour"),
                        ({"image_id": image, "unknown": 1}, "unknown")]:
        response = client.post("/1.0/containers", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.json()["error"]
    assert client.post("/1.0/containers", json={"image_id": "missing"}).status_code == 404
    assert client.post("/1.0/containers", json={"image_id": image, "node": "nope"}).status_code == 404


def test_an_image_runs_only_on_nodes_of_its_architecture(cluster, tmp_path):
    server, client, image = cluster  # the simulated nodes are x86_64
    arm = add_image(client, tmp_path, "arm", architecture="aarch64")
    final = launch(client, image_id=arm, instance_type="a2.3")
    assert (final["status"], final["err"]) == ("Failure", NO_SUITABLE_NODE)
    shown = launched(client, image_id=image, instance_type="a2.3")
    assert shown["architecture"] == "x86_64"


def test_overcommit_is_refused_with_the_ams_message(cluster):
    server, client, image = cluster
    # Each node hands out 12 GB (6 GB x 2): two 6 GB containers fill it.
    for _ in range(4):
        launched(client, image_id=image, instance_type="a2.3", memory=6_000_000_000)
    final = launch(client, image_id=image, instance_type="a2.3")
    assert (final["status"], final["err"]) == ("Failure", NO_SUITABLE_NODE)
    assert final["status_code"] == 400
    named = launch(client, image_id=image, instance_type="a2.3", node="lxd0")
    assert named["err"] == NO_SUITABLE_NODE
    # A refused launch leaves no container behind.
    assert len(client.get("/1.0/containers").json()["metadata"]) == 4


@pytest.mark.parametrize("strategy, expected", [("spread", ["lxd0", "lxd1", "lxd0", "lxd1"]),
                                                ("binpack", ["lxd0", "lxd0", "lxd0", "lxd0"])])
def test_both_strategies(cluster, strategy, expected):
    server, client, image = cluster
    set_strategy(client, strategy)
    placed = [launched(client, image_id=image, instance_type="a2.3")["node"] for _ in range(4)]
    assert placed == expected
    holds = reserved(client)
    assert holds["lxd0"]["cpus"] == 2 * expected.count("lxd0")


def test_concurrent_launches_race_for_the_last_slot(cluster):
    server, client, image = cluster
    # Fill everything but one slot: 8 slots of 3 GB in all (12 GB x 2 nodes).
    for _ in range(7):
        launched(client, image_id=image, instance_type="a2.3")

    def one_launch(_):
        with server.ams_local() as own:
            return launch(own, image_id=image, instance_type="a2.3")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one_launch, range(8)))
    assert sorted(r["status"] for r in results) == ["Failure"] * 7 + ["Success"]
    assert {r["err"] for r in results if r["status"] == "Failure"} == {NO_SUITABLE_NODE}
    holds = reserved(client)
    assert holds["lxd0"]["memory_bytes"] == holds["lxd1"]["memory_bytes"] == 12e9


def test_delete_frees_resources_address_and_ports(cluster):
    server, client, image = cluster
    service = [{"name": "ssh", "port": 22, "protocols": ["tcp"]}]
    first = launched(client, image_id=image, instance_type="a2.3", node="lxd0", services=service)
    second = launched(client, image_id=image, instance_type="a2.3", node="lxd0", services=service)
    assert (first["address"], second["address"]) == ("192.168.100.2", "192.168.100.3")
    assert [s["node_port"] for s in first["services"] + second["services"]] == [10000, 10001]
    final = finish(client, client.delete(f"/1.0/containers/{first['id']}"))
    assert (final["status"], final["description"]) == ("Success", "Deleting container")
    assert final["resources"] == {"containers": [f"/1.0/containers/{first['id']}"]}
    assert client.get(f"/1.0/containers/{first['id']}").status_code == 404
    third = launched(client, image_id=image, instance_type="a2.3", node="lxd0", services=service)
    assert third["address"] == "192.168.100.2" and third["services"][0]["node_port"] == 10000
    assert reserved(client)["lxd0"]["cpus"] == 4
    assert client.delete("/1.0/containers/nope").status_code == 404


def test_bulk_delete(cluster):
    server, client, image = cluster
    ids = [launched(client, image_id=image, instance_type="a2.3")["id"] for _ in range(3)]
    final = finish(client, client.request("DELETE", "/1.0/containers", json={"ids": ids, "force": False}))
    assert final["status"] == "Success", final
    assert client.get("/1.0/containers").json()["metadata"] == []
    assert reserved(client) == {"lxd0": NOTHING_HELD, "lxd1": NOTHING_HELD}
    assert client.request("DELETE", "/1.0/containers", json={"ids": ["nope"]}).status_code == 404


def test_a_failed_boot_is_an_error_with_logs_and_stays_deletable(cluster):
    server, client, image = cluster
    final = launch(client, image_id=image, instance_type="a2.3", user_data=SIMULATED_BOOT_FAILURE)
    assert final["status"] == "Failure" and "failed to boot" in final["err"]
    url = final["resources"]["containers"][0]
    shown = client.get(url).json()["metadata"]
    assert shown["status"] == "error" and "failed to boot" in shown["error_message"]
    assert "console.log" in shown["stored_logs"]
    log = client.get(url + "/logs/console.log")
    assert log.status_code == 200 and log.headers["content-type"].startswith("text/plain")
    assert "init failed" in log.text
    # An errored container keeps its disk only.
    assert reserved(client)[shown["node"]] == NOTHING_HELD | {"disk_bytes": 3e9}
    assert finish(client, client.request("DELETE", url, json={"force": True}))["status"] == "Success"
    assert reserved(client)[shown["node"]]["disk_bytes"] == 0


def test_logs(cluster):
    server, client, image = cluster
    shown = launched(client, image_id=image, instance_type="a2.3")
    url = f"/1.0/containers/{shown['id']}"
    listing = client.get(url + "/logs").json()
    assert listing["type"] == "sync"
    assert listing["metadata"] == [f"{url}/logs/{name}" for name in
                                   ("android.log", "console.log", "container.log", "system.log")]
    text = client.get(url + "/logs/container.log")
    assert text.status_code == 200 and "started" in text.text
    assert not text.text.startswith("{")
    missing = client.get(url + "/logs/nothing.log")
    assert missing.status_code == 404 and missing.json()["type"] == "error"
    assert client.get("/1.0/containers/nope/logs/android.log").json()["error_code"] == 404


def _token(server, container_id: str) -> str:
    environment = (server.data_dir / "containers" / container_id / "environment").read_text()
    return dict(line.split("=", 1) for line in environment.splitlines())["AMS_CONTAINER_TOKEN"]


def test_a_container_reports_its_own_status_with_its_token(cluster, client_cert):
    server, client, image = cluster
    shown = launched(client, image_id=image, instance_type="a2.3")
    url = f"/1.0/containers/{shown['id']}"
    token = _token(server, shown["id"])
    # The container is no trusted client: it calls over TLS with no certificate we know.
    with server.http("ams", cert=client_cert) as remote:
        body = {"status": "error", "error_code": 1, "error_message": "anbox crashed"}
        assert remote.patch(url, json=body).status_code == 401
        assert remote.patch(url, json=body, headers={"Authorization": "basic abc"}).status_code == 401
        wrong = remote.patch(url, json=body, headers={"Authorization": "bearer not-the-token"})
        assert wrong.status_code == 403 and wrong.json()["type"] == "error"
        assert remote.get(url).status_code == 403  # the token opens PATCH only
        # The operation is for the operator to follow: the container itself is not trusted.
        final = finish(client, remote.patch(url, json=body, headers={"Authorization": f"Bearer {token}"}))
        assert final["status"] == "Success", final
    failed = client.get(url).json()["metadata"]
    assert (failed["status"], failed["error_message"]) == ("error", "anbox crashed")
    other = launched(client, image_id=image, instance_type="a2.3")
    with server.http("ams", cert=client_cert) as remote:
        # One container's token says nothing about another.
        response = remote.patch(f"/1.0/containers/{other['id']}", json={"status": "stopped"},
                                headers={"Authorization": f"bearer {token}"})
        assert response.status_code == 403


def test_a_trusted_client_stops_and_starts_a_container(cluster):
    server, client, image = cluster
    shown = launched(client, image_id=image, instance_type="a2.3")
    url = f"/1.0/containers/{shown['id']}"
    assert finish(client, client.patch(url, json={"desired_status": "stopped"}))["status"] == "Success"
    assert client.get(url).json()["metadata"]["status"] == "stopped"
    assert finish(client, client.patch(url, json={"desired_status": "running"}))["status"] == "Success"
    assert client.get(url).json()["metadata"]["status"] == "running"


def test_lifecycle_events_on_the_websocket(cluster):
    server, client, image = cluster

    async def watch():
        async with events(server, "lifecycle") as socket:
            response = await asyncio.to_thread(
                client.post, "/1.0/containers", json={"image_id": image, "instance_type": "a2.3"})
            url = response.json()["metadata"]["resources"]["containers"][0]
            seen = []
            while len(seen) < 4:
                event = await next_event(socket)
                assert event["type"] == "lifecycle"
                if event["metadata"]["source"] == url:
                    seen.append(event["metadata"]["action"])
            await asyncio.to_thread(lambda: finish(client, client.delete(url)))
            while len(seen) < 6:
                event = await next_event(socket)
                if event["metadata"]["source"] == url:
                    seen.append(event["metadata"]["action"])
            return seen

    assert asyncio.run(watch()) == ["container-created", "container-scheduled", "container-started",
                                    "container-running", "container-stopped", "container-removed"]


def test_a_node_with_containers_is_only_removed_with_force(cluster):
    server, client, image = cluster
    shown = launched(client, image_id=image, instance_type="a2.3", node="lxd0")
    refused = client.request("DELETE", "/1.0/nodes/lxd0", json={"force": False})
    assert refused.status_code == 400 and "container" in refused.json()["error"]
    final = finish(client, client.request("DELETE", "/1.0/nodes/lxd0", json={"force": True}))
    assert final["status"] == "Success", final
    assert client.get(f"/1.0/containers/{shown['id']}").status_code == 404
    assert "lxd0" not in reserved(client)
    placed = launched(client, image_id=image, instance_type="a2.3")
    assert placed["node"] == "lxd1"


def test_containers_by_status_in_metrics(cluster):
    server, client, image = cluster
    launched(client, image_id=image, instance_type="a2.3")
    launch(client, image_id=image, instance_type="a2.3", user_data=SIMULATED_BOOT_FAILURE)
    text = client.get("/1.0/metrics").text
    assert 'switchyard_ams_containers{status="running"} 1.0' in text
    assert 'switchyard_ams_containers{status="error"} 1.0' in text


def test_node_changes_reach_placement_at_once(cluster):
    server, client, image = cluster
    assert finish(client, client.patch("/1.0/nodes/lxd0", json={"unschedulable": True}))["status"] == "Success"
    assert [launched(client, image_id=image, instance_type="a2.3")["node"] for _ in range(2)] == ["lxd1"] * 2
    assert launch(client, image_id=image, instance_type="a2.3", node="lxd0")["err"] == NO_SUITABLE_NODE
    # More memory to hand out on lxd1: a third container fits there now (12 GB → 16 GB).
    assert finish(client, client.patch("/1.0/nodes/lxd1", json={"memory": "8GB"}))["status"] == "Success"
    assert launched(client, image_id=image, instance_type="a2.3", memory=6_000_000_000)["node"] == "lxd1"
    assert finish(client, client.patch("/1.0/nodes/lxd0", json={"unschedulable": False}))["status"] == "Success"
    assert launched(client, image_id=image, instance_type="a2.3")["node"] == "lxd0"
