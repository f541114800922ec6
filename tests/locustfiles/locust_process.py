"""Locust in a subprocess for the tests (importing locust would monkey-patch pytest's own
process with gevent), and where the locustfiles are."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILES = ROOT / "locustfiles"


@dataclass
class LocustResult:
    code: int
    output: str


def locust_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "locust", *args]


def clean_env() -> dict[str, str]:
    """The environment without SHADOW_*/LOCUST_* settings a developer may have exported."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SHADOW_", "LOCUST_"))}


def run_locust(args: list[str], cwd: Path, timeout: float = 240) -> LocustResult:
    """``locust ARGS`` from ``cwd`` (a temporary directory: no harness.toml is picked up)."""
    completed = subprocess.run(locust_command(args), cwd=cwd, env=clean_env(),
                               capture_output=True, timeout=timeout)
    output = completed.stdout.decode(errors="replace") + completed.stderr.decode(
        errors="replace")
    return LocustResult(completed.returncode, output)
