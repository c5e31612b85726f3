"""gRPC face of the confdb-schema store: the publisher API and the operators' admin API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import grpc
from google.protobuf import json_format
from switchyard.confdb.v1 import store_pb2 as pb
from switchyard.confdb.v1 import store_pb2_grpc as pb_grpc

from core.confdb import admin, repository
from core.confdb.assertion import Assertion
from core.confdb.build import build_assertion, validate_request
from core.confdb.keys import AccountKey
from core.confdb.listing import list_item
from core.confdb.macaroons import authenticate
from core.confdb.problems import invalid
from core.confdb.upload import check_media_type, check_upload
from core.context import CoreContext
from core.errors import PermissionDenied
from core.identity import current_caller
from core.storage import Database


def _now() -> datetime:
    return datetime.now(timezone.utc)


class RootKey:
    """The macaroon root key, read from the data directory once (created on first need)."""

    def __init__(self, ctx: CoreContext) -> None:
        self._data_dir = ctx.config.data_dir
        self._key: bytes | None = None

    async def get(self) -> bytes:
        if self._key is None:
            self._key = await asyncio.to_thread(admin.load_root_key, self._data_dir)
        return self._key


class ConfdbSchemasServicer(pb_grpc.ConfdbSchemasServicer):
    def __init__(self, ctx: CoreContext, root_key: RootKey) -> None:
        self._db = ctx.db
        self._root_key = root_key

    async def _account(self) -> str:
        """The account the caller's macaroon proves; every store call starts here."""
        authorization = current_caller().authorization
        return authenticate(authorization, await self._root_key.get(), now=_now())

    async def ListConfdbSchemas(self, request: pb.ListConfdbSchemasRequest, context) -> pb.ConfdbSchemaList:
        account = await self._account()
        name = request.name if request.HasField("name") else None
        stored = await self._db.read(lambda db: repository.latest_schemas(db, account, name))
        return _schema_list(stored)

    async def BuildAssertion(self, request: pb.BuildAssertionRequest, context) -> pb.BuildAssertionResponse:
        account = await self._account()
        document = json_format.MessageToDict(request.request)
        validate_request(document)
        # Looked up under the caller's account only: a foreign account-id is refused below
        # without revealing anything about that account's schemas.
        latest = await self._db.read(lambda db: repository.latest_revision(db, account, document["name"]))
        headers = build_assertion(document, caller=account, latest_revision=latest, now=_now())
        reply = pb.BuildAssertionResponse()
        reply.headers.update(headers)
        return reply

    async def UploadAssertion(self, request: pb.UploadAssertionRequest, context) -> pb.ConfdbSchemaList:
        account = await self._account()
        check_media_type(request.content_type)
        schema = await asyncio.to_thread(_checked_upload, self._db, request.assertion, account)
        if request.name and schema.text("name") != request.name:
            raise invalid(f"name header {schema.text('name')!r} does not match {request.name!r} in the URL",
                          field="name", reason="name-mismatch")
        stored = await self._db.write(lambda db: repository.store_schema(db, schema))
        return _schema_list([stored])


def _checked_upload(db: Database, raw: bytes, account: str) -> Assertion:
    # Decoding and the RSA check run off the event loop; lookups hop onto the database thread.
    return check_upload(
        raw,
        caller=account,
        find_key=lambda key_id: db.run_sync(lambda conn: repository.find_key(conn, key_id)),
        latest_revision=lambda name: db.run_sync(lambda conn: repository.latest_revision(conn, account, name)),
        now=_now(),
    )


def _schema_list(stored: list[bytes]) -> pb.ConfdbSchemaList:
    reply = pb.ConfdbSchemaList()
    for raw in stored:
        item = list_item(raw)
        entry = reply.assertions.add(body=item["body"])
        entry.headers.update(item["headers"])
    return reply


class ConfdbAdminServicer(pb_grpc.ConfdbAdminServicer):
    """Operators only: direct gRPC clients with our client certificates, never a REST caller."""

    def __init__(self, ctx: CoreContext, root_key: RootKey) -> None:
        self._db = ctx.db
        self._root_key = root_key

    async def CreateAccount(self, request: pb.CreateAccountRequest, context) -> pb.Account:
        _require_operator()
        await self._db.write(lambda db: repository.create_account(db, request.id, request.email))
        return pb.Account(id=request.id, email=request.email)

    async def RegisterKey(self, request: pb.RegisterKeyRequest, context) -> pb.AccountKey:
        _require_operator()
        name = request.name if request.HasField("name") else None
        key = await self._db.write(
            lambda db: admin.register_account_key(db, request.account_id, request.key, name=name, now=_now())
        )
        return account_key_message(key)

    async def IssueMacaroon(self, request: pb.IssueMacaroonRequest, context) -> pb.Credential:
        _require_operator()
        expires = admin.expiry(request.expires if request.HasField("expires") else None, _now())
        root_key = await self._root_key.get()
        credential = await self._db.read(
            lambda db: admin.issue_credential(db, root_key, request.account_id, expires)
        )
        return pb.Credential(
            authorization=credential.authorization(), root=credential.root, expires=admin.utc_text(expires)
        )


def account_key_message(key: AccountKey) -> pb.AccountKey:
    message = pb.AccountKey(
        account_id=key.account_id, name=key.name, sign_key_sha3_384=key.key_id, since=admin.utc_text(key.since)
    )
    if key.until is not None:
        message.until = admin.utc_text(key.until)
    return message


def _require_operator() -> None:
    caller = current_caller()
    if not caller.is_operator:
        raise PermissionDenied(
            f"store administration is for operators, not the {caller.listener} listener", reason="operator-only"
        )


def register(server: grpc.aio.Server, ctx: CoreContext) -> list[str]:
    root_key = RootKey(ctx)
    pb_grpc.add_ConfdbSchemasServicer_to_server(ConfdbSchemasServicer(ctx, root_key), server)
    pb_grpc.add_ConfdbAdminServicer_to_server(ConfdbAdminServicer(ctx, root_key), server)
    return [pb.DESCRIPTOR.services_by_name[name].full_name for name in ("ConfdbSchemas", "ConfdbAdmin")]

