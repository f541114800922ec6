"""MigrationController: the harness gate on live pairs decides ADVANCE / HOLD / ROLLBACK."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from proxy_fixtures import Backend, eventually, fast_settings, running_proxy

pytestmark = pytest.mark.anyio


async def _mirror(proxy: Any, n: int, start: int = 0) -> None:
    """``n`` requests, 50 at a time; returns once every pair is written."""
    for first in range(start, start + n, 50):
        answers = await asyncio.gather(*(
            proxy.send(body={"query": f"q{i}"}, headers={"x-user-id": f"u{i}"})
            for i in range(first, min(first + 50, start + n))))
        assert all(status == 200 for status, _, _ in answers)
    await eventually(lambda: proxy.proxy.mirror.completed >= start + n, timeout_s=20)


# Both sides take the same 100 ms, so the paired slowdown the gate measures is ~1.0x even on a
# loaded machine (a few ms of loop jitter is small against 100 ms).
SAME_SPEED = 0.1


async def test_live_window_advances_then_holds_then_rolls_back(tmp_path: Path) -> None:
    legacy = await Backend("legacy", delay_s=SAME_SPEED).start()
    graph = await Backend("graph", delay_s=SAME_SPEED).start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow",
                             monitor={"max_error_rate": 1.0})  # leave the verdict to the gate
    try:
        async with running_proxy(settings) as proxy:
            await _mirror(proxy, 300)
            status, decision = await proxy.admin("POST", "/admin/controller/check")
            assert status == 200
            assert (decision["step"], decision["decision"]) == ("day-8", "ADVANCE"), decision
            assert decision["after"] == {"step": "day-8", "graph_percentage": 10}
            assert decision["evidence"]["rows"] == 300
            # Evidence starts afresh at the new share: nothing yet for day-9.
            _, decision = await proxy.admin("POST", "/admin/controller/check")
            assert (decision["step"], decision["decision"]) == ("day-9", "HOLD")
            assert decision["reasons"], "a HOLD says why"
            assert proxy.proxy.state.graph_percentage == 10
            # The graph starts failing a third of its answers: the gate says ROLLBACK and
            # the configured (gradual) rollback starts from 10 %.
            graph.error_rate = 0.34
            await _mirror(proxy, 300, start=300)
            _, decision = await proxy.admin("POST", "/admin/controller/check")
            assert decision["decision"] == "ROLLBACK", decision
            assert decision["action"] == "gradual rollback"
            await eventually(lambda: proxy.proxy.state.graph_percentage == 0, timeout_s=10)
            _, state = await proxy.admin("GET", "/admin/state")
            assert [d["decision"] for d in state["decisions"]] == ["ADVANCE", "HOLD", "ROLLBACK"]
            assert all(d["reasons"] or d["decision"] == "ADVANCE" for d in state["decisions"])
    finally:
        await legacy.stop()
        await graph.stop()


async def test_check_a_given_run_dir_and_step(tmp_path: Path) -> None:
    legacy = await Backend("legacy", delay_s=SAME_SPEED).start()
    graph = await Backend("graph", delay_s=SAME_SPEED).start()
    try:
        settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow")
        async with running_proxy(settings) as proxy:
            await _mirror(proxy, 300)
        other = fast_settings(tmp_path / "second", legacy.url, graph.url, mode="shadow")
        async with running_proxy(other) as proxy:
            status, decision = await proxy.admin(
                "POST", "/admin/controller/check",
                {"run_dir": str(tmp_path / "run"), "step": "day-8"})
            assert status == 200 and decision["decision"] == "ADVANCE", decision
            assert decision["evidence"]["run_dir"] == str(tmp_path / "run")
            status, body = await proxy.admin("POST", "/admin/controller/check",
                                             {"step": "day-42"})
            assert status == 422 and "day-42" in body["detail"]
            status, body = await proxy.admin("POST", "/admin/controller/check",
                                             {"run_dir": str(tmp_path / "missing")})
            assert status == 422 and "not a RUN_DIR" in body["detail"]
    finally:
        await legacy.stop()
        await graph.stop()


class _Report:
    def __init__(self, decision: str) -> None:
        self.decision = decision

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "steps": [
            {"name": "day-9", "decision": self.decision, "reasons": ["synthetic"]}]}


async def test_rollback_action_is_configurable_and_force_legacy_holds(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=10,
                             controller={"on_rollback": "emergency"})
    try:
        async with running_proxy(settings, evaluate=lambda *a: _Report("ROLLBACK")) as proxy:
            await proxy.admin("POST", "/admin/percentage",
                              {"graph_percentage": 10, "step": "day-8"})
            _, decision = await proxy.admin("POST", "/admin/controller/check")
            assert (decision["step"], decision["action"]) == ("day-9", "emergency rollback")
            assert proxy.proxy.state.force_legacy is True
            _, decision = await proxy.admin("POST", "/admin/controller/check")
            assert decision["decision"] == "HOLD"
            assert "force_legacy" in decision["reasons"][0]
    finally:
        await legacy.stop()
        await graph.stop()


async def test_controller_on_an_interval(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    settings = fast_settings(tmp_path, legacy.url, graph.url,
                             controller={"interval_s": 0.02})
    try:
        async with running_proxy(settings, evaluate=lambda *a: _Report("HOLD")) as proxy:
            await eventually(lambda: len(proxy.proxy.store.decisions()) >= 2)
            assert proxy.proxy.state.graph_percentage == 0
    finally:
        await legacy.stop()
        await graph.stop()
