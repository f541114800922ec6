"""shadow-harness: replay recorded traffic against a legacy service and its replacement,
check exact legacy-format parity, and gate each step of the migration schedule.

    from harness import Recording, load_config, replay_run, Targets, ReplayOptions
    replay_run(run_dir, Path("recordings/sample.jsonl.gz"),
               Targets("http://127.0.0.1:8001", "http://127.0.0.1:8002"),
               load_config(), ReplayOptions(concurrency=64))

Submodules load lazily, so `import harness` stays cheap for the CLI and the services.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Check": "harness.gate",
    "Comparator": "harness.parity",
    "ConfigError": "harness.config",
    "Exchange": "harness.observation",
    "ExampleSink": "harness.parity",
    "GateReport": "harness.gate",
    "HarnessConfig": "harness.config",
    "Kind": "harness.verdict",
    "Layer": "harness.verdict",
    "Mismatch": "harness.verdict",
    "NoiseModel": "harness.parity",
    "Observation": "harness.observation",
    "Outcome": "harness.verdict",
    "Pacing": "harness.replay",
    "RecordedRequest": "harness.recording",
    "Recording": "harness.recording",
    "RecordingError": "harness.recording",
    "ReplayOptions": "harness.pipeline",
    "ResultWriter": "harness.results",
    "Signature": "harness.parity",
    "Step": "harness.config",
    "Targets": "harness.pipeline",
    "Verdict": "harness.verdict",
    "evaluate": "harness.gate",
    "exit_code": "harness.gate",
    "finalize": "harness.pipeline",
    "learn_noise": "harness.parity",
    "load_config": "harness.config",
    "read_results": "harness.results",
    "replay": "harness.replay",
    "replay_run": "harness.pipeline",
    "run_demo": "harness.demo",
    "summarize": "harness.analysis",
    "write_reports": "harness.report",
    "write_summary": "harness.analysis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

