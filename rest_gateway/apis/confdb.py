"""Confdb Schemas routes (spec/confdb-schemas-api.rst). Store administration has no route here:
it is a gRPC service for operators only."""

from __future__ import annotations

from aiohttp import web
from google.protobuf import json_format
from google.protobuf.message import Message
from switchyard.confdb.v1 import store_pb2

from rest_gateway.core_client import service
from rest_gateway.envelopes import store as envelope
from rest_gateway.router import Reply, Route
from rest_gateway.translate import to_json

CONFDB = service(store_pb2.DESCRIPTOR, "ConfdbSchemas")


def ok(status: int = 200) -> Reply:
    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        return envelope.ok(to_json(message), status)

    return reply


def built_headers(message: Message, request: web.Request) -> web.StreamResponse:
    # snapcraft reads build-assertion's answer as a flat object of headers, not a list.
    return envelope.ok(json_format.MessageToDict(message.headers))


def route(method: str, path: str, rpc, reply: Reply, **options) -> Route:
    return Route(method, path, rpc, reply, envelope.ENVELOPE, **options)


ROUTES = [
    route("GET", "/api/v2/confdb-schemas", CONFDB.ListConfdbSchemas, ok()),
    route("GET", "/api/v2/confdb-schemas/{name}", CONFDB.ListConfdbSchemas, ok()),
    route("POST", "/api/v2/confdb-schemas/build-assertion", CONFDB.BuildAssertion, built_headers, body="request"),
    route(
        "POST", "/api/v2/confdb-schemas", CONFDB.UploadAssertion, ok(201),
        raw_body="assertion", headers={"Content-Type": "content_type"},
    ),
    # The document lists POST on a schema's own path too: the same upload, name checked.
    route(
        "POST", "/api/v2/confdb-schemas/{name}", CONFDB.UploadAssertion, ok(201),
        raw_body="assertion", headers={"Content-Type": "content_type"},
    ),
]


def envelope_for_path(path: str):
    return envelope.ENVELOPE
