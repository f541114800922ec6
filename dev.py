#!/usr/bin/env python3
"""Bootstrap for a fresh machine: make `.venv`, install the project, then run a verb.

    python3 dev.py demo [demo options]   # the pre-rollout validation run on the bundled recording
    python3 dev.py test [pytest options] # ruff, then the whole test suite

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def _run(*cmd: str | Path, check: bool = True) -> int:
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before the venv, on any python3
        sys.exit(f"dev.py: Python 3.11+ is needed, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        _run(sys.executable, "-m", "venv", VENV)
    # Reinstall only when the dependency list changed: a warm run starts in a second.
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    _run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[dev]")
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The HTML report is checked in a real headless Chromium; install Debian's when we can."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        print("dev.py: no chromium and no root apt-get; browser tests will skip", file=sys.stderr)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL).returncode:
            print(f"dev.py: {' '.join(cmd)} failed; browser tests will skip", file=sys.stderr)
            return


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 64
    verb, rest = argv[0], argv[1:]
    ensure_venv()
    if verb == "demo":
        return _run(BIN / "shadow-harness", "demo", *rest, check=False)
    ensure_chromium()
    if _run(BIN / "ruff", "check", ".", check=False):
        return 1
    return _run(BIN / "python", "-m", "pytest", *rest, check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
