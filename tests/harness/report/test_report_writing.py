"""write_reports: the formats asked for, from RUN_DIR alone, and the inputs it accepts."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from harness.report import FORMATS, ReportInputError, load_evidence, write_reports
from harness.report.evidence import Bounds


def test_all_formats_are_written_and_listed(make_run_dir) -> None:
    run_dir = make_run_dir(n=120)
    written = write_reports(run_dir)
    assert [p.name for p in written] == ["report.html", "summary.md", "junit.xml",
                                         "summary.json", "gate.json"]
    assert all(p.is_file() and p.parent == run_dir for p in written)


def test_only_the_formats_asked_for(make_run_dir) -> None:
    run_dir = make_run_dir(n=120)
    written = write_reports(run_dir, ["junit", "md", "junit"])
    assert [p.name for p in written] == ["junit.xml", "summary.md"]
    assert not (run_dir / "report.html").exists()


def test_json_lists_only_what_exists(make_run_dir) -> None:
    run_dir = make_run_dir(n=120, gate=None)
    assert [p.name for p in write_reports(run_dir, ["json"])] == ["summary.json"]


def test_unknown_format_is_refused_before_anything_is_written(make_run_dir) -> None:
    run_dir = make_run_dir(n=120)
    with pytest.raises(ValueError, match="pdf"):
        write_reports(run_dir, ["md", "pdf"])
    assert not (run_dir / "summary.md").exists()
    assert set(FORMATS) == {"html", "md", "junit", "json"}


def test_not_a_run_dir(tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="not a directory"):
        load_evidence(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportInputError, match=r"summary\.json"):
        load_evidence(tmp_path / "empty")


def test_bad_json_names_the_file(make_run_dir) -> None:
    run_dir = make_run_dir(n=60)
    (run_dir / "gate.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"gate\.json: not valid JSON"):
        load_evidence(run_dir)


def test_a_bad_mismatches_line_names_the_file_and_line(make_run_dir) -> None:
    run_dir = make_run_dir(n=300)
    lines = (run_dir / "mismatches.jsonl").read_bytes().splitlines()
    lines.insert(1, b"{broken")
    (run_dir / "mismatches.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ReportInputError, match=r"mismatches\.jsonl:2"):
        load_evidence(run_dir)


@pytest.mark.parametrize("spelled", [[0.01, 0.03], {"low": 0.01, "high": 0.03},
                                     {"estimate": 0.02, "low": 0.01, "high": 0.03,
                                      "confidence": 0.95}])
def test_intervals_in_any_spelling_summary_json_uses(spelled: object) -> None:
    bounds = Bounds.model_validate(spelled)
    assert (bounds.low, bounds.high) == (0.01, 0.03)


def test_an_interval_of_three_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[low, high\]"):
        Bounds.model_validate([1, 2, 3])


def test_step_slas_come_from_the_runs_config(make_run_dir) -> None:
    run_dir = make_run_dir(n=60)
    assert load_evidence(run_dir).sla_ms == [2500.0, 2600.0, 2800.0, 3000.0]  # the plan's
    run = orjson.loads((run_dir / "run.json").read_bytes())
    run["config"] = {"schedule": {"steps": [{"name": "only", "day": 1, "graph_percentage": 5,
                                             "min_requests": 10, "sla_s": 1.5, "phase": 1}]}}
    (run_dir / "run.json").write_bytes(orjson.dumps(run))
    assert load_evidence(run_dir).sla_ms == [1500.0, 3000.0]


def test_fallback_error_counts_agree_with_the_analysis(make_run_dir) -> None:
    from harness.report.error_rates import error_rates

    run_dir = make_run_dir(n=400, graph_down=True)
    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    rates = {(r.scope, r.side): r for r in error_rates(load_evidence(run_dir))}
    for side in ("legacy", "graph"):
        assert rates["overall", side].errors == summary[side]["errors"]
        assert rates["overall", side].sent == summary[side]["requests"]
