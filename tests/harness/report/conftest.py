"""Fixtures of the report tests: synthetic RUN_DIRs (see run_dirs.py) and a headless browser."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from run_dirs import build_run_dir

MakeRunDir = Callable[..., Path]


@pytest.fixture
def make_run_dir(tmp_path: Path) -> MakeRunDir:
    counter = iter(range(1_000_000))

    def make(name: str | None = None, **options: Any) -> Path:
        return build_run_dir(tmp_path / (name or f"run-{next(counter)}"), **options)

    return make


@pytest.fixture(scope="session")
def shared_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RUN_DIR for the read-only tests (building one takes about a second). Tests that
    write reports into it only ever write the same files from the same inputs."""
    return build_run_dir(tmp_path_factory.mktemp("shared") / "run-shared")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_binary() -> str | None:
    """The system Chromium (dev.py installs Debian's in CI); None when there is none."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary (/usr/bin/chromium or on PATH): `python3 dev.py test` "
                    "installs it with apt-get where it can")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
