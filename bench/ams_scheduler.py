"""Scheduler benchmark: time per container placement with 10, 1,000 and 10,000 nodes.

The yardstick is the same placement on 10 nodes: each row prints the ratio of its median to
that one's. Every
cluster is heterogeneous (2-16 cores, 8-64 GB) and measured in three states:
  * `half`    - every node about half used; each placement is followed by the release of a
                random earlier container, so the cluster stays at that level;
  * `crowded` - 90% of the nodes full, the rest empty (binpack's worst walk if unindexed);
  * `gpu`     - only 1% of the nodes (at least one) have GPU slots and the request needs one.
For scale, the last line times the plain definition (rank every node that fits) on the
10,000-node `half` cluster: what placement would cost without the indexes.
Placement here is `Scheduler.reserve` alone. The end-to-end part then starts a real server
(simulated node driver, default container step time) and launches 1,000 containers over the
AMS unix socket, each a REST POST followed until its operation succeeds, `CONCURRENCY` at a
time; its yardstick is the same number of the cheapest operation there is (PATCH /1.0/config,
one write), driven the same way, so the ratio is what a launch costs beyond the machinery.
Pass `--e2e-only` to skip the placement table.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmark runs as a script from a checkout

from core.ams.instance_types import GB  # noqa: E402
from core.ams.scheduler import BINPACK, SPREAD, Node, Requirements, Scheduler  # noqa: E402
from core.errors import ResourceExhausted  # noqa: E402
from tests.server import running_server  # noqa: E402

SIZES = (10, 1_000, 10_000)
PLACEMENTS = 5_000
# The machine is shared: each row keeps the best of a few runs, the usual cure for noise.
REPEATS = 3
A2_3 = Requirements(cpus=2, memory=3 * GB, disk=3 * GB)
G2_3 = Requirements(cpus=2, memory=3 * GB, disk=3 * GB, gpu_slots=1)


def cluster(size: int, strategy: str, rng: random.Random, gpu_share: float = 0.0) -> Scheduler:
    scheduler = Scheduler(strategy)
    gpu_nodes = max(1, int(size * gpu_share)) if gpu_share else 0
    for i in range(size):
        cores = rng.choice([2, 4, 8, 16])
        scheduler.add_node(Node(name=f"lxd{i:05d}", cpus=cores, memory=cores * 4 * GB,
                                disk=cores * 25 * GB, gpu_slots=32 if i < gpu_nodes else 0))
    return scheduler


def fill(scheduler: Scheduler, names: list[str], share: float) -> list[tuple[str, Requirements]]:
    """Pin containers onto each node until about `share` of its memory is held."""
    held = []
    for name in names:
        capacity = scheduler._states[name].capacity[1]  # a benchmark may peek
        while scheduler.usage(name).memory + A2_3.memory <= share * capacity:
            try:
                scheduler.commit(name, A2_3)
            except ResourceExhausted:
                break  # CPU or disk ran out first
            held.append((name, A2_3))
    return held


def measure(scheduler: Scheduler, req: Requirements, held: list[tuple[str, Requirements]],
            rng: random.Random) -> list[float]:
    """Time each placement; after each one a random earlier container of the same kind goes,
    so the cluster stays at the level it started from."""
    timings = []
    for _ in range(PLACEMENTS):
        start = time.perf_counter()
        try:
            held.append((scheduler.reserve(req), req))
        except ResourceExhausted:
            pass
        timings.append(time.perf_counter() - start)
        if held:
            scheduler.release(*held.pop(rng.randrange(len(held))))
    return timings


def scenario(state: str, size: int, strategy: str) -> list[float]:
    rng = random.Random(size)
    scheduler = cluster(size, strategy, rng, gpu_share=0.01 if state == "gpu" else 0.0)
    names = sorted(scheduler._states)
    if state == "crowded":
        return measure(scheduler, A2_3, fill(scheduler, names[: int(size * 0.9)], 1.0), rng)
    held = fill(scheduler, names, 0.5)
    if state == "gpu":
        return measure(scheduler, G2_3, [], rng)  # only GPU containers come and go
    return measure(scheduler, A2_3, held, rng)


def plain_scan(size: int) -> float:
    """Median seconds to place by ranking every node, as a scheduler without indexes would."""
    rng = random.Random(size)
    scheduler = cluster(size, SPREAD, rng)
    fill(scheduler, sorted(scheduler._states), 0.5)
    states = list(scheduler._states.values())
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        fitting = [s for s in states if s.node.schedulable and s.fits(A2_3)]
        best = min(fitting, key=lambda s: (s.load(), s.node.name))
        timings.append(time.perf_counter() - start)
        scheduler.commit(best.node.name, A2_3)
    return statistics.median(timings)


LAUNCHES = 1_000
CONCURRENCY = 32
# A simulated node offers 100 GB of disk: 33 containers of 3 GB each, so 1,000 need 31 nodes.
E2E_NODES = 40


async def _until_done(session: aiohttp.ClientSession, response: aiohttp.ClientResponse) -> dict:
    body = await response.json()
    assert response.status == 202, body
    async with session.get(f"http://unix{body['operation']}/wait", params={"timeout": "60"}) as waited:
        return (await waited.json())["metadata"]


async def _drive(socket: Path, count: int, request) -> tuple[float, list[float]]:
    """Seconds for `count` POST-until-success cycles at CONCURRENCY, and each one's latency."""
    connector = aiohttp.UnixConnector(path=str(socket), limit=CONCURRENCY * 2)
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=connector) as session:
        queue = iter(range(count))

        async def worker() -> None:
            for index in queue:
                start = time.perf_counter()
                final = await _until_done(session, await request(session, index))
                assert final["status"] == "Success", final
                latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - began, latencies


def end_to_end() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "data") as server:
        socket = server.data_dir / "ams.sock"
        with server.ams_local() as client:
            for i in range(E2E_NODES):
                reply = client.post("/1.0/nodes", json={"name": f"lxd{i}", "address": f"10.1.{i // 250}.{i % 250 + 1}",
                                                        "cpus": 64, "memory": "256GB"})
                client.get(reply.json()["operation"] + "/wait", params={"timeout": "30"})
            image = _an_image(client, Path(tmp))

        def launch(session, index):
            return session.post("http://unix/1.0/containers", json={"image_id": image, "instance_type": "a2.3"})

        def configure(session, index):
            value = "binpack" if index % 2 else "spread"
            return session.patch("http://unix/1.0/config", json={"name": "scheduler.strategy", "value": value})

        base_seconds, _ = asyncio.run(_drive(socket, LAUNCHES, configure))
        seconds, latencies = asyncio.run(_drive(socket, LAUNCHES, launch))
        latencies.sort()
        rate, base_rate = LAUNCHES / seconds, LAUNCHES / base_seconds
        print(f"end to end: {LAUNCHES} launches (POST until the operation succeeds, {CONCURRENCY} at a time, "
              f"{E2E_NODES} simulated nodes): {rate:.0f} launches/s, latency median "
              f"{statistics.median(latencies) * 1e3:.0f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.0f} ms")
        print(f"yardstick: {LAUNCHES} PATCH /1.0/config operations the same way: {base_rate:.0f} ops/s; "
              f"a launch costs {base_rate / rate:.2f}x the cheapest operation")


def _an_image(client, directory: Path) -> str:
    from tests.ams_api.packages import image_tarball, sha256_of

    package = image_tarball(directory / "image.tar.xz", "xz")
    reply = client.post("/1.0/images", content=package.read_bytes(), headers={
        "Content-Type": "application/octet-stream", "X-AMS-Request": '{"name": "bench"}',
        "X-AMS-Fingerprint": sha256_of(package)})
    final = client.get(reply.json()["operation"] + "/wait", params={"timeout": "60"}).json()["metadata"]
    return final["resources"]["images"][0].rsplit("/", 1)[1]


def main() -> None:
    if "--e2e-only" in sys.argv:
        end_to_end()
        return
    print(f"placement time per container (Scheduler.reserve), {PLACEMENTS} placements per row, "
          f"best of {REPEATS} runs")
    print(f"{'state':>8} {'strategy':>8} {'nodes':>6} {'median us':>9} {'mean us':>8} "
          f"{'p99 us':>8} {'x 10 nodes':>10}")
    scenario("half", 100, SPREAD)  # warm the interpreter before the first timed row
    for state in ("half", "crowded", "gpu"):
        for strategy in (SPREAD, BINPACK):
            base = None
            for size in SIZES:
                timings = min((scenario(state, size, strategy) for _ in range(REPEATS)),
                              key=statistics.median)
                median = statistics.median(timings) * 1e6
                mean = statistics.fmean(timings) * 1e6
                p99 = sorted(timings)[int(len(timings) * 0.99)] * 1e6
                base = base or median
                print(f"{state:>8} {strategy:>8} {size:>6} {median:>9.1f} {mean:>8.1f} "
                      f"{p99:>8.1f} {median / base:>10.2f}")
    print(f"plain scan of every node, half, 10000 nodes: {plain_scan(10_000) * 1e6:.0f} us "
          "median per placement")
    end_to_end()


if __name__ == "__main__":
    main()
