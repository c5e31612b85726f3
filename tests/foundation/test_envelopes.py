"""The first slice of each API over real TLS: exact envelopes, 404/405, slashes, identity."""

from __future__ import annotations

import socket

import httpx
import pytest

from core.ams.service_info import API_EXTENSIONS

AMS_SYNC_KEYS = ["type", "status", "status_code", "operation", "error_code", "error", "metadata"]


def ams_sync(metadata) -> dict:
    return {
        "type": "sync", "status": "Success", "status_code": 200,
        "operation": "", "error_code": 0, "error": "", "metadata": metadata,
    }


def ams_error(code: int, message: str) -> dict:
    return {
        "type": "error", "status": "", "status_code": 0,
        "operation": "", "error_code": code, "error": message, "metadata": None,
    }


def service_info(auth: str) -> dict:
    return {
        "api_extensions": list(API_EXTENSIONS), "api_status": "stable", "api_version": "1.0", "auth": auth,
        "auth_methods": ["2waySSL"], "cluster_id": "", "cluster_name": "",
    }


def test_ams_root_lists_the_api_versions(server):
    with server.http("ams") as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert list(response.json()) == AMS_SYNC_KEYS
    assert response.json() == ams_sync(["/1.0"])


def test_ams_without_a_certificate_is_a_guest(server):
    with server.http("ams") as client:
        assert client.get("/1.0").json() == ams_sync(service_info("guest"))


def test_ams_with_an_unknown_certificate_completes_the_handshake_as_untrusted(server, client_cert):
    with server.http("ams", cert=client_cert) as client:
        response = client.get("/1.0")
    assert response.status_code == 200
    assert response.json() == ams_sync(service_info("untrusted"))


def test_ams_unix_socket_callers_are_trusted(server):
    with server.ams_local() as client:
        assert client.get("/1.0").json() == ams_sync(service_info("trusted"))


def test_ams_version(server):
    with server.http("ams") as client:
        assert client.get("/1.0/version").json() == ams_sync({"version": "1.9.0"})


@pytest.mark.parametrize("path", ["//1.0/version", "/1.0/version/", "/1.0//version//"])
def test_ams_tolerates_doubled_and_trailing_slashes(server, path):
    with server.http("ams") as client:
        # A full URL: httpx would read a relative "//1.0" as a host name.
        response = client.get(server.url("ams", path))
    assert response.status_code == 200
    assert response.json()["metadata"] == {"version": "1.9.0"}


def test_ams_unknown_path_is_a_404_error_envelope(server):
    with server.http("ams") as client:
        response = client.get("/1.0/no-such-thing")
    assert response.status_code == 404
    assert response.json() == ams_error(404, "not found")


def test_ams_wrong_method_is_a_405_error_envelope(server):
    with server.http("ams") as client:
        response = client.delete("/1.0/version")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == ams_error(405, "method DELETE not allowed for /1.0/version")


def test_coordinator_v1_status_on_a_fresh_data_directory(server):
    with server.http("coordinator") as client:
        response = client.get("/status")
    assert response.status_code == 200
    message = "Coordinator is ready to accept a manifest."
    assert response.json() == {
        "status": "success",
        "data": {"statusCode": 2, "statusMessage": message, "StatusCode": 2, "StatusMessage": message},
    }


def test_coordinator_v2_status_on_a_fresh_data_directory(server):
    with server.http("coordinator") as client:
        response = client.get("/api/v2/status")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"status": 2, "code": 2, "message": "Coordinator is ready to accept a manifest."},
    }


def test_coordinator_serves_the_chain_up_to_its_root(server):
    # The client trusts only the root CA: verification succeeds through the intermediate.
    with server.http("coordinator") as client:
        assert client.get("/status").status_code == 200


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/api/v2/nothing", {"status": "error", "data": None, "message": "not found"}),
        ("/nothing", {"status": "error", "data": None, "message": "not found"}),
    ],
)
def test_coordinator_unknown_path_is_a_404_jsend_error(server, path, expected):
    with server.http("coordinator") as client:
        response = client.get(path)
    assert response.status_code == 404
    assert response.json() == expected


@pytest.mark.parametrize("path", ["/status", "/api/v2/status"])
def test_coordinator_wrong_method_is_a_405_jsend_error(server, path):
    with server.http("coordinator") as client:
        response = client.put(path)
    assert response.status_code == 405
    assert response.json() == {
        "status": "error", "data": None, "message": f"method PUT not allowed for {path}",
    }


def test_store_without_a_macaroon_answers_401_in_the_store_format(server):
    with server.http("confdb") as client:
        response = client.get("/api/v2/confdb-schemas")
    assert response.status_code == 401
    assert response.json() == {
        "error_list": [{"code": "macaroon-permission-required", "message": "authentication required"}]
    }


def test_store_with_an_unverifiable_macaroon_answers_401(server):
    with server.http("confdb") as client:
        response = client.get("/api/v2/confdb-schemas/", headers={"Authorization": "Macaroon bogus"})
    assert response.status_code == 401
    assert response.json()["error_list"][0]["code"] == "macaroon-invalid"


def test_store_unknown_path_is_a_404_error_list(server):
    with server.http("confdb") as client:
        response = client.get("/api/v2/nothing")
    assert response.status_code == 404
    assert response.json() == {"error_list": [{"code": "resource-not-found", "message": "not found"}]}


def test_plain_http_on_a_tls_listener_is_refused(server):
    # Hung up on at once; a timeout would mean the listener hangs, which is no refusal.
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"http://127.0.0.1:{server.ports['ams']}/1.0", timeout=30)


@pytest.mark.parametrize("request_head", [
    b"GET /1.0 HTTP/1.1\r\nHost: x\r\nIf-Match: \x01\x01\r\n\r\n",
    b"GET /1.0?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
])
def test_unparseable_http_is_a_400_and_one_log_line(fresh_server, request_head):
    with socket.create_connection(("127.0.0.1", fresh_server.ports["ams"]), timeout=10) as raw:
        with fresh_server.ssl_context("ams").wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(request_head)
            status_line = tls.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.endswith(b" 400 Bad Request")  # plain text, as Go's servers answer too
    assert fresh_server.log().count("malformed HTTP request answered 400") == 1
    assert "Traceback" not in fresh_server.log()
