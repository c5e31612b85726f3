"""Service metrics in the Prometheus text format.

Call counts and latencies are kept per RPC as calls happen; domain figures (nodes, containers,
operations by status) are read from the database at scrape time, so they are never stale.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import Metric

RPC_REGISTRY = CollectorRegistry()
RPC_CALLS = Counter(
    "switchyard_rpc_calls", "Core RPCs served, by method and status code", ["method", "code"],
    registry=RPC_REGISTRY,
)
RPC_SECONDS = Histogram(
    "switchyard_rpc_duration_seconds", "Time spent serving core RPCs, by method", ["method"],
    registry=RPC_REGISTRY,
)


def record_call(method: str, code: str, seconds: float) -> None:
    RPC_CALLS.labels(method, code).inc()
    RPC_SECONDS.labels(method).observe(seconds)


class _Snapshot:
    """A collector over metric families computed just now."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(families: Iterable[Metric]) -> bytes:
    """The RPC metrics followed by `families`, as one text exposition."""
    scrape = CollectorRegistry()
    scrape.register(_Snapshot(families))
    return generate_latest(RPC_REGISTRY) + generate_latest(scrape)
