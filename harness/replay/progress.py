"""The replay's progress bar: done/total, pairs/s, parity %, errors.

Drawn by rich on stderr (stdout stays for the verbs' output), refreshed from the Tally a few
times a second by its own task, so the hot path never touches it. Quiet when stderr is not a
terminal or ``CI`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from harness.replay.tally import Tally

REFRESH_S = 0.25


def progress_wanted(flag: bool | None, stream: TextIO | None = None) -> bool:
    """An explicit flag wins; otherwise a bar only on a terminal outside CI."""
    if flag is not None:
        return flag
    if os.environ.get("CI"):
        return False
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def describe(tally: Tally) -> dict[str, str]:
    """The bar's text fields, from the live counters."""
    elapsed = tally.elapsed_s
    sent = tally.rows - tally.skipped
    rate = sent / elapsed if elapsed > 0 else 0.0
    parity = tally.parity_rate
    return {
        "rate": f"{rate:,.0f} pairs/s",
        "parity": "parity –" if parity is None else f"parity {parity:.2%}",
        "errors": f"errors L{tally.legacy_error + tally.both_error} "
                  f"G{tally.graph_error + tally.both_error}",
        "skipped": f"skipped {tally.skipped}" if tally.skipped else "",
    }


class ReplayProgress:
    """``async with ReplayProgress(tally, enabled).showing(total):`` around the replay."""

    def __init__(self, tally: Tally, enabled: bool | None = None,
                 console: Console | None = None) -> None:
        self.tally = tally
        self.enabled = progress_wanted(enabled)
        self._console = console

    def _bar(self) -> Progress:
        console = self._console or Console(stderr=True)
        return Progress(
            TextColumn("[bold]replay"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[parity]}"),
            TextColumn("{task.fields[errors]}"),
            TextColumn("{task.fields[skipped]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            auto_refresh=False,
            transient=False,
        )

    def _update(self, bar: Progress, task: TaskID) -> None:
        bar.update(task, completed=self.tally.rows, **describe(self.tally))
        bar.refresh()

    async def _refresh(self, bar: Progress, task: TaskID) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            self._update(bar, task)

    @contextlib.asynccontextmanager
    async def showing(self, total: int | None) -> AsyncIterator[None]:
        if not self.enabled:
            yield
            return
        bar = self._bar()
        task = bar.add_task("replay", total=total, **describe(self.tally))
        bar.start()
        refresher = asyncio.create_task(self._refresh(bar, task))
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            self._update(bar, task)
            bar.stop()
