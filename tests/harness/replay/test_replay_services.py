"""The engine against the real legacy and graph services (fast profile)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness.config import load_config
from harness.parity import Comparator
from harness.pipeline import run_event_loop
from harness.recording import BUNDLED_RECORDING, Recording
from harness.replay import Pacing, replay
from harness.results import ResultWriter, read_results

ROOT = Path(__file__).resolve().parents[3]


def _is_edge_case(request) -> bool:
    body = request.body if isinstance(request.body, dict) else {}
    text = body.get("content", body.get("query"))
    return (not isinstance(text, str) or text == "" or len(text) > 50_000
            or any(ord(c) > 0x2000 for c in text[:200])
            or body.get("top_k") in (0, 51) or body.get("max_results") in (0, 100))


@pytest.mark.slow
def test_bundled_sample_against_the_services(legacy_url: str, graph_url: str,
                                             tmp_path: Path) -> None:
    sample = list(Recording(BUNDLED_RECORDING))
    chosen = sample[:150] + [r for r in sample[150:] if _is_edge_case(r)]
    config = load_config(ROOT / "harness.toml")
    path = tmp_path / "results.parquet"
    with ResultWriter(path) as writer:
        stats = run_event_loop(replay(
            chosen, legacy=legacy_url, graph=graph_url, noise_sample=20,
            pacing=Pacing.closed_loop(16), timeout_s=30, comparator=Comparator(config.parity),
            writer=writer, progress=False))
    frame = read_results(path)
    assert stats.finished and stats.rows == len(chosen) == len(frame)
    assert list(frame["id"]) == [r.id for r in chosen]
    assert Counter(frame["outcome"]) == {"compared": len(chosen)}, frame["reason"].dropna()
    by_id = frame.set_index("id")
    rejected = [r.id for r in chosen if isinstance(r.body, dict)
                and (r.body.get("top_k") in (0, 51) or r.body.get("max_results") in (0, 100))]
    assert rejected
    for request_id in rejected:  # rejections are answers, compared like any other
        row = by_id.loc[request_id]
        assert 400 <= row["legacy_status"] < 500 and row["verdict"] in ("match", "noise_only",
                                                                         "mismatch")
    assert frame["verdict"].notna().all()
    noisy = frame.head(20)
    assert noisy["secondary_status"].notna().all()
    assert all(isinstance(json.loads(d), list) for d in noisy["secondary_diff"])
    assert frame.iloc[20:]["secondary_status"].isna().all()
