"""Receiving a streamed upload: its header first, then the body into the blob store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from switchyard.ams.v1 import transfer_pb2 as pb

from core.errors import InvalidArgument, ResourceExhausted
from core.storage.blobs import Blob, BlobStore


HeaderCheck = Callable[[pb.UploadHeader], Awaitable[None]]


async def receive_upload(
    requests: AsyncIterator[pb.UploadRequest], blobs: BlobStore, limit: int, before_body: HeaderCheck | None = None,
) -> tuple[pb.UploadHeader, Blob]:
    """The upload's header and its verified blob; nothing is kept if the upload fails.
    `before_body` may refuse the upload from its header alone (a stale If-Match…), before any
    of the body is stored."""
    first = await anext(requests, None)
    if first is None or first.WhichOneof("part") != "header":
        raise InvalidArgument("an upload starts with its header", reason="UPLOAD_WITHOUT_HEADER")
    header = first.header
    if before_body is not None:
        await before_body(header)
    if header.declared_size > limit:
        raise ResourceExhausted(f"upload of {header.declared_size} bytes exceeds the limit of {limit} bytes",
                                reason="PAYLOAD_TOO_LARGE")

    async def body() -> AsyncIterator[bytes]:
        async for request in requests:
            if request.WhichOneof("part") != "data":
                raise InvalidArgument("an upload has one header", reason="UPLOAD_WITH_TWO_HEADERS")
            yield request.data

    blob = await blobs.store(
        body(), expected_sha256=header.fingerprint, expected_size=header.declared_size, limit=limit
    )
    return header, blob


def request_details(header: pb.UploadHeader) -> dict[str, Any]:
    """The X-AMS-Request JSON; empty means no details (the SDK sends it empty for applications)."""
    if not header.request.strip():
        return {}
    try:
        details = json.loads(header.request)
    except (json.JSONDecodeError, RecursionError) as error:
        raise InvalidArgument(f"X-AMS-Request is malformed: {error}", reason="INVALID_REQUEST_HEADER") from None
    if not isinstance(details, dict):
        raise InvalidArgument("X-AMS-Request must be a JSON object", reason="INVALID_REQUEST_HEADER")
    return details
