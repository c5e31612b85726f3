"""/1.0/metrics in the Prometheus text format."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.ams_api.client import finish


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_report_nodes_operations_and_requests(fresh_server):
    with fresh_server.ams_local() as client:
        finish(client, client.post("/1.0/nodes", json={"name": "m1", "address": "10.8.0.1", "cpus": 6}))
        client.get("/1.0/nodes/m1")
        response = client.get("/1.0/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("switchyard_ams_nodes", (("status", "online"),))] == 1
    assert found[("switchyard_ams_node_cpus", (("node", "m1"),))] == 6
    assert found[("switchyard_ams_node_cpu_capacity", (("node", "m1"),))] == 24
    assert found[("switchyard_operations", (("status", "success"),))] >= 1
    route = (("listener", "ams-local"), ("method", "GET"), ("route", "/1.0/nodes/{name}"), ("status", "200"))
    assert found[("switchyard_http_requests_total", route)] == 1
    assert ("switchyard_http_request_duration_seconds_count",
            (("listener", "ams-local"), ("route", "/1.0/nodes/{name}"))) in found
    assert found[("switchyard_rpc_calls_total",
                  (("code", "OK"), ("method", "/switchyard.ams.v1.Nodes/GetNode")))] == 1


def test_metrics_need_a_trusted_caller(server, client_cert):
    with server.http("ams", cert=client_cert) as client:
        assert client.get("/1.0/metrics").status_code == 403
