"""The gateway's channel to the core, and RPCs named by their proto descriptors."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import Message

# Calls that carry no upload or long wait still end: the gateway never hangs on the core.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Rpc:
    path: str
    request_type: type[Message]
    response_type: type[Message]


def service(file: FileDescriptor, name: str) -> SimpleNamespace:
    """The RPCs of one proto service, as attributes named after its methods."""
    descriptor = file.services_by_name[name]
    return SimpleNamespace(**{
        method.name: Rpc(
            f"/{descriptor.full_name}/{method.name}",
            message_factory.GetMessageClass(method.input_type),
            message_factory.GetMessageClass(method.output_type),
        )
        for method in descriptor.methods
    })


Metadata = tuple[tuple[str, str | bytes], ...]


class CoreClient:
    def __init__(self, target: str) -> None:
        # A fixed flow-control window: a stream whose websocket stops reading stalls after a
        # bounded number of bytes instead of the window growing to absorb it.
        self.channel = grpc.aio.insecure_channel(target, options=[("grpc.http2.bdp_probe", 0)])
        self._callables: dict[tuple[str, str], object] = {}

    def _callable(self, kind: str, rpc: Rpc):
        """The channel's multi-callable of `kind` (unary_unary, unary_stream…) for `rpc`, made once."""
        key = (kind, rpc.path)
        if key not in self._callables:
            self._callables[key] = getattr(self.channel, kind)(
                rpc.path,
                request_serializer=rpc.request_type.SerializeToString,
                response_deserializer=rpc.response_type.FromString,
            )
        return self._callables[key]

    async def unary(
        self, rpc: Rpc, request: Message, metadata: Metadata, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Message:
        return await self._callable("unary_unary", rpc)(request, metadata=metadata, timeout=timeout)

    def server_stream(self, rpc: Rpc, request: Message, metadata: Metadata) -> grpc.aio.UnaryStreamCall:
        """A server-streaming call with no deadline: it lasts as long as its subscriber."""
        return self._callable("unary_stream", rpc)(request, metadata=metadata)

    def client_stream(self, rpc: Rpc, metadata: Metadata) -> grpc.aio.StreamUnaryCall:
        """A client-streaming call (an upload) fed with `write()`: as long as the client sends."""
        return self._callable("stream_unary", rpc)(metadata=metadata)

    def duplex(self, rpc: Rpc, metadata: Metadata) -> grpc.aio.StreamStreamCall:
        """A bidirectional call with no deadline: it lasts as long as the connection it bridges."""
        return self._callable("stream_stream", rpc)(metadata=metadata)

    async def close(self) -> None:
        await self.channel.close()
