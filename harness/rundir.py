"""RUN_DIR: where one run's evidence and reports live, and run.json, the record of what ran."""

from __future__ import annotations

import os
import platform
import secrets
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

RUN_JSON = "run.json"
SUMMARY_JSON = "summary.json"
GATE_JSON = "gate.json"
MISMATCHES_JSONL = "mismatches.jsonl"
DEFAULT_REPORTS = Path("reports")

_VERSIONED = ("shadow-harness", "pydantic", "pydantic-graph", "deepdiff", "pandas", "pyarrow",
              "aiohttp", "orjson", "fastapi", "uvicorn", "scipy", "locust")


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def create_run_dir(out: Path | None = None, reports: Path = DEFAULT_REPORTS) -> Path:
    """``out`` itself, or a new ``reports/<run-id>/`` with ``reports/latest`` pointing at it."""
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        return out
    run_dir = reports / new_run_id()
    run_dir.mkdir(parents=True, exist_ok=False)
    point_latest(run_dir)
    return run_dir


def point_latest(run_dir: Path) -> None:
    latest = run_dir.parent / "latest"
    # Replace atomically so a reader never sees a missing link.
    temp = run_dir.parent / f".latest-{os.getpid()}"
    temp.unlink(missing_ok=True)
    temp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(temp, latest)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def write_json(path: Path, data: Any) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
                                  | orjson.OPT_NON_STR_KEYS) + b"\n")
    os.replace(temp, path)


def read_json(path: Path) -> Any:
    try:
        return orjson.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not found (is this a complete RUN_DIR?)") from None
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


def read_run(run_dir: Path) -> dict[str, Any]:
    """run.json, or an empty record for a RUN_DIR written without one."""
    path = Path(run_dir) / RUN_JSON
    return read_json(path) if path.is_file() else {}


def start_record(command: str, **fields: Any) -> dict[str, Any]:
    return {
        "command": command,
        "started_at": datetime.now(UTC).isoformat(),
        "started_monotonic": time.monotonic(),
        "finished": False,
        "versions": versions(),
        "host": platform.node(),
        **fields,
    }


def finish_record(record: dict[str, Any], **fields: Any) -> dict[str, Any]:
    elapsed = time.monotonic() - record.pop("started_monotonic", time.monotonic())
    record.update(finished_at=datetime.now(UTC).isoformat(), duration_s=round(elapsed, 3),
                  **fields)
    return record
