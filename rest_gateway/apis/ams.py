"""AMS routes (spec/ams-rest-api.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from google.protobuf.message import Message
from switchyard.ams.v1 import addons_pb2, applications_pb2, certificates_pb2, config_pb2, images_pb2, nodes_pb2, service_pb2, tasks_pb2
from switchyard.ams.v1 import containers_pb2
from switchyard.operations.v1 import operations_pb2

from rest_gateway.core_client import service
from rest_gateway.downloads import download
from rest_gateway.envelopes import ams as envelope
from rest_gateway.metrics import exposition
from rest_gateway.router import Reply, Route
from rest_gateway.translate import to_json
from rest_gateway.websocket import duplex_websocket_bridge, websocket_bridge

AMS = service(service_pb2.DESCRIPTOR, "Ams")
OPERATIONS = service(operations_pb2.DESCRIPTOR, "Operations")
CERTIFICATES = service(certificates_pb2.DESCRIPTOR, "Certificates")
CONFIG = service(config_pb2.DESCRIPTOR, "Config")
NODES = service(nodes_pb2.DESCRIPTOR, "Nodes")
TASKS = service(tasks_pb2.DESCRIPTOR, "Tasks")
IMAGES = service(images_pb2.DESCRIPTOR, "Images")
ADDONS = service(addons_pb2.DESCRIPTOR, "Addons")
APPLICATIONS = service(applications_pb2.DESCRIPTOR, "Applications")
CONTAINERS = service(containers_pb2.DESCRIPTOR, "Containers")

# Fields of a resource message that travel as headers, never in the body.
HEADER_FIELDS = {"etag": "ETag"}


def resource_json(message: Message) -> dict[str, Any]:
    body = to_json(message)
    for name in HEADER_FIELDS:
        body.pop(name, None)
    return body


def sync(field: str | None = None, status: int = 200) -> Reply:
    """A sync answer whose metadata is the reply, or one field of it."""

    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        body = to_json(message)
        return envelope.sync(body[field] if field else body, status)

    return reply


def resource(message: Message, request: web.Request) -> web.StreamResponse:
    """One resource, with its ETag as a header."""
    headers = {header: getattr(message, name) for name, header in HEADER_FIELDS.items()
               if name in message.DESCRIPTOR.fields_by_name and getattr(message, name)}
    return envelope.sync(resource_json(message), headers=headers)


def collection(field: str, url: str, key: str, objects_when: tuple[str, ...] = ()) -> Reply:
    """A collection: member URLs, or the objects themselves with recursion=1 (or when one of
    `objects_when` is in the query: the SDK reads `?default=true` images as objects)."""

    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        items = getattr(message, field)
        if request.query.get("recursion") == "1" or any(name in request.query for name in objects_when):
            return envelope.sync([resource_json(item) for item in items])
        return envelope.sync([url.format(getattr(item, key)) for item in items])

    return reply


def empty(status: int = 200) -> Reply:
    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        return envelope.sync({}, status)

    return reply


def created(url: str, key: str) -> Reply:
    """201 with the new resource's Location and null metadata (LXD's SyncResponseLocation)."""

    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        return envelope.sync(None, 201, {"Location": url.format(getattr(message, key))})

    return reply


def background(message: operations_pb2.Operation, request: web.Request) -> web.StreamResponse:
    return envelope.async_operation(to_json(message))


def operations_by_status(message: operations_pb2.OperationList, request: web.Request) -> web.StreamResponse:
    """LXD's shape: {"<lower-case status>": [URL…]}, or the objects with recursion=1."""
    objects = request.query.get("recursion") == "1"
    grouped: dict[str, list[Any]] = {}
    for operation in message.operations:
        item = to_json(operation) if objects else f"/1.0/operations/{operation.id}"
        grouped.setdefault(operation.status.lower(), []).append(item)
    return envelope.sync(grouped)


def metrics_text(message: service_pb2.MetricsText, request: web.Request) -> web.StreamResponse:
    """Prometheus text: the core's figures, then the gateway's own."""
    body = message.text.encode() + exposition()
    return web.Response(body=body, content_type="text/plain", charset="utf-8",
                        headers={"X-Prometheus-Format": "0.0.4"})


def event_frame(event: operations_pb2.Event) -> dict[str, Any]:
    payload = event.WhichOneof("metadata")
    metadata = to_json(getattr(event, payload)) if payload else None
    return envelope.event(event.type, event.timestamp.ToJsonString(), metadata)


def socket_frame_out(message: operations_pb2.SocketFrame) -> str | bytes | None:
    part = message.WhichOneof("part")
    return getattr(message, part) if part in ("text", "binary") else None


def socket_frame_in(data: str | bytes) -> operations_pb2.SocketFrame:
    return operations_pb2.SocketFrame(text=data) if isinstance(data, str) else operations_pb2.SocketFrame(binary=data)










def container_log_urls(message: containers_pb2.ContainerLogList, request: web.Request) -> web.StreamResponse:
    return envelope.sync([f"/1.0/containers/{message.id}/logs/{name}" for name in message.names])


def raw_log(message: containers_pb2.ContainerLog, request: web.Request) -> web.StreamResponse:
    """The log as it is stored: raw text on success (errors keep the envelope)."""
    return web.Response(body=message.content, headers={"Content-Type": message.content_type})








def route(method: str, path: str, rpc, reply: Reply | None = None, **options) -> Route:
    return Route(method, path, rpc, reply or sync(), envelope.ENVELOPE, **options)


IF_MATCH = {"If-Match": "if_match"}
UPLOAD_HEADERS = {"X-AMS-Request": "request", "X-AMS-Fingerprint": "fingerprint", "Content-Length": "declared_size",
                  "If-Match": "if_match"}

ROUTES = [
    route("GET", "/", AMS.ListApiVersions, sync("urls")),
    route("GET", "/1.0", AMS.GetServiceInfo),
    route("GET", "/1.0/version", AMS.GetVersion),
    route("GET", "/1.0/events", OPERATIONS.WatchEvents, bridge=websocket_bridge(event_frame)),
    route("GET", "/1.0/operations", OPERATIONS.ListOperations, operations_by_status),
    route("GET", "/1.0/operations/{id}", OPERATIONS.GetOperation),
    # The document: "HTTP code for this should be 202 (Accepted)", with a sync body.
    route("DELETE", "/1.0/operations/{id}", OPERATIONS.CancelOperation, empty(202)),
    route("GET", "/1.0/operations/{id}/wait", OPERATIONS.WaitOperation, timeout=None),
    route("GET", "/1.0/operations/{id}/websocket", OPERATIONS.ConnectOperation, duplex=True,
          bridge=duplex_websocket_bridge(socket_frame_out, socket_frame_in)),
    route("GET", "/1.0/certificates", CERTIFICATES.ListCertificates,
          collection("certificates", "/1.0/certificates/{}", "fingerprint")),
    route("POST", "/1.0/certificates", CERTIFICATES.AddCertificate,
          created("/1.0/certificates/{}", "fingerprint"), body="*"),
    route("GET", "/1.0/certificates/{fingerprint}", CERTIFICATES.GetCertificate, resource),
    route("DELETE", "/1.0/certificates/{fingerprint}", CERTIFICATES.DeleteCertificate, background),
    route("GET", "/1.0/config", CONFIG.GetConfig),
    route("PATCH", "/1.0/config", CONFIG.SetConfig, background, body="*"),
    route("GET", "/1.0/nodes", NODES.ListNodes, collection("nodes", "/1.0/nodes/{}", "name")),
    route("POST", "/1.0/nodes", NODES.AddNode, background, body="*"),
    route("GET", "/1.0/nodes/{name}", NODES.GetNode, resource),
    route("PATCH", "/1.0/nodes/{name}", NODES.UpdateNode, background, body="*", headers=IF_MATCH),
    route("DELETE", "/1.0/nodes/{name}", NODES.DeleteNode, background, body="*", optional_body=True),
    route("GET", "/1.0/tasks", TASKS.ListTasks, sync("tasks")),
    route("GET", "/1.0/metrics", AMS.GetMetrics, metrics_text),
    route("GET", "/1.0/images", IMAGES.ListImages, collection("images", "/1.0/images/{}", "id", ("default",))),
    route("POST", "/1.0/images", IMAGES.CreateImage, background, upload=True, headers=UPLOAD_HEADERS),
    route("GET", "/1.0/images/{id}", IMAGES.GetImage, resource),
    route("PATCH", "/1.0/images/{id}", IMAGES.AddImageVersion, background, upload=True, headers=UPLOAD_HEADERS),
    route("PATCH", "/1.0/images/{id}", IMAGES.UpdateImage, background, body="*", headers=IF_MATCH),
    route("DELETE", "/1.0/images/{id}", IMAGES.DeleteImage, background, body="*", optional_body=True),
    route("DELETE", "/1.0/images/{id}/{version}", IMAGES.DeleteImageVersion, background),
    route("GET", "/1.0/addons", ADDONS.ListAddons, collection("addons", "/1.0/addons/{}", "name")),
    route("POST", "/1.0/addons", ADDONS.CreateAddon, background, upload=True, headers=UPLOAD_HEADERS),
    route("GET", "/1.0/addons/{name}", ADDONS.GetAddon, resource),
    route("PATCH", "/1.0/addons/{id}", ADDONS.AddAddonVersion, background, upload=True, headers=UPLOAD_HEADERS),
    route("DELETE", "/1.0/addons/{name}", ADDONS.DeleteAddon, background, body="*", optional_body=True),
    route("DELETE", "/1.0/addons/{name}/{version}", ADDONS.DeleteAddonVersion, background),
    route("GET", "/1.0/containers", CONTAINERS.ListContainers, collection("containers", "/1.0/containers/{}", "id")),
    route("POST", "/1.0/containers", CONTAINERS.LaunchContainer, background, body="*"),
    route("DELETE", "/1.0/containers", CONTAINERS.DeleteContainers, background, body="*"),
    route("GET", "/1.0/containers/{id}", CONTAINERS.GetContainer, resource),
    route("PATCH", "/1.0/containers/{id}", CONTAINERS.UpdateContainer, background, body="*"),
    route("DELETE", "/1.0/containers/{id}", CONTAINERS.DeleteContainer, background, body="*",
          optional_body=True),
    route("GET", "/1.0/containers/{id}/logs", CONTAINERS.ListContainerLogs, container_log_urls),
    route("GET", "/1.0/containers/{id}/logs/{name}", CONTAINERS.GetContainerLog, raw_log),
    route("POST", "/1.0/containers/{id}/exec", CONTAINERS.ExecContainer, background, body="*"),
]


# Applications (their own block, so that other route groups can grow the table above).
ROUTES += [
    route("GET", "/1.0/applications", APPLICATIONS.ListApplications, collection("applications", "/1.0/applications/{}", "id")),
    route("POST", "/1.0/applications", APPLICATIONS.CreateApplication, background, upload=True,
          headers=UPLOAD_HEADERS),
    route("DELETE", "/1.0/applications", APPLICATIONS.DeleteApplications, background, body="*"),
    route("GET", "/1.0/applications/{id}", APPLICATIONS.GetApplication, resource),
    route("PATCH", "/1.0/applications/{id}", APPLICATIONS.AddApplicationVersion, background, upload=True,
          headers=UPLOAD_HEADERS),
    # An empty body asks for a rebuild (`amc application update`), so it binds as {}.
    route("PATCH", "/1.0/applications/{id}", APPLICATIONS.UpdateApplication, background, body="fields",
          optional_body=True, headers=IF_MATCH),
    route("DELETE", "/1.0/applications/{id}", APPLICATIONS.DeleteApplication, background, body="*",
          optional_body=True),
    # Before /{version}: "manifest" would match that segment too; the first match wins.
    route("GET", "/1.0/applications/{id}/manifest", APPLICATIONS.DownloadManifest, bridge=download),
    route("GET", "/1.0/applications/{id}/{version}/manifest", APPLICATIONS.DownloadManifest, bridge=download),
    route("GET", "/1.0/applications/{id}/{version}", APPLICATIONS.ExportApplicationVersion, bridge=download),
    route("PATCH", "/1.0/applications/{id}/{version}", APPLICATIONS.UpdateApplicationVersion, background,
          body="*"),
    route("DELETE", "/1.0/applications/{id}/{version}", APPLICATIONS.DeleteApplicationVersion, background,
          body="*", optional_body=True),
]


def envelope_for_path(path: str):
    return envelope.ENVELOPE
