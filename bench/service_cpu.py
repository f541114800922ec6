#!/usr/bin/env python3
"""Server CPU per request of the legacy and graph services, next to a bare FastAPI endpoint.

    .venv/bin/python bench/service_cpu.py [--requests N] [--in-flight K] [--profile P]

Each service is started as the harness starts it (``harness.services.start_service``, faults
off, the graph with its SQLite state on a temporary file), warmed up, then sent the first N
requests of the bundled recording twice: one after the other on one keep-alive connection
("sequential"), and from K client threads at once ("K in flight"). A figure is the service
process's CPU time (user + system, from psutil) over those N requests, divided by N; the
client's own CPU is not in it. The bare endpoint (a FastAPI route answering a fixed body) is
served by uvicorn with the options ``shadow-harness serve`` uses and sent the same requests,
so the ratio is what each service costs above the web stack itself.

Why two figures: on a virtual machine a process that goes idle pays for it when it wakes
(measured here: a request's ~0.7 ms of Python costs ~1 ms more CPU after a 3 ms idle sleep),
so sequential requests, each waiting out its modelled latency alone, cost more than the same
requests under load, when the event loop never idles. ``--profile instant`` (every modelled
time x 0.001, faults off) with K in flight keeps a service busy all the time: its "loaded"
figure is the code's own CPU per request. With ``fast`` (x 0.1) the services mostly wait,
and every figure carries the wake-up cost of the waits.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from starlette.responses import Response  # noqa: E402

from harness.recording import RecordedRequest, Recording  # noqa: E402
from harness.services import Service, free_port, start_service  # noqa: E402

SAMPLE = ROOT / "recordings" / "sample.jsonl.gz"
WARMUP = 50


def bare_app() -> FastAPI:
    """The reference: routing, body reading and a response, no domain work at all."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    answer = b'{"status": "ok"}'

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(request: Request, path: str) -> Response:
        await request.body()
        return Response(answer, media_type="application/json")

    return app


def serve(kind: str, profile: str, port: int) -> None:
    """Serve as ``shadow-harness serve`` does (its uvicorn options), any profile."""
    import uvicorn

    if kind == "legacy":
        from legacy_stub.app import create_app as legacy_app

        app = legacy_app(profile=profile)
    elif kind == "graph":
        from graph_system.app import create_app as graph_app

        app = graph_app(profile=profile)
    else:
        app = bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(kind: str, profile: str, env: dict[str, str]) -> Service:
    """Through ``harness.services`` where the CLI knows the profile, else the same way here."""
    if kind != "bare" and profile in {"seed", "fast"}:
        return start_service(kind, profile=profile, env=env)
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"shadow-{kind}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, profile, str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **env})
    service = Service(kind, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health")
            connection.getresponse().read()
            connection.close()
            return service
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                service.stop()
                raise RuntimeError(f"{kind} did not start:\n{service.output()}") from None
            time.sleep(0.05)


def load_requests(path: Path, count: int) -> list[RecordedRequest]:
    picked = []
    for request in Recording(path):
        picked.append(request)
        if len(picked) == count + WARMUP:
            break
    return picked


def _send(connection: http.client.HTTPConnection, request: RecordedRequest) -> int:
    target = request.path + (f"?{urlencode(request.query)}" if request.query else "")
    body = request.body_bytes if request.method != "GET" else None
    headers = {"content-type": "application/json"} if body is not None else {}
    connection.request(request.method, target, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status


@dataclass(frozen=True)
class Measurement:
    kind: str
    sequential_us: float
    loaded_us: float
    statuses: dict[int, int]


def _connect(service: Service) -> http.client.HTTPConnection:
    where = urlsplit(service.url)
    return http.client.HTTPConnection(where.hostname, where.port, timeout=30)


def _send_all(service: Service, requests: list[RecordedRequest], statuses: dict[int, int]
              ) -> None:
    connection = _connect(service)
    try:
        for request in requests:
            status = _send(connection, request)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        connection.close()


def measure(service: Service, requests: list[RecordedRequest], in_flight: int
            ) -> Measurement:
    process = psutil.Process(service.process.pid)

    def cpu() -> float:
        times = process.cpu_times()
        return times.user + times.system

    _send_all(service, requests[:WARMUP], {})
    measured = requests[WARMUP:]
    statuses: dict[int, int] = {}
    before = cpu()
    _send_all(service, measured, statuses)
    sequential = (cpu() - before) / len(measured) * 1e6

    shares = [measured[i::in_flight] for i in range(in_flight)]
    counts: list[dict[int, int]] = [{} for _ in shares]
    threads = [threading.Thread(target=_send_all, args=(service, share, counted))
               for share, counted in zip(shares, counts, strict=True)]
    before = cpu()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = (cpu() - before) / len(measured) * 1e6
    for counted in counts:
        for status, n in counted.items():
            statuses[status] = statuses.get(status, 0) + n
    return Measurement(service.kind, sequential, loaded, statuses)


def main(count: int, in_flight: int, profile: str, recording: Path) -> int:
    requests = load_requests(recording, count)
    if len(requests) <= WARMUP:
        print(f"{recording}: fewer than {WARMUP + 1} requests", file=sys.stderr)
        return 1
    env = {"SHADOW_FAULTS": "0"}
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="shadow-cpu-") as scratch:
        state = {"SHADOW_STATE_DB": os.path.join(scratch, "state.sqlite3")}
        for kind in ("bare", "legacy", "graph"):
            service = start(kind, profile, {**env, **state} if kind == "graph" else env)
            try:
                results.append(measure(service, requests, in_flight))
            finally:
                service.stop()
    bare = results[0]
    print(f"{len(requests) - WARMUP} requests from {recording.name} per service and mode, "
          f"profile {profile}, faults off, load average {os.getloadavg()[0]:.1f}")
    print(f"server CPU us per request: sequential | {in_flight} in flight")
    print(f"{'service':8s} {'sequential':>10s} {'x bare':>7s} {'loaded':>8s} {'x bare':>7s}  "
          f"statuses")
    for m in results:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(m.statuses.items()))
        print(f"{m.kind:8s} {m.sequential_us:10.0f} {m.sequential_us / bare.sequential_us:7.1f} "
              f"{m.loaded_us:8.0f} {m.loaded_us / bare.loaded_us:7.1f}  {statuses}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=32, help="client threads, loaded mode")
    parser.add_argument("--profile", default="fast", choices=("fast", "instant", "seed"),
                        help="instant: the services' CPU alone (32 in flight keep them busy)")
    parser.add_argument("--recording", type=Path, default=SAMPLE)
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "PROFILE", "PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, profile, port = args.serve
        serve(kind, profile, int(port))
        sys.exit(0)
    sys.exit(main(args.requests, args.in_flight, args.profile, args.recording))
