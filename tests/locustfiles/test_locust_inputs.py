"""Bad input to the locustfiles ends at start-up with one clear line and exit code 64, not a
traceback and not a load test of nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from locust_process import LOCUSTFILES, clean_env, locust_command

from harness.services import free_port

pytestmark = pytest.mark.slow


def test_missing_recording_and_unreachable_target_are_refused(
        tmp_path: Path, stand_ins: dict[str, str]) -> None:
    base = ["-f", str(LOCUSTFILES / "shadow.py"), "--headless", "-u", "1", "-r", "1",
            "-t", "30s", "--run-dir", str(tmp_path / "run")]
    nowhere = f"http://127.0.0.1:{free_port()}"
    cases = {
        "recording": [*base, "--recording", str(tmp_path / "missing.jsonl.gz"),
                      "--legacy-host", stand_ins["legacy"], "--graph-host", stand_ins["graph"]],
        "target": [*base, "--legacy-host", stand_ins["legacy"], "--graph-host", nowhere],
        "graph option": [*base, "--legacy-host", stand_ins["legacy"]],
    }
    # Side by side: each spends most of its time importing Locust.
    running = {name: subprocess.Popen(locust_command(args), cwd=tmp_path, env=clean_env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for name, args in cases.items()}
    outputs = {name: process.communicate(timeout=240)[0].decode(errors="replace")
               for name, process in running.items()}
    for name, process in running.items():
        assert process.returncode == 64, (name, outputs[name])
        assert "Traceback" not in outputs[name], outputs[name]
    assert f"{tmp_path / 'missing.jsonl.gz'}: recording not found" in outputs["recording"]
    assert f"graph target {nowhere} is not reachable" in outputs["target"]
    assert "--graph-host" in outputs["graph option"]
    assert not (tmp_path / "run" / "shards").exists()
