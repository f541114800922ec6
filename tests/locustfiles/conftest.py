"""Fixtures for the locustfile tests: the locustfiles' own modules on sys.path (Locust puts
them there when it loads a locustfile), small recordings, stand-in services and a runner for
Locust in a subprocess (Locust monkey-patches the process that imports it, so never here)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sample_recording import write_recording

from harness.services import free_port

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILES = ROOT / "locustfiles"
STAND_IN = Path(__file__).resolve().parent / "stand_in.py"
sys.path.insert(0, str(LOCUSTFILES))


@pytest.fixture
def recording(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "rec.jsonl"
    return path, write_recording(path, 240)


@dataclass
class StandIn:
    url: str
    process: subprocess.Popen[bytes]


def _start_stand_in(*args: str) -> StandIn:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(STAND_IN), str(port), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return StandIn(url, process)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"stand-in on {url} did not start")


@pytest.fixture(scope="session")
def stand_ins() -> Iterator[dict[str, str]]:
    """legacy, an identical graph, a graph that answers search differently, and a legacy
    that fails every 7th request with a 503."""
    started = {
        "legacy": _start_stand_in(),
        "graph": _start_stand_in(),
        "graph_skewed": _start_stand_in("--skew", "search"),
        "legacy_faulty": _start_stand_in("--fail-every", "7"),
    }
    try:
        yield {name: s.url for name, s in started.items()}
    finally:
        for stand_in in started.values():
            stand_in.process.terminate()
            stand_in.process.wait(timeout=10)


@dataclass
class LocustResult:
    code: int
    output: str


def run_locust(args: list[str], cwd: Path, timeout: float = 180) -> LocustResult:
    """``locust ARGS`` in a subprocess, from ``cwd`` (so no harness.toml is picked up)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHADOW_", "LOCUST_"))}
    completed = subprocess.run([sys.executable, "-m", "locust", *args], cwd=cwd, env=env,
                               capture_output=True, timeout=timeout)
    output = completed.stdout.decode(errors="replace") + completed.stderr.decode(
        errors="replace")
    return LocustResult(completed.returncode, output)
