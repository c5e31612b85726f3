"""Coordinator client API routes, v1 and v2 (spec/coordinator-client-api.md).

Both versions call the same RPCs; they differ only in keys, body encodings (v1 takes raw JSON or
raw bytes, v2 base64 inside JSON) and envelope rules. Where MarbleRun's own key differs from the
document's by more than letter case (Go clients decode keys case-insensitively), both are
written; docs/coordinator.md lists each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from google.protobuf.message import Message
from switchyard.coordinator.v1 import client_api_pb2

from rest_gateway.core_client import service
from rest_gateway.envelopes import jsend
from rest_gateway.router import Reply, Route
from rest_gateway.status import Failure
from rest_gateway.translate import go_json_keys, to_json

COORDINATOR = service(client_api_pb2.DESCRIPTOR, "ClientApi")


def success(view: Mapping[str, str]) -> Reply:
    """A JSend success whose data maps each output key to a field of the reply."""

    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        values = to_json(message)
        return jsend.success({key: values[field] for key, field in view.items()})

    return reply


def shaped(build: Callable[[dict[str, Any]], Any]) -> Reply:
    """A JSend success whose data is built from the reply's JSON values."""

    def reply(message: Message, request: web.Request) -> web.StreamResponse:
        return jsend.success(build(to_json(message)))

    return reply


def no_data(message: Message, request: web.Request) -> web.StreamResponse:
    return jsend.success(None)


def manifest_v2(message: Message, request: web.Request) -> web.StreamResponse:
    if not message.HasField("manifest"):
        # MarbleRun's v2 answers a GET before any manifest with this error.
        return jsend.V2.failure(Failure(500, "requested value not set"))
    values = to_json(message)
    return jsend.success({k: values[k] for k in ("manifestSignatureRootECDSA", "manifestFingerprint", "manifest")})


def manifest_v1(values: dict[str, Any]) -> dict[str, Any]:
    if values["manifest"] is None:
        return {"manifestSignatureRootECDSA": None, "manifestSignature": "", "manifest": None}
    return {"manifestSignatureRootECDSA": values["manifestSignatureRootECDSA"],
            "manifestSignature": values["manifestFingerprint"], "manifest": values["manifest"]}


def recovery_secrets_v1(values: dict[str, Any]) -> dict[str, Any] | None:
    # MarbleRun's v1 answers null when there are no recovery keys.
    secrets = values["recoveryKeys"]
    return {"recoveryKeys": secrets, "RecoverySecrets": secrets} if secrets else None


def recovery_secrets_v2(values: dict[str, Any]) -> dict[str, Any]:
    # The document's key only when there are recovery keys; MarbleRun's always (maybe empty).
    secrets = values["recoveryKeys"]
    return {"recoveryKeys": secrets, "RecoverySecrets": secrets} if secrets else {"RecoverySecrets": {}}


def update_v2(values: dict[str, Any]) -> dict[str, Any]:
    data = {"missingAcknowledgments": values["missingAcknowledgments"],
            "missingUsers": values["missingUsers"] or None}
    if values["recoverySecrets"]:
        data["recoverySecrets"] = values["recoverySecrets"]
    return data


def acknowledge_v2(values: dict[str, Any]) -> dict[str, Any]:
    data = {"message": values["message"], "missingUsers": values["missingUsers"],
            "missingAcknowledgments": values["missingAcknowledgments"]}
    if values["recoverySecrets"]:
        data["recoverySecrets"] = values["recoverySecrets"]
    return data


def v1(method: str, path: str, rpc, reply: Reply, **options) -> Route:
    return Route(method, path, rpc, reply, jsend.V1, **options)


def v2(method: str, path: str, rpc, reply: Reply, **options) -> Route:
    return Route(method, "/api/v2" + path, rpc, reply, jsend.V2, **options)


# v2 bodies are JSON objects whose keys Go matches in any casing.
JSON = {"body": "*", "keys": go_json_keys}
QUOTE = {"cert": "cert", "quote": "quote", "simulation": "simulation"}
PENDING = {"manifest": "manifest", "missingUsers": "missingUsers", "message": "message"}

ROUTES = [
    # Document: statusCode/statusMessage; MarbleRun's Go types: StatusCode/StatusMessage.
    v1("GET", "/status", COORDINATOR.GetStatus, success({
        "statusCode": "code", "statusMessage": "message",
        "StatusCode": "code", "StatusMessage": "message",
    })),
    # Document: status/message; MarbleRun: code/message.
    v2("GET", "/status", COORDINATOR.GetStatus, success({
        "status": "code", "code": "code", "message": "message",
    })),
    v1("GET", "/manifest", COORDINATOR.GetManifest, shaped(manifest_v1)),
    v2("GET", "/manifest", COORDINATOR.GetManifest, manifest_v2),
    # v1 signs and stores the body exactly as sent.
    v1("POST", "/manifest", COORDINATOR.SetManifest, shaped(recovery_secrets_v1), raw_body="manifest"),
    v2("POST", "/manifest", COORDINATOR.SetManifest, shaped(recovery_secrets_v2), **JSON),
    v1("GET", "/secrets", COORDINATOR.GetSecrets, shaped(lambda v: v["secrets"])),
    v2("GET", "/secrets", COORDINATOR.GetSecrets, success({"secrets": "secrets"})),
    v1("POST", "/secrets", COORDINATOR.SetSecrets, no_data, body="secrets"),
    v2("POST", "/secrets", COORDINATOR.SetSecrets, no_data, **JSON),
    v1("POST", "/recover", COORDINATOR.RecoverLegacy, no_data, raw_body="recoverySecret",
       statuses={"ENDPOINT_GONE": 410}),
    v2("POST", "/recover", COORDINATOR.Recover, success({"remaining": "remaining", "message": "message"}), **JSON),
    v2("GET", "/recover/public-key", COORDINATOR.GetRecoveryPublicKey,
       success({"algorithm": "algorithm", "ephemeralPublicKey": "ephemeralPublicKey"})),
    v1("POST", "/update", COORDINATOR.Update, no_data, raw_body="manifest"),
    v2("POST", "/update", COORDINATOR.Update, shaped(update_v2), **JSON),
    v1("GET", "/update", COORDINATOR.GetUpdateLog, shaped(lambda v: "".join(f"{line}\n" for line in v["updateLog"]))),
    v2("GET", "/update", COORDINATOR.GetUpdateLog, success({"updateLog": "updateLog"})),
    v1("POST", "/update-manifest", COORDINATOR.AcknowledgeUpdate, success({"message": "summary"}),
       raw_body="manifest"),
    v2("POST", "/update-manifest", COORDINATOR.AcknowledgeUpdate, shaped(acknowledge_v2), **JSON),
    v1("GET", "/update-manifest", COORDINATOR.GetPendingUpdate, success(PENDING)),
    v2("GET", "/update-manifest", COORDINATOR.GetPendingUpdate, success(PENDING)),
    v1("POST", "/update-cancel", COORDINATOR.CancelUpdate, shaped(lambda v: v["message"])),
    v2("POST", "/update-cancel", COORDINATOR.CancelUpdate, success({"message": "message"})),
    v1("GET", "/quote", COORDINATOR.GetQuote, success(QUOTE)),
    v2("GET", "/quote", COORDINATOR.GetQuote, success(QUOTE)),
    # Document: signature; MarbleRun: verificationSignature.
    v2("POST", "/sign-quote", COORDINATOR.SignQuote, success({
        "signature": "signature", "verificationSignature": "signature", "tcbStatus": "tcbStatus",
        "simulation": "simulation",
    }), **JSON),
]


def envelope_for_path(path: str):
    return jsend.V2 if path.startswith("/api/v2") else jsend.V1
