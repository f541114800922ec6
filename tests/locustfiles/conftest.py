"""Fixtures for the locustfile tests: the locustfiles' private modules on sys.path, and
stand-in services whose answers the tests control."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from locust_process import LOCUSTFILES

from harness.services import free_port

STAND_IN = Path(__file__).resolve().parent / "stand_in.py"
# Locust puts a locustfile's folder on sys.path; the tests import the private modules the same way.
sys.path.insert(0, str(LOCUSTFILES))


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
