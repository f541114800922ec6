"""Ctrl-C during a demo: both services stop, every request is still accounted for, and the
unfinished run is gated INVALID (exit 4), never passed off as a short complete one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil
import pytest

from harness.results import read_results

pytestmark = pytest.mark.slow


def test_ctrl_c_stops_the_services_and_accounts_for_every_request(tmp_path: Path) -> None:
    out = tmp_path / "run"
    demo = subprocess.Popen(
        [sys.executable, "-m", "harness", "demo", "--profile", "fast", "--requests", "6000",
         "--concurrency", "2", "--out", str(out), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "run.json").is_file() or len(
                psutil.Process(demo.pid).children(recursive=True)) < 2:
            assert demo.poll() is None, demo.stderr.read().decode()
            assert time.monotonic() < deadline, "the demo never started replaying"
            time.sleep(0.1)
        services = psutil.Process(demo.pid).children(recursive=True)
        time.sleep(1.0)
        demo.send_signal(signal.SIGINT)
        stdout, stderr = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 4, stderr.decode()[-2000:]
    _, alive = psutil.wait_procs(services, timeout=10)
    assert not alive, f"services still running: {alive}"
    run = orjson.loads((out / "run.json").read_bytes())
    assert run["finished"] is False
    frame = read_results(out)
    assert len(frame) == 6000
    assert frame["id"].is_unique
    skipped = frame[frame["outcome"] == "skipped"]
    assert len(skipped) > 0
    assert skipped["reason"].str.startswith("interrupted").all()
    decisions = {s["decision"] for s in orjson.loads(stdout)["gate"]["steps"]}
    assert decisions == {"INVALID"}
