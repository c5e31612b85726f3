"""What every servicer is built from: the shared machinery of one running core."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from core.config import Config
from core.operations.engine import OperationsEngine
from core.operations.events import EventHub
from core.pki import TlsMaterial
from core.storage import Database
from core.storage.blobs import BlobStore


@dataclass(frozen=True)
class CoreContext:
    config: Config
    db: Database
    tls: TlsMaterial
    events: EventHub
    operations: OperationsEngine
    blobs: BlobStore
    # A channel to this core's own services, for servicers that call another domain.
    internal: grpc.aio.Channel
