"""The gateway's own figures: HTTP requests and their latency per API and route."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "switchyard_http_requests", "HTTP requests answered, by listener, route, method and status",
    ["listener", "route", "method", "status"], registry=REGISTRY,
)
SECONDS = Histogram(
    "switchyard_http_request_duration_seconds", "Time to answer HTTP requests, by listener and route",
    ["listener", "route"], registry=REGISTRY,
)
UNMATCHED = "unmatched"


def record_request(listener: str, route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(listener, route, method, str(status)).inc()
    SECONDS.labels(listener, route).observe(seconds)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
