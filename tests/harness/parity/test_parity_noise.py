from __future__ import annotations

import tomllib
import uuid
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from parity_support import obs, workflow_body

from harness.config import ParityRules, load_config
from harness.parity import Comparator, NoiseModel, learn_noise, save_learned
from harness.results import COLUMNS
from harness.stats import newcombe_diff_ci
from harness.verdict import Kind, Outcome


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    full = []
    for i, row in enumerate(rows):
        base = dict.fromkeys(COLUMNS)
        base.update(id=f"r{i}", seq=i, outcome="compared", endpoint="workflow",
                    legacy_status=200, verdict="match")
        base.update(row)
        full.append(base)
    return pd.DataFrame(full, columns=list(COLUMNS))


def row(graph: list[str] = (), legacy: list[str] = (), noise: list[str] = (),
        **extra: Any) -> dict[str, Any]:
    return {
        "verdict": "mismatch" if graph else ("noise_only" if noise else "match"),
        "mismatches": orjson.dumps([{"path": p, "kind": "value_changed", "layer": "semantic"}
                                    for p in graph]).decode(),
        "noise": orjson.dumps(list(noise)).decode(),
        "secondary_diff": orjson.dumps(list(legacy)).decode(),
        **extra,
    }


def test_a_field_that_differs_by_itself_as_often_is_noise_and_a_real_bug_is_not() -> None:
    rows = []
    for i in range(400):
        graph = ["workflow_id", f"results[{i % 5}].id"]
        if i % 4 == 0:
            graph.append("results[0].score")  # the graph breaks it, legacy never does
        legacy = ["workflow_id", f"results[{(i + 1) % 5}].id"]
        if i % 10 == 0:
            legacy.append("cache_hit")  # legacy wobbles, the graph does not: still noise
        rows.append(row(graph, legacy))
    model = learn_noise(frame(rows))
    by_path = {f.path: f for f in model.fields}
    assert by_path["workflow_id"].is_noise
    assert by_path["results[*].id"].is_noise  # list indices are wildcarded
    assert by_path["cache_hit"].is_noise
    assert not by_path["results[*].score"].is_noise
    assert "legacy never differs" in by_path["results[*].score"].reason
    expected = newcombe_diff_ci(100, 400, 0, 400)
    score = by_path["results[*].score"]
    assert (score.graph_rate, score.legacy_rate) == (0.25, 0.0)
    assert (score.ci_low, score.ci_high) == pytest.approx((expected.low, expected.high))


def test_graph_differing_more_often_than_legacy_wobbles_is_not_noise() -> None:
    rows = [row(["flag"] if i % 2 else [], ["flag"] if i % 10 == 0 else [])
            for i in range(1000)]
    field = learn_noise(frame(rows)).fields[0]
    assert (field.graph_rate, field.legacy_rate) == (0.5, 0.1)
    assert not field.is_noise and field.ci_low > 0.3


def test_too_little_evidence_excuses_nothing() -> None:
    rows = [row(["workflow_id"], ["workflow_id"]) for _ in range(10)]
    field = learn_noise(frame(rows)).fields[0]
    assert not field.is_noise and "too few" in field.reason


def test_rates_count_only_answers_that_have_the_field() -> None:
    rows = [row(["workflow_id"], ["workflow_id"]) for _ in range(200)]
    rows += [row(["search_id"], ["search_id"], endpoint="search") for _ in range(600)]
    rows += [row([], [], endpoint="search", legacy_status=404) for _ in range(100)]
    by_path = {f.path: f for f in learn_noise(frame(rows)).fields}
    assert by_path["workflow_id"].rows == 200 and by_path["workflow_id"].graph_rate == 1.0
    assert by_path["search_id"].rows == 600


def test_rows_without_a_second_legacy_answer_do_not_count() -> None:
    rows = [row(["workflow_id"], ["workflow_id"]) for _ in range(100)]
    rows += [{**row(["workflow_id"]), "secondary_diff": None} for _ in range(900)]
    assert learn_noise(frame(rows)).fields[0].rows == 100


def test_status_and_critical_paths_are_never_noise() -> None:
    rows = [row(["@status", "total"], ["@status", "total"]) for _ in range(300)]
    model = learn_noise(frame(rows), critical=["total"])
    assert model.noisy_paths == ()
    assert {f.reason for f in model.fields} == {"a status code is never noise",
                                                "critical path (zero tolerance)"}


def _learned_model() -> NoiseModel:
    rows = [row(["workflow_id", "performance_metrics.total_time"],
                ["workflow_id", "performance_metrics.total_time"]) for _ in range(300)]
    return learn_noise(frame(rows), legacy_values={"workflow_id": [str(uuid.uuid4())]})


def test_learned_noise_is_used_by_the_comparator_and_still_checks_shape() -> None:
    model = _learned_model()
    assert dict((f.path, f.shape) for f in model.fields)["workflow_id"] == "uuid"
    legacy = obs(workflow_body())
    graph = obs(workflow_body(workflow_id=str(uuid.uuid4()), total_time=9))
    assert Comparator(ParityRules()).compare(legacy, graph).outcome is Outcome.MISMATCH
    learned = Comparator(ParityRules(), model)
    verdict = learned.compare(legacy, graph)
    assert verdict.outcome is Outcome.NOISE_ONLY
    assert set(verdict.noise) == {"workflow_id", "performance_metrics.total_time"}
    broken = obs({**workflow_body(), "workflow_id": 12})
    assert learned.compare(legacy, broken).mismatches[0].kind is Kind.SHAPE
    # Zero tolerance wins over what the data suggested.
    strict = Comparator(ParityRules(critical=["workflow_id"]), model)
    assert strict.compare(legacy, graph).outcome is Outcome.MISMATCH


def test_learned_noise_round_trips_through_harness_toml(tmp_path: Path) -> None:
    config = tmp_path / "harness.toml"
    config.write_text('# my settings\n[replay]\nconcurrency = 8\n\n[parity]\n'
                      'ignore = ["a.b"]\n\n[[parity.learned]]\npath = "stale"\n\n'
                      '[gate]\nalpha = 0.01\n', encoding="utf-8")
    model = _learned_model()
    save_learned(model, config)
    text = config.read_text(encoding="utf-8")
    assert "# my settings" in text and "stale" not in text
    loaded = load_config(config)
    assert loaded.replay.concurrency == 8 and loaded.gate.alpha == 0.01
    assert loaded.parity.ignore == ["a.b"]
    assert [e.path for e in loaded.parity.learned] == list(model.noisy_paths)
    again = NoiseModel.from_rules(loaded.parity)
    assert again.noisy_paths == model.noisy_paths
    assert [f.shape for f in again.fields] == [f.shape for f in model.fields if f.is_noise]
    # A second save replaces, never duplicates.
    save_learned(model, config)
    assert len(tomllib.loads(config.read_text())["parity"]["learned"]) == len(model.noisy_paths)
    legacy = obs(workflow_body())
    graph = obs(workflow_body(workflow_id=str(uuid.uuid4())))
    assert Comparator(loaded.parity).compare(legacy, graph).outcome is Outcome.NOISE_ONLY


def test_the_noise_table_has_the_columns_the_report_reads() -> None:
    table = _learned_model().table()
    assert {"path", "graph_rate", "legacy_rate", "ci_low", "ci_high", "is_noise"} <= set(
        table.columns)
    assert table["is_noise"].all()
