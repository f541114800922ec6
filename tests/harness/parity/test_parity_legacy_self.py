"""Legacy against itself, over the real service: no false mismatches, and noise that is learned.

Both run the real replay engine against the legacy service (fast profile, faults off) on the
bundled sample recording, with legacy standing in for the graph.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from parity_support import LEGACY_RULES

from harness.config import ParityRules, VolatileField
from harness.parity import Comparator, learn_noise
from harness.recording import Recording
from harness.replay import Pacing, replay
from harness.results import COLUMNS

SAMPLE = Path(__file__).resolve().parents[3] / "recordings" / "sample.jsonl.gz"


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(COLUMNS))


def _replay(url: str, comparator: Comparator, limit: int | None = None,
            noise_sample: int = 0) -> pd.DataFrame:
    rows = Rows()
    stats = asyncio.run(replay(
        Recording(SAMPLE, limit=limit), legacy=url, graph=url, noise_sample=noise_sample,
        pacing=Pacing.closed_loop(32), timeout_s=10.0, comparator=comparator, writer=rows,
        progress=False,
    ))
    assert stats.finished
    return rows.frame()


@pytest.mark.slow
def test_legacy_against_legacy_over_the_whole_sample_has_zero_mismatches(
    legacy_url: str,
) -> None:
    # sla_compliance is derived from the measured time, as harness.toml says: a legacy
    # request near the SLA may pass it once and miss it the next time.
    rules = LEGACY_RULES.model_copy(update={"volatile": [*LEGACY_RULES.volatile, VolatileField(
        path="performance_metrics.sla_compliance", shape="boolean")]})
    frame = _replay(legacy_url, Comparator(rules))
    compared = frame.loc[frame["outcome"] == "compared"]
    assert len(frame) >= 5000
    assert len(compared) >= 0.95 * len(frame)  # faults are off: errors would be real ones
    mismatching = compared.loc[compared["verdict"] == "mismatch", ["id", "mismatches"]]
    assert mismatching.empty, mismatching.head(5).to_dict("records")
    # The ids really do differ every time: the pairs matched because the rules say why.
    assert (compared["verdict"] == "noise_only").mean() > 0.9


# Timings are volatile by design and configured as such; what legacy answers differently
# besides (ids, timestamps) is left for the data to find.
TIMINGS = ParityRules(volatile=[
    VolatileField(path="performance_metrics.total_time", shape="integer", min=0),
    VolatileField(path="performance_metrics.sla_compliance", shape="boolean"),
    VolatileField(path="search_time", shape="integer", min=0),
    VolatileField(path="extraction_time", shape="integer", min=0),
])


@pytest.mark.slow
def test_noise_learned_from_legacy_asked_twice_explains_legacy_and_nothing_else(
    legacy_url: str,
) -> None:
    # Without id rules every answer differs in its id first. About 90 answers of the rarest
    # endpoint are what the 5 % equivalence margin needs when ids always differ.
    naive = _replay(legacy_url, Comparator(TIMINGS), limit=700, noise_sample=700)
    assert (naive["verdict"] == "mismatch").mean() > 0.9
    model = learn_noise(naive)
    noisy = set(model.noisy_paths)
    assert {"workflow_id", "search_id", "config_id"} <= noisy
    assert "status" not in {f.path for f in model.fields}  # never differed at all
    for field in model.fields:
        assert field.is_noise == (field.legacy_count > 0 and field.ci_high <= model.margin
                                  and field.rows >= 30)

    # With what was learned, the same traffic compares clean: no learned path is ever a
    # mismatch, and what is left are rare second-boundary flukes of fields seen too seldom.
    learned = Comparator(model.to_rules(TIMINGS))
    again = _replay(legacy_url, learned, limit=300)
    compared = again.loc[again["outcome"] == "compared"]
    left = {m["path"] for cell in compared["mismatches"].dropna() for m in orjson.loads(cell)}
    assert not left & noisy
    assert (compared["verdict"] == "mismatch").mean() < 0.05, left
    assert (compared["verdict"] == "noise_only").mean() > 0.9
