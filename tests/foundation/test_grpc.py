"""The core over gRPC: mutual TLS on TCP, health, reflection, typed errors with reasons."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from switchyard.ams.v1 import service_pb2 as ams_pb2
from switchyard.ams.v1 import service_pb2_grpc as ams_grpc
from switchyard.ams.v1 import transfer_pb2
from switchyard.confdb.v1 import store_pb2, store_pb2_grpc
from switchyard.coordinator.v1 import client_api_pb2, client_api_pb2_grpc

from tests.conftest import make_client_certificate

DOMAIN_SERVICES = {
    "switchyard.ams.v1.Addons",
    "switchyard.ams.v1.Ams",
    "switchyard.ams.v1.Applications",
    "switchyard.ams.v1.Certificates",
    "switchyard.ams.v1.Config",
    "switchyard.ams.v1.Containers",
    "switchyard.ams.v1.Images",
    "switchyard.ams.v1.Nodes",
    "switchyard.ams.v1.Tasks",
    "switchyard.attestation.v1.Attestation",
    "switchyard.coordinator.v1.ClientApi",
    "switchyard.confdb.v1.ConfdbAdmin",
    "switchyard.confdb.v1.ConfdbSchemas",
    "switchyard.operations.v1.Operations",
}


def test_reflection_lists_every_service(server):
    with server.grpc_channel() as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {s.name for s in next(replies).list_services_response.service}
    assert names == DOMAIN_SERVICES | {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


@pytest.mark.parametrize("service", ["", *sorted(DOMAIN_SERVICES)])
def test_health_reports_serving(server, service):
    with server.grpc_channel() as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_marble_listener_answers_health_to_any_client_certificate(server, tmp_path):
    cert, key = make_client_certificate(tmp_path, "anyone")
    credentials = grpc.ssl_channel_credentials(
        (server.tls_dir / "coordinator-root.crt").read_bytes(), key.read_bytes(), cert.read_bytes()
    )
    with grpc.secure_channel(f"localhost:{server.ports['marble']}", credentials) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_direct_grpc_clients_are_known_by_their_certificate(server):
    with server.grpc_channel() as channel:
        info = ams_grpc.AmsStub(channel).GetServiceInfo(ams_pb2.GetServiceInfoRequest())
    assert info.auth == "trusted"


def test_tcp_clients_without_a_client_certificate_are_refused(server):
    credentials = grpc.ssl_channel_credentials((server.tls_dir / "grpc-server.crt").read_bytes())
    with grpc.secure_channel(f"localhost:{server.ports['grpc']}", credentials) as channel:
        with pytest.raises(grpc.RpcError) as raised:
            ams_grpc.AmsStub(channel).GetVersion(ams_pb2.GetVersionRequest(), timeout=30)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    details = dict(error.trailing_metadata())["grpc-status-details-bin"]
    info = error_details_pb2.ErrorInfo()
    assert status_pb2.Status.FromString(details).details[0].Unpack(info)
    return info


def test_coordinator_status_over_grpc(server):
    with server.grpc_channel() as channel:
        status = client_api_pb2_grpc.ClientApiStub(channel).GetStatus(client_api_pb2.GetStatusRequest())
    assert (status.code, status.message) == (2, "Coordinator is ready to accept a manifest.")


def test_domain_errors_carry_a_machine_readable_reason(server):
    with server.grpc_channel() as channel:
        stub = store_pb2_grpc.ConfdbSchemasStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListConfdbSchemas(store_pb2.ListConfdbSchemasRequest())
    error = raised.value
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    info = error_info(error)
    assert (info.reason, info.domain) == ("macaroon-missing", "switchyard")
    assert info.metadata["code"] == "macaroon-permission-required"


@pytest.mark.parametrize("method, kind", [
    ("/switchyard.ams.v1.Nodes/GetNode", "unary"),
    ("/switchyard.ams.v1.Addons/CreateAddon", "client-streaming"),
    ("/switchyard.operations.v1.Operations/WatchEvents", "server-streaming"),
    ("/switchyard.operations.v1.Operations/ConnectOperation", "bidirectional"),
])
def test_a_message_that_is_not_protobuf_is_invalid_argument(fresh_server, method, kind):
    garbage = b"\xff\xff\xff"
    with fresh_server.core_socket_channel() as channel:
        call = {
            "unary": lambda: channel.unary_unary(method)(garbage, timeout=10),
            "client-streaming": lambda: channel.stream_unary(method)(iter([garbage, garbage]), timeout=10),
            "server-streaming": lambda: list(channel.unary_stream(method)(garbage, timeout=10)),
            "bidirectional": lambda: list(channel.stream_stream(method)(iter([garbage]), timeout=10)),
        }[kind]
        with pytest.raises(grpc.RpcError) as raised:
            call()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith("malformed request message: Error parsing message")
    assert error_info(raised.value).reason == "MALFORMED_MESSAGE"
    assert "Traceback" not in fresh_server.log()


def test_a_refused_stream_is_read_for_a_bounded_time_only(fresh_server):
    # The refusal waits for the client to finish sending, but not for ever.
    def endless() -> Iterator[bytes]:
        while True:
            yield transfer_pb2.UploadRequest(data=b"x" * 1024).SerializeToString()
            time.sleep(0.01)

    started = time.monotonic()
    with fresh_server.core_socket_channel() as channel:
        with pytest.raises(grpc.RpcError) as raised:
            channel.stream_unary("/switchyard.ams.v1.Addons/CreateAddon")(endless(), timeout=60)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(raised.value).reason == "UPLOAD_WITHOUT_HEADER"
    assert 9 < time.monotonic() - started < 30
