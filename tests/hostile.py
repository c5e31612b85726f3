"""Hostile input for every route of an API: each request must be answered in the API's own
envelope (a 4xx error where it is refused), never with a 5xx, a hang or a traceback in the
server's log.

The requests come from the route table itself, so a route added later is covered too: its path
with a made-up parameter, a junk query string, bodies that are not JSON (cut off, too deep,
not UTF-8) and, field by field, a value of every wrong type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence

import httpx

from rest_gateway.router import Route

BODIES = [
    b"", b"{", b"[]", b"null", b'"text"', b"\xff\xfe", b'{"a": 1} trailing',
    b'{"x":' * 5000,  # cut off past the decoder's recursion limit
    b"[" * 5000 + b"]" * 5000,  # well-formed, as deep
]
WRONG_VALUES = [None, "x" * 5000, 2**70, -1, 1.5, True, [], {}, [[[]]], "-1"]
JUNK_QUERY = "?recursion=zz&limit=-5&offset=abc&version=x&force=maybe&timeout=nan&s="

EnvelopeCheck = Callable[[httpx.Response], bool]


def requests_for(route: Route) -> Iterator[tuple[str, str, bytes | None]]:
    """(method, path, body) for one route: the hostile requests described above."""
    path = re.sub(r"\{\w+\}", "x", route.path)
    yield route.method, path, None
    yield route.method, path + JUNK_QUERY, None
    if route.method == "GET":
        return
    for body in BODIES:
        yield route.method, path, body
    for name in _field_names(route):
        for value in WRONG_VALUES:
            document = {name: value} if route.body in (None, "*") else value
            yield route.method, path, json.dumps(document).encode()


def misanswered(client: httpx.Client, routes: Sequence[Route], in_envelope: EnvelopeCheck) -> list[str]:
    """Every request whose answer is a 5xx or not in the API's envelope."""
    found = []
    for route in routes:
        if route.bridge is not None or route.duplex:
            continue  # websockets and downloads: their own tests send them garbage
        for method, path, body in requests_for(route):
            response = client.request(method, path, content=body, timeout=30,
                                      headers={"Content-Type": "application/json"})
            if response.status_code >= 500 or not _answers(in_envelope, response):
                sent = "no body" if body is None else repr(body[:60])
                found.append(f"{method} {path} ({sent}): {response.status_code} {response.text[:160]}")
    return found


def _answers(in_envelope: EnvelopeCheck, response: httpx.Response) -> bool:
    if response.status_code < 400 and not response.headers.get("content-type", "").startswith("application/json"):
        return True  # a download (a manifest, a log): not an envelope to check
    try:
        return in_envelope(response)
    except (ValueError, KeyError, TypeError):  # not JSON, or not the envelope's shape
        return False


def new_log_lines(log: Callable[[], str]) -> Callable[[], str]:
    """What the server logs from now on (its log may be shared with other tests)."""
    start = len(log())
    return lambda: log()[start:]


def _field_names(route: Route) -> list[str]:
    if route.body not in (None, "*"):
        return [route.body]
    if route.upload:  # an upload's JSON has no fields: its body is the package
        return []
    fields = route.rpc.request_type.DESCRIPTOR.fields
    return sorted({f.name for f in fields} | {f.json_name for f in fields})
