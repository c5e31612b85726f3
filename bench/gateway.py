"""Gateway benchmark: GET /1.0/version through the REST gateway and gRPC core, beside a bare
aiohttp handler that returns the same bytes over TLS on the same machine in the same run.

Prints requests per second and p50/p99 latency at 1 and 64 concurrent clients, and the ratio
gateway / bare. Beside them, the ceiling of a gateway that shares its process with the core:
empty unary calls between a grpc.aio client and server on one event loop, over a unix socket,
with no TLS, HTTP or work behind them. Load comes from `wrk` when it is installed (apt-get install wrk), otherwise from
an aiohttp client process, which then may be the bottleneck: the script says which it used.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from tests.server import running_server  # noqa: E402

DURATION = 5
CONCURRENCY = (1, 64)


def bare_server(port_file: str, cert: str, key: str, body: str) -> None:
    from aiohttp import web

    payload = body.encode()

    async def version(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/1.0/version", version)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))
        await asyncio.Event().wait()

    asyncio.run(main())


def load_with_wrk(url: str, connections: int) -> dict[str, float]:
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{DURATION}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    units = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def percentile(p: str) -> float:
        value, unit = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * units[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url} answered errors:\n{out}")
    return {"rps": rps, "p50_ms": percentile("50"), "p99_ms": percentile("99")}


def load_with_aiohttp(url: str, connections: int, cafile: str) -> dict[str, float]:
    import aiohttp

    async def run() -> list[float]:
        context = ssl.create_default_context(cafile=cafile)
        latencies: list[float] = []
        deadline = time.perf_counter() + DURATION
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections, ssl=context)) as s:

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    async with s.get(url) as response:
                        await response.read()
                        assert response.status == 200
                    latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies

    latencies = asyncio.run(run())
    cuts = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / DURATION, "p50_ms": cuts[49], "p99_ms": cuts[98]}


def load(url: str, connections: int, cafile: str) -> dict[str, float]:
    if shutil.which("wrk"):
        return load_with_wrk(url, connections)
    return load_with_aiohttp(url, connections, cafile)


def grpc_hop_ceiling(socket_path: Path, connections: int) -> float:
    """Empty unary round trips per second, client and server on one event loop."""
    import grpc

    async def run() -> float:
        async def echo(request: bytes, context) -> bytes:
            return request

        server = grpc.aio.server()
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "bench.Echo", {"Call": grpc.unary_unary_rpc_method_handler(echo)}),))
        server.add_insecure_port(f"unix:{socket_path}")
        await server.start()
        calls = 0
        async with grpc.aio.insecure_channel(f"unix:{socket_path}") as channel:
            call = channel.unary_unary("/bench.Echo/Call")
            await call(b"")
            deadline = time.perf_counter() + DURATION

            async def worker() -> None:
                nonlocal calls
                while time.perf_counter() < deadline:
                    await call(b"")
                    calls += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(connections)))
            elapsed = time.perf_counter() - started
        await server.stop(0)
        return calls / elapsed

    return asyncio.run(run())


@contextmanager
def split_gateway(scratch: Path):
    """The core and the gateway as two processes (`serve --no-gateway` + `gateway`)."""
    data = scratch / "split"
    with running_server(data, "--no-gateway", "--log-level", "warning") as core:
        ports_file = scratch / "split-gateway.json"
        gateway = subprocess.Popen([
            sys.executable, "-m", "core.cli", "gateway", "--data-dir", str(data), "--host", "127.0.0.1",
            "--ports-file", str(ports_file), "--coordinator-port", "0", "--ams-port", "0",
            "--confdb-port", "0", "--log-level", "warning",
        ])
        try:
            while not ports_file.exists():
                time.sleep(0.05)
            core.ports.update(json.loads(ports_file.read_text()))
            yield core
        finally:
            gateway.kill()
            gateway.wait()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        bare_server(*sys.argv[2:])
        return
    tool = "wrk" if shutil.which("wrk") else "aiohttp client (may bound the figures)"
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        results: dict[tuple[int, str], dict[str, float]] = {}
        with running_server(scratch / "data", "--log-level", "warning") as server:
            cafile = str(server.tls_dir / "ams-server.crt")
            with server.http("ams") as client:
                body = client.get("/1.0/version").text
            for connections in CONCURRENCY:
                results[(connections, "gateway")] = load(server.url("ams", "/1.0/version"), connections, cafile)
            tls = server.tls_dir
            port_file = scratch / "bare.port"
            bare = subprocess.Popen([
                sys.executable, __file__, "--bare", str(port_file),
                str(tls / "ams-server.crt"), str(tls / "ams-server.key"), body,
            ])
            try:
                while not port_file.exists():
                    time.sleep(0.05)
                bare_url = f"https://127.0.0.1:{port_file.read_text()}/1.0/version"
                for connections in CONCURRENCY:
                    results[(connections, "bare")] = load(bare_url, connections, cafile)
            finally:
                bare.kill()
                bare.wait()
        with split_gateway(scratch) as split:
            cafile = str(split.tls_dir / "ams-server.crt")
            for connections in CONCURRENCY:
                results[(connections, "split")] = load(split.url("ams", "/1.0/version"), connections, cafile)
        ceiling = {connections: grpc_hop_ceiling(scratch / "echo.sock", connections) for connections in CONCURRENCY}

    print(f"GET /1.0/version over TLS, {DURATION}s per run, load from {tool}")
    print("gateway: gateway and core in one process; split: `serve --no-gateway` + `gateway`")
    print(f"{'clients':>7} {'path':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for (connections, name), figures in sorted(results.items()):
        print(f"{connections:>7} {name:>8} {figures['rps']:>9.0f} "
              f"{figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f}")
    for connections in CONCURRENCY:
        bare_rps = results[(connections, "bare")]["rps"]
        for name in ("gateway", "split"):
            ratio = results[(connections, name)]["rps"] / bare_rps
            print(f"ratio {name}/bare throughput at {connections} clients: {ratio:.2f} (goal >= 0.50)")
        print(f"gRPC hop alone at {connections} clients: {ceiling[connections]:.0f} calls/s, "
              f"ratio to bare {ceiling[connections] / bare_rps:.2f} (the one-process gateway's ceiling)")


if __name__ == "__main__":
    main()
