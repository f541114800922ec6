from __future__ import annotations

import asyncio
import io

import pytest
from fault_server import FaultServer
from replay_doubles import BytesComparator, ListWriter, make_request
from rich.console import Console

from harness.replay import Pacing, ReplayProgress, Tally, progress_wanted, replay
from harness.replay.progress import describe
from harness.verdict import MATCH, Kind, Layer, Mismatch, Verdict


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_bar_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress_wanted(None, _Stream(tty=True))
    assert not progress_wanted(None, _Stream(tty=False))
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(None, _Stream(tty=True))
    assert progress_wanted(True, _Stream(tty=False))  # an explicit choice wins
    assert not progress_wanted(False, _Stream(tty=True))


def test_fields_show_rate_parity_and_errors() -> None:
    tally = Tally()
    mismatch = Verdict.of((Mismatch("a", Kind.VALUE_CHANGED, Layer.SEMANTIC, 1, 2),))
    for verdict in (MATCH, MATCH, mismatch):
        tally.pair("compared", verdict, False)
    tally.pair("graph_error", None, False)
    tally.pair("both_error", None, False)
    tally.skip()
    fields = describe(tally)
    assert fields["parity"] == "parity 66.67%"
    assert fields["errors"] == "errors L1 G2"
    assert fields["skipped"] == "skipped 1"
    assert fields["rate"].endswith("pairs/s")
    assert describe(Tally())["parity"] == "parity –"


def test_bar_renders_done_of_total() -> None:
    tally = Tally()
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)

    async def run() -> None:
        async with ReplayProgress(tally, enabled=True, console=console).showing(5):
            for _ in range(3):
                tally.pair("compared", MATCH, False)

    asyncio.run(run())
    text = out.getvalue()
    assert "3/5" in text and "parity 100.00%" in text and "pairs/s" in text


def test_disabled_bar_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    async def run() -> None:
        async with ReplayProgress(Tally(), enabled=False).showing(5):
            pass

    asyncio.run(run())
    assert capsys.readouterr() == ("", "")


def test_replay_draws_its_bar_on_stderr(server: FaultServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    recording = [make_request(i) for i in range(7)]
    asyncio.run(replay(recording, legacy=f"{server.url}/ok", graph=f"{server.url}/ok",
                       pacing=Pacing.closed_loop(2), timeout_s=2, comparator=BytesComparator(),
                       writer=ListWriter(), progress=True))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "7/7" in captured.err and "parity 100.00%" in captured.err
