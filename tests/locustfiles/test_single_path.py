"""legacy.py (and graph.py): one side per request, the other side's columns left empty, no
PARITY and no gate by default, so Locust's own exit code stands."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from locust_process import LOCUSTFILES, run_locust
from sample_recording import write_recording

from harness.results import read_results

pytestmark = pytest.mark.slow


def test_legacy_only_rows_claim_nothing_about_graph(tmp_path: Path,
                                                    stand_ins: dict[str, str]) -> None:
    recording = tmp_path / "rec.jsonl"
    ids = write_recording(recording, 240)
    run_dir = tmp_path / "run"
    # --host, Locust's own option, is enough for a single path; this legacy fails every 7th.
    result = run_locust([
        "-f", str(LOCUSTFILES / "legacy.py"), "--headless", "--only-summary",
        "-u", "3", "-r", "3", "-t", "120s", "--once", "--host", stand_ins["legacy_faulty"],
        "--recording", str(recording), "--run-dir", str(run_dir),
        "--json-file", str(run_dir / "locust"),
    ], cwd=tmp_path)
    assert "Traceback" not in result.output, result.output

    stats = orjson.loads((run_dir / "locust.json").read_bytes())
    assert {e["name"].split()[0] for e in stats} == {"legacy"}
    assert not any(e["method"] == "PARITY" for e in stats)
    failures = sum(e["num_failures"] for e in stats)
    assert sum(e["num_requests"] for e in stats) == len(ids)

    frame = read_results(run_dir)
    assert sorted(frame["id"]) == ids
    assert set(frame["outcome"]) == {"compared", "legacy_error"}
    assert (frame["outcome"] == "legacy_error").sum() == failures > 0
    assert set(frame.loc[frame["outcome"] == "legacy_error", "legacy_error"]) == {"http_5xx"}
    for column in ("graph_status", "graph_error", "graph_latency_ms", "verdict"):
        assert frame[column].isna().all(), column
    assert frame["legacy_latency_ms"].notna().all()

    # No gate for a single path: Locust's own code (1: some requests failed).
    assert result.code == 1, result.output
    assert not (run_dir / "gate.json").exists()
