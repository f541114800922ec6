"""The end of a Locust run, on the master (or the only process): record what ran in run.json,
wait for every worker's shard, check that nothing was counted twice, and gate a step.

The gate's exit code becomes Locust's, so ``locust --headless ...`` is a release gate in CI.
A run whose evidence is incomplete (a shard missing, an id twice) is recorded as
``finished: false``, which the gate answers with INVALID.

This module must not import locust or gevent: the tests use it in the pytest process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _shards import SHARDS_DIR, merge_examples, wait_for_shards

from harness.config import HarnessConfig
from harness.results import read_results
from harness.rundir import MISMATCHES_JSONL, RUN_JSON, finish_record, start_record, write_json

EXIT_CRASH = 1
EXIT_INVALID = 4
SHARD_WAIT_S = 30.0


@dataclass(frozen=True, slots=True)
class Finish:
    code: int | None  # None: no gate ran, Locust's own exit code stands
    messages: tuple[str, ...] = field(default=())


def start_run(run_dir: Path, *, targets: dict[str, str | None], recording: Path, once: bool,
              config: HarnessConfig, timeout_s: float, users: list[str],
              workers: int) -> dict[str, Any]:
    """run.json as the test starts: a crash before the end leaves ``finished: false``."""
    record = start_record(
        "locust",
        run_id=Path(run_dir).resolve().name,
        targets={"legacy": targets.get("legacy"), "graph": targets.get("graph"),
                 "secondary": None},
        recording={"path": str(recording), "limit": None, "skip_invalid": False,
                   "laps": "once" if once else "until --run-time ends"},
        pacing={"mode": "closed_loop", "by": "locust users"},
        timeout_s=timeout_s,
        config=config.model_dump(mode="json"),
        locust={"user_classes": users, "workers": workers},
    )
    write_json(Path(run_dir) / RUN_JSON, _public(record))
    return record


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "started_monotonic"}


def _counts(frame: Any) -> dict[str, int]:
    outcomes = frame["outcome"].value_counts()
    return {"total": len(frame), **{str(k): int(v) for k, v in outcomes.items()}}


def finish_run(
    run_dir: Path,
    record: dict[str, Any],
    shards: Iterable[Path],
    step: str | None,
    config: HarnessConfig,
    shard_wait_s: float = SHARD_WAIT_S,
    sleep: Callable[[float], None] | None = None,
) -> Finish:
    """Complete run.json and gate ``step`` (None: no gate). Never raises for bad evidence:
    every problem is a message and an exit code."""
    run_dir = Path(run_dir)
    messages: list[str] = []
    kwargs = {"sleep": sleep} if sleep else {}
    missing = wait_for_shards(shards, shard_wait_s, **kwargs)
    finished = not missing
    extra: dict[str, Any] = {}
    if missing:
        names = ", ".join(p.name for p in missing)
        messages.append(f"{len(missing)} worker shard(s) never completed: {names}")
        extra["missing_shards"] = [p.name for p in missing]
    try:
        frame = read_results(run_dir)
    except FileNotFoundError:
        frame = None
        finished = False
        messages.append(f"{run_dir / SHARDS_DIR}: no results were written (no request sent)")
    if frame is not None:
        duplicates = int(frame["id"].duplicated().sum())
        if duplicates:
            finished = False
            messages.append(f"{duplicates} request id(s) appear in more than one row: "
                            "shards overlap, the evidence is invalid")
            extra["duplicate_ids"] = duplicates
        extra["requests"] = _counts(frame)
    extra["shards"] = sorted(p.name for p in (run_dir / SHARDS_DIR).glob("results*.parquet"))
    extra["examples"] = merge_examples(run_dir, run_dir / MISMATCHES_JSONL)
    finish_record(record, finished=finished, **extra)
    write_json(run_dir / RUN_JSON, _public(record))
    if step is None:
        return Finish(None if finished else EXIT_CRASH, tuple(messages))
    if frame is None:
        return Finish(EXIT_INVALID, tuple(messages))
    return _gate(run_dir, config, step, messages)


def _gate(run_dir: Path, config: HarnessConfig, step: str, messages: list[str]) -> Finish:
    try:
        from harness.gate import exit_code
        from harness.pipeline import run_gate
    except ImportError as exc:
        messages.append(f"the gate is not available ({exc}); no decision was made")
        return Finish(EXIT_CRASH, tuple(messages))
    try:
        report = run_gate(run_dir, config, step=step)
    except KeyError as exc:  # an unknown step name
        messages.append(f"--gate-step: {exc.args[0] if exc.args else exc}")
        return Finish(EXIT_CRASH, tuple(messages))
    code = exit_code(report, step)
    messages.append(f"gate {step}: {_decision(report, step)} (exit code {code}), "
                    f"see {run_dir / 'gate.json'}")
    return Finish(code, tuple(messages))


def _decision(report: Any, step: str) -> str:
    data = report.to_dict() if hasattr(report, "to_dict") else {}
    for item in data.get("steps", []):
        if item.get("name") == step:
            return str(item.get("decision"))
    return "?"
