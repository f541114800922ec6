"""Fault injection against real loopback backends: the client never sees the graph fail."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from proxy_fixtures import Backend, eventually, fast_settings, running_proxy

pytestmark = pytest.mark.anyio


def _alerts(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


async def test_graph_down_every_request_served_by_legacy(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    await graph.stop()  # nothing listens on its port any more: connection refused
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100)
    try:
        async with running_proxy(settings) as proxy:
            answers = [await proxy.send(body={"query": f"q{i}"},
                                        headers={"x-user-id": f"u{i}"}) for i in range(30)]
            assert [status for status, _, _ in answers] == [200] * 30
            assert all(headers["x-backend"] == "legacy" for _, _, headers in answers)
            fallbacks = proxy.proxy.metrics.fallbacks.values
            # The monitor rolls the share back to 0 % after its minimum of 20 answers, so
            # exactly 20 requests were meant for the graph and fell back.
            assert fallbacks[("connection_refused",)] == 20
            assert proxy.proxy.state.graph_percentage == 0
            await eventually(lambda: any(a["alert"] == "graph_system_down"
                                         for a in _alerts(tmp_path / "run" / "alerts.jsonl")))
            names = {a["alert"] for a in _alerts(tmp_path / "run" / "alerts.jsonl")}
            assert "rollback_triggered" in names
    finally:
        await legacy.stop()


async def test_graph_slow_past_budget_falls_back_within_budget(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", delay_s=0.5).start()  # budget is 0.2 s
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100,
                             monitor={"min_samples": 10, "max_mean_s": 0.15})
    try:
        async with running_proxy(settings) as proxy:
            results = await asyncio.gather(*(proxy.send(headers={"x-user-id": f"u{i}"})
                                             for i in range(10)))
            assert all(status == 200 for status, _, _ in results)
            assert all(h["x-backend"] == "legacy" for _, _, h in results)
            assert proxy.proxy.metrics.fallbacks.values[("timeout",)] == 10
            rollbacks = proxy.proxy.store.rollbacks()
            assert [r["kind"] for r in rollbacks] == ["auto"]
            assert "mean" in rollbacks[0]["reason"]
            assert proxy.proxy.state.graph_percentage == 0
    finally:
        await legacy.stop()
        await graph.stop()


async def test_graph_erroring_20_percent(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", error_rate=0.2, seed=3).start()
    # A generous budget: only the injected 500s may send a request back to legacy here.
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100,
                             sla_budget_s=2.0)
    try:
        async with running_proxy(settings) as proxy:
            statuses = []
            for i in range(60):
                status, body, _headers = await proxy.send(body={"query": f"q{i}"},
                                                         headers={"x-user-id": f"u{i}"})
                statuses.append(status)
                assert body["echo"] == {"query": f"q{i}"}
            assert statuses == [200] * 60
            graph_500s = graph.served() - proxy.proxy.metrics.requests.values[
                ("graph", "search", "200")]
            assert dict(proxy.proxy.metrics.fallbacks.values) == {("http_5xx",): graph_500s}
            assert graph_500s > 0
            # Every request is answered exactly once: by the graph, or by legacy.
            assert legacy.served() + graph.served() - graph_500s == 60
            # 20 % errors pass the 5 % limit as soon as the window holds its 20 answers.
            rollbacks = proxy.proxy.store.rollbacks()
            assert len(rollbacks) == 1 and rollbacks[0]["kind"] == "auto"
            assert rollbacks[0]["window"]["count"] == 20
            assert proxy.proxy.state.graph_percentage == 0
            assert graph.served() == 20  # nothing more reached the graph after the rollback
            alerts = _alerts(tmp_path / "run" / "alerts.jsonl")
            assert any(a["alert"] == "rollback_triggered" for a in alerts)
    finally:
        await legacy.stop()
        await graph.stop()


async def test_sla_violation_and_error_spike_alerts_over_short_windows(tmp_path: Path) -> None:
    """Shadow traffic keeps flowing while the graph is slow and failing half the time: both
    windowed alerts fire (windows scaled to 50 ms buckets, 100 ms streaks)."""
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", delay_s=0.06, error_rate=0.5, seed=5).start()
    settings = fast_settings(
        tmp_path, legacy.url, graph.url, mode="shadow",
        alerts={"sla_violation": {"threshold": 0.03, "for_s": 0.1},
                "error_spike": {"threshold": 0.05, "for_s": 0.1}})
    sink = tmp_path / "run" / "alerts.jsonl"
    try:
        async with running_proxy(settings) as proxy:
            async def keep_sending() -> None:
                i = 0
                while True:
                    status, _, _ = await proxy.send(body={"query": f"q{i}"})
                    assert status == 200
                    i += 1
                    await asyncio.sleep(0.002)

            sender = asyncio.ensure_future(keep_sending())
            try:
                await eventually(lambda: {"sla_violation", "error_spike"}
                                 <= {a["alert"] for a in _alerts(sink)}, timeout_s=15)
            finally:
                sender.cancel()
            alerts = _alerts(sink)
            spike = next(a for a in alerts if a["alert"] == "error_spike")
            assert all(rate > 0.05 for rate in spike["details"]["bucket_error_rates"])
            slow = next(a for a in alerts if a["alert"] == "sla_violation")
            assert all(mean > 0.03 for mean in slow["details"]["bucket_means_s"])
    finally:
        await legacy.stop()
        await graph.stop()
