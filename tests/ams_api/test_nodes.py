"""/1.0/nodes on the simulated node driver."""

from __future__ import annotations

import pytest

from tests.ams_api.client import finish

NODE_KEYS = {
    "name", "address", "public_address", "network_bridge_mtu", "cpus", "cpu_allocation_rate",
    "memory", "memory_allocation_rate", "status_code", "status", "is_master", "disk_size",
    "gpu_slots", "gpu_encoder_slots", "tags", "unscheduable", "unschedulable", "architecture",
    "storage_pool", "managed", "driver",
}


def add_node(client, name: str, address: str, **fields) -> dict:
    final = finish(client, client.post("/1.0/nodes", json={"name": name, "address": address, **fields}))
    assert final["status"] == "Success", final
    assert final["description"] == "Creating node"
    assert final["resources"] == {"nodes": [f"/1.0/nodes/{name}"]}
    return client.get(f"/1.0/nodes/{name}").json()["metadata"]


def test_add_show_and_list_a_node(fresh_server):
    with fresh_server.ams_local() as client:
        node = add_node(client, "lxd0", "10.0.0.10", cpus=8, memory="16GB", tags=["gpu", "eu"],
                        public_address="203.0.113.5", gpu_slots=4)
        assert set(node) == NODE_KEYS
        assert node == node | {
            "name": "lxd0", "address": "10.0.0.10", "public_address": "203.0.113.5",
            "network_bridge_mtu": 1500, "cpus": 8, "cpu_allocation_rate": 4, "memory": "16GB",
            "memory_allocation_rate": 2, "status_code": 4, "status": "online", "is_master": True,
            "gpu_slots": 4, "gpu_encoder_slots": 0, "tags": ["gpu", "eu"], "unscheduable": False,
            "unschedulable": False, "storage_pool": "ams0", "managed": True, "driver": "simulated",
        }
        assert node["disk_size"] and node["architecture"] == "x86_64"
        second = add_node(client, "lxd1", "10.0.0.11")
        assert second["is_master"] is False and second["cpus"] == 4 and second["memory"] == "8GB"
        assert client.get("/1.0/nodes").json()["metadata"] == ["/1.0/nodes/lxd0", "/1.0/nodes/lxd1"]
        objects = client.get("/1.0/nodes", params={"recursion": "1"}).json()["metadata"]
        assert [item["name"] for item in objects] == ["lxd0", "lxd1"]
        assert "etag" not in objects[0]


def test_duplicate_node_is_409(fresh_server):
    with fresh_server.ams_local() as client:
        add_node(client, "dup", "10.0.1.1")
        for body in ({"name": "dup", "address": "10.0.1.2"}, {"name": "other", "address": "10.0.1.1"}):
            response = client.post("/1.0/nodes", json=body)
            assert response.status_code == 409
            assert response.json()["error_code"] == 409


@pytest.mark.parametrize("body, field", [
    ({"address": "10.0.2.1"}, "name"),
    ({"name": "bad name", "address": "10.0.2.1"}, "name"),
    ({"name": "n1"}, "address"),
    ({"name": "n1", "address": "not an address!"}, "address"),
    ({"name": "n1", "address": "10.0.2.1", "public_address": "::zz"}, "public_address"),
    ({"name": "n1", "address": "10.0.2.1", "network_bridge_mtu": 100}, "network_bridge_mtu"),
    ({"name": "n1", "address": "10.0.2.1", "cpus": 0}, "cpus"),
    ({"name": "n1", "address": "10.0.2.1", "cpu_allocation_rate": 0}, "cpu_allocation_rate"),
    ({"name": "n1", "address": "10.0.2.1", "memory": "lots"}, "memory"),
    ({"name": "n1", "address": "10.0.2.1", "memory_allocation_rate": -1}, "memory_allocation_rate"),
    ({"name": "n1", "address": "10.0.2.1", "gpu_slots": -1}, "gpu_slots"),
    ({"name": "n1", "address": "10.0.2.1", "gpu_encoder_slots": -2}, "gpu_encoder_slots"),
    ({"name": "n1", "address": "10.0.2.1", "tags": ["a,b"]}, "tags"),
    ({"name": "n1", "address": "10.0.2.1", "storage_device": "sda"}, "storage_device"),
    ({"name": "n1", "address": "10.0.2.1", "network_name": "much-too-long-a-name"}, "network_name"),
    ({"name": "n1", "address": "10.0.2.1", "network_subnet": "192.168.0.0"}, "network_subnet"),
])
def test_each_invalid_field_is_named_in_a_400(server, body, field):
    with server.ams_local() as client:
        response = client.post("/1.0/nodes", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]


def test_unset_fields_sent_as_null_are_accepted(fresh_server):
    body = {"name": "nulls", "address": "10.0.3.1", "public_address": "", "cpus": None, "memory": "",
            "tags": None, "storage_pool": "", "network_bridge_mtu": None, "unmanaged": False}
    with fresh_server.ams_local() as client:
        response = client.post("/1.0/nodes", json=body)
        assert finish(client, response)["status"] == "Success"


def test_patch_with_etag(fresh_server):
    with fresh_server.ams_local() as client:
        add_node(client, "etag-node", "10.0.4.1")
        shown = client.get("/1.0/nodes/etag-node")
        etag = shown.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        stale = client.patch("/1.0/nodes/etag-node", json={"cpus": 2}, headers={"If-Match": '"0000"'})
        assert stale.status_code == 412
        assert stale.json()["error_code"] == 412
        response = client.patch("/1.0/nodes/etag-node", json={"cpus": 2, "unschedulable": True, "tags": ["x"]},
                                headers={"If-Match": etag})
        final = finish(client, response)
        assert final["description"] == "Updating node etag-node"
        node = client.get("/1.0/nodes/etag-node")
        assert node.headers["etag"] != etag
        assert node.json()["metadata"] == node.json()["metadata"] | {
            "cpus": 2, "unschedulable": True, "unscheduable": True, "tags": ["x"]}
        # The document's spelling works too, and If-Match without quotes.
        current = node.headers["etag"].strip('"')
        finish(client, client.patch("/1.0/nodes/etag-node", json={"unscheduable": False},
                                    headers={"If-Match": current}))
        assert client.get("/1.0/nodes/etag-node").json()["metadata"]["unschedulable"] is False
        # Stale again: the old tag no longer matches.
        assert client.patch("/1.0/nodes/etag-node", json={"cpus": 3}, headers={"If-Match": etag}).status_code == 412


def test_patch_refuses_bad_values_and_unknown_nodes(fresh_server):
    with fresh_server.ams_local() as client:
        add_node(client, "p", "10.0.5.1")
        assert client.patch("/1.0/nodes/p", json={"cpus": 0}).status_code == 400
        assert client.patch("/1.0/nodes/p", json={"address": "10.9.9.9"}).status_code == 400
        assert client.patch("/1.0/nodes/nope", json={"cpus": 2}).status_code == 404


def test_delete_a_node(fresh_server):
    with fresh_server.ams_local() as client:
        add_node(client, "gone", "10.0.6.1")
        body = {"force": False, "keep_in_cluster": True}
        final = finish(client, client.request("DELETE", "/1.0/nodes/gone", json=body))
        assert final["description"] == "Deleting node"
        assert client.get("/1.0/nodes/gone").status_code == 404
        assert client.delete("/1.0/nodes/gone").status_code == 404


def test_allocation_rates_are_numbers_with_fractions(fresh_server):
    with fresh_server.ams_local() as client:
        node = add_node(client, "frac", "10.0.7.1", cpu_allocation_rate=1.5, memory_allocation_rate=2)
        assert (node["cpu_allocation_rate"], node["memory_allocation_rate"]) == (1.5, 2)
