#!/usr/bin/env python3
"""Latency the proxy adds, shadow and split mode, measured side by side in one run.

    .venv/bin/python bench/proxy_overhead.py [--requests 3000] [--rounds 6] [--concurrency 1]

Two static JSON servers (separate processes, uvloop, a fixed ~3 KB body, no work) stand in for
legacy and graph. Two proxies run under uvicorn in processes of their own: one in shadow mode
(every request mirrored to the graph, pairs compared and written to a RUN_DIR), one in split
mode at 50 % (sticky by user, 10 % of requests also sent to the other path). A client (aiohttp,
this process) sends the same workflow request, round-robin in small blocks so drift in the
machine's load hits all three alike: directly to legacy, through the shadow proxy, through the
split proxy. Printed: p50/p99 of each and the added latency (proxy minus direct) at p50 and
p99, plus the proxies' CPU per request. The goal is <= 2 ms added at p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
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
_HEALTH_BODY = b'{"status": "healthy"}'
HEALTH = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + str(len(_HEALTH_BODY)).encode() + b"\r\n\r\n" + _HEALTH_BODY)
REQUEST_BODY = json.dumps({"content": "Summarize the risk report focusing on liquidity.",
                           "user_id": "u-00001", "domain_hint": "finance"}).encode()


class _Static(asyncio.Protocol):
    """Every request on a keep-alive connection gets the same JSON body."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].lower()
            length = 0
            marker = head.find(b"content-length:")
            if marker >= 0:
                length = int(head[marker + 15:].split(b"\r\n", 1)[0])
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            health = head.startswith(b"get /health")
            self.buffer = self.buffer[end:]
            self.transport.write(HEALTH if health else RESPONSE)


def serve_static(port: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Static, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(main())


def serve_proxy(mode: str, port: int, legacy: str, graph: str, work: Path) -> None:
    import uvicorn

    from graph_system.routing import create_app
    from graph_system.routing.settings import ProxySettings

    settings = ProxySettings(
        legacy=legacy, graph=graph, mode=mode, port=port, state_db=work / f"{mode}.sqlite3",
        run_dir=work / f"run-{mode}", initial_percentage=50 if mode == "split" else 0,
        monitor={"max_mean_s": 100, "max_error_rate": 1.0},  # never roll back mid-benchmark
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, server_header=False, date_header=False, proxy_headers=False,
                loop="auto", http="auto")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.DEVNULL,
                            cwd=ROOT, start_new_session=True)


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url}: not up after {timeout:.0f} s")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def measure(targets: dict[str, str], requests: int, rounds: int,
                  concurrency: int) -> dict[str, list[float]]:
    import aiohttp

    samples: dict[str, list[float]] = {name: [] for name in targets}
    per_block = max(1, requests // rounds)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str, user: int) -> float:
            started = time.perf_counter()
            async with session.post(url + "/api/v1/workflow", data=REQUEST_BODY, headers={
                    "content-type": "application/json", "x-user-id": f"u{user}"}) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url}: HTTP {response.status}")
            return (time.perf_counter() - started) * 1000

        async def block(name: str, url: str, count: int, offset: int) -> None:
            queue = iter(range(offset, offset + count))

            async def worker() -> None:
                for user in queue:
                    samples[name].append(await one(url, user))

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        for name, url in targets.items():  # warm-up: connections, caches, first imports
            await block(f"{name}", url, 200, 0)
            samples[name].clear()
        for index in range(rounds):
            for name, url in targets.items():
                await block(name, url, per_block, index * per_block)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="per target")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--static", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--proxy", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.static:
        serve_static(args.static)
        return
    if args.proxy:
        mode, port, legacy, graph, work = args.proxy
        serve_proxy(mode, int(port), legacy, graph, Path(work))
        return

    work = Path(tempfile.mkdtemp(prefix="proxy-bench-"))
    ports = {name: _free_port() for name in ("legacy", "graph", "shadow", "split")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in ("legacy", "graph"):
            processes[name] = _spawn("--static", str(ports[name]))
        for name in ("legacy", "graph"):
            _wait(urls[name], processes[name])
        for mode in ("shadow", "split"):
            processes[mode] = _spawn("--proxy", mode, str(ports[mode]), urls["legacy"],
                                     urls["graph"], str(work))
        for mode in ("shadow", "split"):
            _wait(urls[mode], processes[mode])
        targets = {"direct": urls["legacy"], "shadow": urls["shadow"], "split": urls["split"]}
        cpu_before = {m: _cpu_seconds(processes[m].pid) for m in ("shadow", "split")}
        samples = asyncio.run(measure(targets, args.requests, args.rounds, args.concurrency))
        cpu = {m: _cpu_seconds(processes[m].pid) - cpu_before[m] for m in ("shadow", "split")}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    direct = samples["direct"]
    d50, d99 = _percentile(direct, 50), _percentile(direct, 99)
    print(f"proxy overhead: {len(direct)} requests per target, concurrency "
          f"{args.concurrency}, {args.rounds} interleaved rounds, cpu count {os.cpu_count()}")
    print(f"{'target':<8} {'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10} "
          f"{'proxy CPU/req':>14}")
    print(f"{'direct':<8} {d50:8.3f} {d99:8.3f} {'':>10} {'':>10} {'':>14}")
    worst = 0.0
    for mode in ("shadow", "split"):
        p50, p99 = _percentile(samples[mode], 50), _percentile(samples[mode], 99)
        worst = max(worst, p99 - d99)
        per_request = cpu[mode] / (len(samples[mode]) + 200) * 1e6
        print(f"{mode:<8} {p50:8.3f} {p99:8.3f} {p50 - d50:+10.3f} {p99 - d99:+10.3f} "
              f"{per_request:11.0f} us")
    verdict = "meets" if worst <= 2.0 else "misses"
    print(f"worst added p99: {worst:.3f} ms ({verdict} the 2 ms goal)")


if __name__ == "__main__":
    main()
