"""Events benchmark: 1,000 websocket subscribers on /1.0/events.

Prints the p50/p99 delivery latency of operation events (server timestamp to client receipt)
and the publish rate sustained while every subscriber keeps up, beside a yardstick: a bare
aiohttp server broadcasting the same frames to the same number of websockets in the same run.
Subscribers and publisher share this process, so the figures include their own cost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from tests.server import running_server  # noqa: E402

SUBSCRIBERS = 1000
LATENCY_SAMPLES = 30
RATE_SECONDS = 5.0


def since(timestamp: str) -> float:
    sent = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (dt.datetime.now(dt.timezone.utc) - sent).total_seconds() * 1000


async def subscribe(session: aiohttp.ClientSession, url: str, count: int) -> list:
    sockets = []
    for start in range(0, count, 100):
        sockets += await asyncio.gather(*(session.ws_connect(url) for _ in range(start, min(count, start + 100))))
    return sockets


async def drain(socket, latencies: list[float], received: list[int], index: int) -> None:
    async for message in socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        event = json.loads(message.data)
        latencies.append(since(event["timestamp"]))
        received[index] += 1


async def measure(url: str, publish, session: aiohttp.ClientSession) -> dict[str, float]:
    sockets = await subscribe(session, url, SUBSCRIBERS)
    latencies: list[float] = []
    received = [0] * SUBSCRIBERS
    readers = [asyncio.create_task(drain(s, latencies, received, i)) for i, s in enumerate(sockets)]
    for _ in range(LATENCY_SAMPLES):  # one at a time: latency without queueing
        await publish()
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    cuts = statistics.quantiles(latencies, n=100)
    before = sum(received)
    published = 0
    deadline = time.monotonic() + RATE_SECONDS
    while time.monotonic() < deadline:
        published += await publish()
    await asyncio.sleep(1.0)
    delivered = sum(received) - before
    alive = sum(1 for s in sockets if not s.closed)
    for reader in readers:
        reader.cancel()
    for s in sockets:
        await s.close()
    return {
        "p50_ms": cuts[49], "p99_ms": cuts[98],
        "published_per_s": published / RATE_SECONDS,
        "delivered_per_s": delivered / RATE_SECONDS,
        "complete": delivered / max(published * SUBSCRIBERS, 1),
        "subscribers_alive": alive,
    }


async def gateway_figures(server) -> dict[str, float]:
    connector = aiohttp.UnixConnector(path=str(server.data_dir / "ams.sock"), limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def publish() -> int:
            async with session.patch("http://unix/1.0/config",
                                     json={"name": "registry.filter", "value": str(time.time())}) as r:
                assert r.status == 202
                operation = (await r.json())["operation"]
            async with session.get(f"http://unix{operation}/wait") as r:
                await r.read()
            return 3  # created, running, success

        return await measure("http://unix/1.0/events?type=operation", publish, session)


async def bare_figures() -> dict[str, float]:
    sockets: set[web.WebSocketResponse] = set()
    frame = {"type": "operation", "metadata": {"id": "x", "status": "Success", "status_code": 200}}

    async def events(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        sockets.add(socket)
        async for _ in socket:
            pass
        sockets.discard(socket)
        return socket

    app = web.Application()
    app.router.add_get("/1.0/events", events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with tempfile.TemporaryDirectory() as scratch:
        path = str(Path(scratch) / "bare.sock")
        await web.UnixSite(runner, path).start()
        connector = aiohttp.UnixConnector(path=path, limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            async def publish() -> int:
                for _ in range(3):
                    text = json.dumps(frame | {"timestamp": dt.datetime.now(dt.timezone.utc).isoformat()})
                    await asyncio.gather(*(s.send_str(text) for s in list(sockets)))
                return 3

            figures = await measure("http://unix/1.0/events", publish, session)
        await runner.cleanup()
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, running_server(Path(scratch) / "data", "--log-level", "warning") as server:
        gateway = asyncio.run(gateway_figures(server))
    bare = asyncio.run(bare_figures())
    print(f"{SUBSCRIBERS} websocket subscribers, operation events")
    print(f"{'path':>8} {'p50 ms':>8} {'p99 ms':>8} {'events/s':>9} {'frames/s':>10} {'complete':>9} {'alive':>6}")
    for name, f in (("gateway", gateway), ("bare", bare)):
        print(f"{name:>8} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {f['published_per_s']:>9.0f} "
              f"{f['delivered_per_s']:>10.0f} {f['complete']:>9.3f} {f['subscribers_alive']:>6}")
    print(f"ratio gateway/bare delivered frames per second: "
          f"{gateway['delivered_per_s'] / bare['delivered_per_s']:.2f}")


if __name__ == "__main__":
    main()
