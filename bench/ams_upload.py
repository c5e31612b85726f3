"""Upload benchmark: a 1 GiB image through the gateway and core, beside a bare aiohttp handler
that only reads and hashes the body, on the same machine in the same run.

Prints throughput (MiB/s) and the peak resident size of each server process. The gateway path
also fsyncs the blob and checks the package in an operation; only the upload request itself is
timed here, as a client sees it.
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from tests.server import running_server  # noqa: E402

CHUNK = bytes(range(256)) * 4096  # 1 MiB
CHUNKS = 1024
TOTAL = CHUNKS * len(CHUNK)


def bare_server(socket_path: str) -> None:
    from aiohttp import web

    async def receive(request: web.Request) -> web.Response:
        digest = hashlib.sha256()
        async for data in request.content.iter_chunked(256 * 1024):
            digest.update(data)
        return web.json_response({"sha256": digest.hexdigest()})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/1.0/images", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.UnixSite(runner, socket_path).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def body():
    for _ in range(CHUNKS):
        yield CHUNK


def peak_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def timed_upload(socket_path: str) -> float:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(TOTAL),
               "X-AMS-Request": '{"name": "bench"}'}
    with httpx.Client(base_url="http://unix", transport=httpx.HTTPTransport(uds=socket_path), timeout=600) as client:
        started = time.perf_counter()
        response = client.post("/1.0/images", content=body(), headers=headers)
        elapsed = time.perf_counter() - started
    assert response.status_code in (200, 202), response.text
    return elapsed


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        bare_server(sys.argv[2])
        return
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        with running_server(scratch / "data", "--log-level", "warning") as server:
            socket_path = str(server.data_dir / "ams.sock")
            timed_upload(socket_path)  # warm: first upload creates the blob directories
            gateway_seconds = timed_upload(socket_path)
            gateway_peak = peak_mib(server.process.pid)
        bare_socket = str(scratch / "bare.sock")
        bare = subprocess.Popen([sys.executable, __file__, "--bare", bare_socket])
        try:
            while not Path(bare_socket).exists():
                time.sleep(0.05)
            timed_upload(bare_socket)
            bare_seconds = timed_upload(bare_socket)
            bare_peak = peak_mib(bare.pid)
        finally:
            bare.kill()
            bare.wait()
    mib = TOTAL / 2**20
    print(f"upload of {mib:.0f} MiB over the AMS unix socket")
    print(f"{'path':>8} {'MiB/s':>8} {'peak RSS MiB':>13}")
    print(f"{'gateway':>8} {mib / gateway_seconds:>8.0f} {gateway_peak:>13.0f}")
    print(f"{'bare':>8} {mib / bare_seconds:>8.0f} {bare_peak:>13.0f}")
    print(f"ratio gateway/bare throughput: {bare_seconds / gateway_seconds:.2f}")


if __name__ == "__main__":
    main()
