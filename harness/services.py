"""Start and stop the legacy and graph services as uvicorn subprocesses on free loopback ports.

Used by `demo`, `load` and the tests. A subprocess per service keeps the services' event
loops off the harness's CPU, as they would be in production.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_KINDS = ("legacy", "graph")


class ServiceError(RuntimeError):
    """A service did not come up; the message names it and carries its output."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    kind: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def output(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-4000:]
        return ""


def _wait_healthy(service: Service, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceError(
                f"{service.kind} service exited with code {service.process.returncode} before "
                f"answering {service.url}/health:\n{service.output()}"
            )
        try:
            with urllib.request.urlopen(f"{service.url}/health", timeout=1.0) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.05)
    service.stop()
    raise ServiceError(
        f"{service.kind} service at {service.url} not healthy after {timeout:.0f} s ({last}):\n"
        f"{service.output()}"
    )


def start_service(
    kind: str,
    profile: str = "fast",
    port: int | None = None,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    timeout: float = 60.0,
) -> Service:
    """Start ``shadow-harness serve KIND`` in a subprocess and wait until /health answers."""
    if kind not in SERVICE_KINDS:
        raise ValueError(f"unknown service {kind!r}; choose one of {', '.join(SERVICE_KINDS)}")
    port = port or free_port(host)
    extra = dict(env or {})
    log_path = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{kind}.log"
    else:
        import tempfile

        log_path = Path(tempfile.mkstemp(prefix=f"shadow-{kind}-", suffix=".log")[1])
    command = [sys.executable, "-m", "harness", "serve", kind, "--host", host,
               "--port", str(port), "--profile", profile]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **extra},
            # A new session keeps a terminal Ctrl-C from reaching the service before the
            # harness has stopped sending to it; the harness stops it itself.
            start_new_session=True,
        )
    service = Service(kind, f"http://{host}:{port}", process, log_path, extra)
    _wait_healthy(service, timeout)
    return service


@contextlib.contextmanager
def running_services(
    kinds: Iterable[str] = SERVICE_KINDS,
    profile: str = "fast",
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[dict[str, Service]]:
    """Start each service, yield them by kind, and stop them all on exit, crash or Ctrl-C."""
    started: dict[str, Service] = {}
    try:
        for kind in kinds:
            started[kind] = start_service(kind, profile=profile, env=env, log_dir=log_dir)
        yield started
    finally:
        for service in started.values():
            service.stop()
