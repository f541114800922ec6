#!/usr/bin/env python3
"""Replay throughput, measured side by side in one run against the same local targets.

    .venv/bin/python bench/replay_throughput.py [--pairs 30000] [--concurrency 64]

Two static JSON servers (separate processes, uvloop, a fixed ~3 KB body) stand in for legacy
and graph. Against them, in turn:

  (a) the harness engine: harness.replay.replay with the real Comparator (harness.toml's parity
      rules) and a ResultWriter streaming results.parquet, on its default lean transport and
      again on its aiohttp transport;
  (b) a bare paired aiohttp loop: the same two requests at once, nothing else;
  (c) Locust FastHttpUser (in-process Environment API, in a subprocess of its own), one
      request per task, no wait.

For each: CPU µs per pair (process CPU time / pairs; a Locust "pair" is two of its requests)
and pairs/s, then the ratios. The goal is harness CPU per pair <= 2 x Locust's CPU per request.
The recording is parsed before timing; its cost per request is printed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = json.dumps({
    "workflow_id": "0b7f8a52-6c1e-4d8e-9a43-3f1d2c9b7e10",
    "status": "completed",
    "domain_analysis": {"domain": "finance", "confidence": 0.93,
                        "keywords": ["bond", "yield", "liquidity", "basel iii"]},
    "search_results": [{"id": f"doc-{i:04d}", "title": f"Quarterly liquidity review {i}",
                        "score": round(0.99 - i * 0.031, 4),
                        "snippet": "Capital ratio and liquidity coverage under basel iii " * 2,
                        "source": "vector"} for i in range(10)],
    "performance_metrics": {"total_time": 0.012, "sla_compliance": True},
}).encode()
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
WORKFLOW_BODY = json.dumps({"content": "Summarize the risk report focusing on liquidity.",
                            "user_id": "u-00001", "domain_hint": "finance"}).encode()


# ----------------------------------------------------------------------------- static server
class _Static(asyncio.Protocol):
    """Answers every request on a keep-alive connection with the same JSON body."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            at = head.find(b"content-length:")
            size = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0
                            else len(head)]) if at >= 0 else 0
            if len(buffer) < end + 4 + size:
                break
            buffer = buffer[end + 4 + size:]
            self.transport.write(RESPONSE)
        self.buffer = buffer


def serve(port: int) -> None:
    import uvloop

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Static, "127.0.0.1", port,
                                                                backlog=1024)
        async with server:
            await server.serve_forever()

    uvloop.run(main())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def static_servers(count: int) -> Iterator[list[str]]:
    ports = [free_port() for _ in range(count)]
    procs = [subprocess.Popen([sys.executable, __file__, "--serve", str(p)]) for p in ports]
    try:
        for port in ports:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", port), timeout=0.2):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"static server on port {port} did not start")
                time.sleep(0.05)
        yield [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


# ----------------------------------------------------------------------------- measurements
@functools.cache
def _requests(pairs: int) -> list:
    from harness.recording import BUNDLED_RECORDING, Recording

    started = time.process_time()
    base = list(Recording(BUNDLED_RECORDING))
    parse_us = (time.process_time() - started) / len(base) * 1e6
    out = []
    for index in range(pairs):
        request = base[index % len(base)]
        out.append(request.model_copy(update={"id": f"b{index:07d}"}))
    print(f"recording parse + validation: {parse_us:.1f} µs CPU per request "
          f"(outside the timings below)")
    return out


def measure_harness(urls: list[str], pairs: int, concurrency: int,
                    transport: str = "lean") -> dict[str, float]:
    import tomllib

    import uvloop

    from harness.config import ParityRules
    from harness.parity import Comparator
    from harness.replay import Pacing, replay
    from harness.results import ResultWriter

    requests = _requests(pairs)
    # Only the [parity] table matters here; the rest of harness.toml is not this bench's.
    table = tomllib.loads((ROOT / "harness.toml").read_text(encoding="utf-8")).get("parity", {})
    comparator = Comparator(ParityRules.model_validate(table))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.parquet"

        async def main():
            with ResultWriter(out) as writer:
                return await replay(requests, legacy=urls[0], graph=urls[1],
                                    pacing=Pacing.closed_loop(concurrency), timeout_s=10,
                                    comparator=comparator, writer=writer, progress=False,
                                    transport=transport)

        cpu, wall = time.process_time(), time.perf_counter()
        stats = uvloop.run(main())
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        size = out.stat().st_size
    assert stats.compared == pairs and stats.match == pairs, stats
    return {"pairs": pairs, "cpu_s": cpu, "wall_s": wall, "parquet_bytes": size}


def measure_bare(urls: list[str], pairs: int, concurrency: int) -> dict[str, float]:
    import aiohttp
    import uvloop

    async def main() -> int:
        done = 0
        connector = aiohttp.TCPConnector(limit=concurrency * 2, limit_per_host=0)
        async with aiohttp.ClientSession(connector=connector,
                                         cookie_jar=aiohttp.DummyCookieJar()) as session:
            remaining = iter(range(pairs))

            async def one(url: str) -> bytes:
                async with session.post(url + "/api/v1/workflow", data=WORKFLOW_BODY,
                                        headers={"content-type": "application/json"}) as r:
                    return await r.read()

            async def worker() -> None:
                nonlocal done
                for _ in remaining:
                    a, b = await asyncio.gather(one(urls[0]), one(urls[1]))
                    done += a == b
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done

    cpu, wall = time.process_time(), time.perf_counter()
    done = uvloop.run(main())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert done == pairs
    return {"pairs": pairs, "cpu_s": cpu, "wall_s": wall}


LOCUST_SCRIPT = """
import json, sys, time
import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment

url, users, seconds, body = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

class Static(FastHttpUser):
    host = url
    wait_time = constant(0)

    @task
    def workflow(self):
        self.client.post("/api/v1/workflow", data=body,
                         headers={"content-type": "application/json"})

env = Environment(user_classes=[Static])
runner = env.create_local_runner()
runner.start(users, spawn_rate=users * 20)
gevent.sleep(1.5)  # spawned and warm
n0, c0, w0 = env.stats.total.num_requests, time.process_time(), time.perf_counter()
gevent.sleep(seconds)
n1, c1, w1 = env.stats.total.num_requests, time.process_time(), time.perf_counter()
failures = env.stats.total.num_failures
runner.quit()
print(json.dumps({"requests": n1 - n0, "cpu_s": c1 - c0, "wall_s": w1 - w0,
                  "failures": failures}))
"""


def measure_locust(url: str, users: int, seconds: float) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", LOCUST_SCRIPT, url, str(users), str(seconds),
         WORKFLOW_BODY.decode()],
        capture_output=True, text=True, timeout=seconds + 60, check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"locust run failed:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if data["failures"]:
        raise RuntimeError(f"locust saw {data['failures']} failures")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--locust-users", type=int, default=64)
    parser.add_argument("--locust-seconds", type=float, default=8.0)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    print(f"{os.cpu_count()} CPUs; {args.pairs} pairs at concurrency {args.concurrency}; "
          f"static body {len(BODY)} bytes")
    with static_servers(2) as urls:
        bare = measure_bare(urls, min(args.pairs, 5000), args.concurrency)  # warm-up
        harness = measure_harness(urls, args.pairs, args.concurrency)
        on_aiohttp = measure_harness(urls, args.pairs, args.concurrency, "aiohttp")
        bare = measure_bare(urls, args.pairs, args.concurrency)
        locust = measure_locust(urls[0], args.locust_users, args.locust_seconds)

    def line(name: str, cpu_per_pair_us: float, pairs_per_s: float, note: str = "") -> None:
        print(f"  {name:<34} {cpu_per_pair_us:8.1f} µs CPU/pair {pairs_per_s:10,.0f} pairs/s"
              f"  {note}")

    h_cpu = harness["cpu_s"] / harness["pairs"] * 1e6
    b_cpu = bare["cpu_s"] / bare["pairs"] * 1e6
    l_req = locust["cpu_s"] / locust["requests"] * 1e6
    print("results:")
    line("(a) harness replay+parity+parquet", h_cpu, harness["pairs"] / harness["wall_s"],
         f"({harness['parquet_bytes'] / harness['pairs']:.0f} B/row parquet)")
    a_cpu = on_aiohttp["cpu_s"] / on_aiohttp["pairs"] * 1e6
    line("    same, transport=aiohttp", a_cpu, on_aiohttp["pairs"] / on_aiohttp["wall_s"])
    line("(b) bare paired aiohttp loop", b_cpu, bare["pairs"] / bare["wall_s"])
    line("(c) Locust FastHttpUser", 2 * l_req, locust["requests"] / 2 / locust["wall_s"],
         f"({l_req:.1f} µs CPU per request, {locust['requests'] / locust['wall_s']:,.0f} req/s)")
    print("ratios:")
    print(f"  harness / bare aiohttp CPU per pair:      {h_cpu / b_cpu:5.2f}x")
    print(f"  harness CPU per pair / Locust per request: {h_cpu / l_req:5.2f}x "
          f"(goal <= 2.00x: {'met' if h_cpu <= 2 * l_req else 'NOT met'})")
    print(f"  harness / Locust CPU per pair:             {h_cpu / (2 * l_req):5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
