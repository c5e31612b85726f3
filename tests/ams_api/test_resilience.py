"""Operations survive restarts honestly; a subscriber that never reads cannot hurt the server."""

from __future__ import annotations

import base64
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.ams_api.client import wait_until
from tests.server import running_server

CHANGES, WORKERS = 2600, 8


def test_operation_running_when_the_process_dies_is_failed_on_restart(tmp_path):
    data = tmp_path / "data"
    with running_server(data, "--simulated-join-delay", "30") as first:
        with first.ams_local() as client:
            response = client.post("/1.0/nodes", json={"name": "crash", "address": "10.7.0.1"})
            url = response.json()["operation"]
            wait_until(lambda: client.get(url).json()["metadata"]["status"] == "Running")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    with running_server(data) as second, second.ams_local() as client:
        operation = client.get(url).json()["metadata"]
        assert (operation["status"], operation["status_code"]) == ("Failure", 400)
        assert operation["err"] == "interrupted by restart"
        assert client.get(url + "/wait").json()["metadata"]["status"] == "Failure"
        assert client.get("/1.0/nodes/crash").json()["metadata"]["status"] == "error"


def _vm_rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _open_silent_events_socket(path: str) -> socket.socket:
    """A websocket client that upgrades and then never reads, with a tiny receive buffer."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(path)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET /1.0/events HTTP/1.1\r\nHost: unix\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def test_a_subscriber_that_never_reads_is_cut_off_and_the_server_stays_well(fresh_server):
    path = str(fresh_server.data_dir / "ams.sock")
    silent = _open_silent_events_socket(path)
    rss_before = _vm_rss_kib(fresh_server.process.pid)

    counted = {"events": 0}
    stop = threading.Event()

    def attentive_reader() -> None:
        # A well-behaved subscriber beside the silent one keeps receiving.
        import asyncio

        from tests.ams_api.client import events

        async def read() -> None:
            async with events(fresh_server, "operation") as ws:
                while not stop.is_set():
                    try:
                        await asyncio.wait_for(ws.receive(), 0.5)
                        counted["events"] += 1
                    except asyncio.TimeoutError:
                        continue

        asyncio.run(read())

    reader = threading.Thread(target=attentive_reader)
    reader.start()
    time.sleep(0.5)

    def publish(worker: int) -> None:
        with fresh_server.ams_local() as client:
            for i in range(CHANGES // WORKERS):
                response = client.patch("/1.0/config", json={"name": "registry.filter", "value": f"{worker}-{i}"})
                assert response.status_code == 202

    # Each change publishes three operation events and at least one logging event: > 10,000.
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(publish, range(WORKERS)))

    # The server still answers while the silent client holds its socket open. A server that waited
    # on that client would never answer, so a generous deadline tells the two apart on a slow host.
    with fresh_server.ams_local() as client:
        assert client.get("/1.0/version", timeout=15).status_code == 200

    wait_until(lambda: counted["events"] >= 3 * CHANGES, timeout=30)
    stop.set()
    reader.join()

    rss_growth_mib = (_vm_rss_kib(fresh_server.process.pid) - rss_before) / 1024
    assert rss_growth_mib < 64, f"server grew by {rss_growth_mib:.0f} MiB"

    # The silent client was disconnected (its socket reaches its end), having been sent a
    # prefix of the stream well short of everything that was published.
    silent.settimeout(10)
    received = b""
    while True:
        chunk = silent.recv(65536)
        if not chunk:
            break
        received += chunk
    silent.close()
    assert b'"type":"operation"' in received
    assert received.count(b'"type":') < 10_000
