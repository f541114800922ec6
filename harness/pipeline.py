"""The main job as one call: replay a recording into a RUN_DIR, then analyze, gate and report.

``replay``, ``demo`` and ``load`` all end in :func:`finalize`, which is what the separate
``analyze``, ``gate`` and ``report`` verbs do, so every RUN_DIR is complete and can be
recomputed from results.parquet (and run.json) alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from harness._types import Transport
from harness.analysis import write_summary
from harness.config import HarnessConfig
from harness.recording import Recording
from harness.results import RESULTS_FILE, ResultWriter, read_results
from harness.rundir import (
    GATE_JSON,
    MISMATCHES_JSONL,
    RUN_JSON,
    finish_record,
    read_run,
    start_record,
    write_json,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Targets:
    legacy: str
    graph: str
    secondary: str | None = None


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    concurrency: int | None = None
    rate: float | None = None
    speed: float | None = None
    timeout_s: float | None = None
    limit: int | None = None
    skip_invalid: bool = False
    noise_sample: int = 0
    progress: bool | None = None
    transport: Transport | None = None


def run_gate(run_dir: Path, config: HarnessConfig, step: str | None = None):
    """Gate the run's evidence and write gate.json; returns the GateReport."""
    from harness.gate import evaluate

    report = evaluate(read_results(run_dir), config, run=read_run(run_dir), step=step)
    write_json(Path(run_dir) / GATE_JSON, report.to_dict())
    return report


def finalize(run_dir: Path, config: HarnessConfig, formats: tuple[str, ...] = ("html", "md",
             "junit", "json")) -> dict[str, Any]:
    """Analyze, gate every step and write the reports; returns summary.json's content."""
    from harness.report import write_reports

    summary = write_summary(run_dir)
    run_gate(run_dir, config)
    write_reports(run_dir, formats)
    return summary


def _pacing(options: ReplayOptions, config: HarnessConfig):
    from harness.replay import Pacing

    chosen = [name for name in ("rate", "speed") if getattr(options, name) is not None]
    if len(chosen) > 1 or (chosen and options.concurrency is not None):
        raise ValueError("choose one of --concurrency, --rate and --speed")
    if options.rate is not None:
        return Pacing.fixed_rate(options.rate, concurrency=config.replay.concurrency)
    if options.speed is not None:
        return Pacing.open_loop(options.speed, concurrency=config.replay.concurrency)
    return Pacing.closed_loop(options.concurrency or config.replay.concurrency)


async def replay_into(
    run_dir: Path,
    recording_path: Path,
    targets: Targets,
    config: HarnessConfig,
    options: ReplayOptions,
    command: str = "replay",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Replay ``recording_path`` against ``targets`` into ``run_dir``; returns run.json's
    content. run.json is written before the first request, so a crashed run is visible
    as ``finished: false`` (INVALID at the gate), never as a silently short one."""
    from harness.parity import Comparator, ExampleSink
    from harness.replay import replay

    run_dir = Path(run_dir)
    timeout_s = options.timeout_s or config.replay.timeout_s
    pacing = _pacing(options, config)
    recording = Recording(recording_path, skip_invalid=options.skip_invalid,
                          limit=options.limit)
    record = start_record(
        command,
        run_id=run_dir.name,
        targets={"legacy": targets.legacy, "graph": targets.graph,
                 "secondary": targets.secondary},
        recording={"path": str(recording_path), "limit": options.limit,
                   "skip_invalid": options.skip_invalid},
        pacing=pacing.describe(),
        timeout_s=timeout_s,
        transport=options.transport or config.replay.transport,
        noise_sample=options.noise_sample,
        config=config.model_dump(mode="json"),
        **(extra or {}),
    )
    write_json(run_dir / RUN_JSON, {k: v for k, v in record.items()
                                    if k != "started_monotonic"})
    comparator = Comparator(config.parity)
    stats = None
    try:
        with ResultWriter(run_dir / RESULTS_FILE, config.replay.batch_size) as writer, \
                ExampleSink(run_dir / MISMATCHES_JSONL,
                            config.parity.examples_per_path) as examples:
            stats = await replay(
                recording,
                legacy=targets.legacy,
                graph=targets.graph,
                secondary=targets.secondary,
                noise_sample=options.noise_sample,
                pacing=pacing,
                timeout_s=timeout_s,
                comparator=comparator,
                writer=writer,
                examples=examples,
                progress=options.progress,
                skipped_lines=recording.skipped,
                transport=options.transport or config.replay.transport,
            )
    finally:
        finish_record(
            record,
            finished=bool(stats and stats.finished),
            requests=stats.as_dict() if stats else None,
            skipped_lines=[s.as_dict() for s in recording.skipped],
        )
        write_json(run_dir / RUN_JSON, record)
    return record


def replay_run(
    run_dir: Path,
    recording_path: Path,
    targets: Targets,
    config: HarnessConfig,
    options: ReplayOptions,
    command: str = "replay",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole job, synchronously: replay, then analyze, gate and report."""
    run_event_loop(replay_into(run_dir, recording_path, targets, config, options, command,
                               extra))
    return finalize(run_dir, config)


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop when installed: it takes about a quarter off the client's CPU
    per request."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platform without uvloop
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
