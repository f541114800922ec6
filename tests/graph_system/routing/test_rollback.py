"""Emergency and gradual rollback against live loopback backends; alerts to a webhook."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from proxy_fixtures import Backend, eventually, fast_settings, free_port, running_proxy

pytestmark = pytest.mark.anyio


class Receiver:
    """A loopback webhook receiver that keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        self.received.append(orjson.loads(await request.read()))
        return web.Response(status=204)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_emergency_rollback_moves_requests_in_flight_to_legacy(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", hold=asyncio.Event()).start()  # the graph hangs
    receiver = await Receiver().start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100,
                             sla_budget_s=30.0, alerts={"webhook": receiver.url})
    try:
        async with running_proxy(settings) as proxy:
            pending = [asyncio.ensure_future(proxy.send(headers={"x-user-id": f"u{i}"}))
                       for i in range(5)]
            await eventually(lambda: graph.served() == 5)
            status, record = await proxy.admin("POST", "/admin/rollback/emergency",
                                               {"reason": "graph hangs"})
            assert status == 200
            answers = await asyncio.gather(*pending)
            # The five clients waiting on the hanging graph were answered by legacy.
            assert [(s, h["x-backend"]) for s, _, h in answers] == [(200, "legacy")] * 5
            assert record["graph_calls_cancelled"] == 5
            assert record["legacy_healthy"] is True
            assert record["within_budget"] is True and record["route_within_budget"] is True
            assert set(record["timings_s"]) == {"route_to_legacy_s", "disable_graph_s",
                                                "legacy_health_s", "alert_s"}
            assert record["total_s"] >= sum(record["timings_s"].values()) * 0.999
            _, _, headers = await proxy.send(headers={"x-user-id": "u1"})
            assert headers["x-backend"] == "legacy"
            assert graph.served() == 5  # the disabled graph got nothing more
            await eventually(lambda: len(receiver.received) >= 1)
            assert receiver.received[0]["alert"] == "rollback_triggered"
            assert receiver.received[0]["details"]["kind"] == "emergency"
        # It survives a restart: still all on legacy, and the history says why.
        async with running_proxy(fast_settings(tmp_path, legacy.url, graph.url)) as proxy:
            _, state = await proxy.admin("GET", "/admin/state")
            assert (state["graph_percentage"], state["force_legacy"]) == (0, True)
            assert [r["kind"] for r in state["rollbacks"]] == ["emergency"]
            assert state["rollbacks"][0]["reason"] == "graph hangs"
            assert state["rollbacks"][0]["total_s"] == record["total_s"]
        alerts = [orjson.loads(line) for line in
                  (tmp_path / "run" / "alerts.jsonl").read_bytes().splitlines()]
        assert [a["alert"] for a in alerts if a["alert"] == "rollback_triggered"] == \
            ["rollback_triggered"]
    finally:
        graph.hold.set()
        await legacy.stop()
        await graph.stop()
        await receiver.stop()


async def test_emergency_with_legacy_unhealthy_is_alerted(tmp_path: Path) -> None:
    legacy = await Backend("legacy", healthy=False).start()
    graph = await Backend("graph").start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=50)
    try:
        async with running_proxy(settings) as proxy:
            _, record = await proxy.admin("POST", "/admin/rollback/emergency")
            assert record["legacy_healthy"] is False
            assert "legacy_unhealthy" in {a["alert"] for a in proxy.proxy.alerts.recent}
    finally:
        await legacy.stop()
        await graph.stop()


async def test_gradual_rollback_walks_every_step_while_the_graph_stays_bad(
        tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100)
    try:
        async with running_proxy(settings) as proxy:
            # No graph traffic at all: never "acceptable" (not enough answers), so it walks on.
            status, started = await proxy.admin("POST", "/admin/rollback/gradual",
                                                {"reason": "slow graph"})
            assert status == 202 and started["steps"] == [75, 50, 25, 10, 0]
            await eventually(lambda: not proxy.proxy.state.gradual, timeout_s=10)
            history = proxy.proxy.store.rollbacks()
            assert history[-1]["kind"] == "gradual"
            assert history[-1]["steps_applied"] == [75, 50, 25, 10, 0]
            assert history[-1]["stopped_early"] is False
            assert proxy.proxy.state.graph_percentage == 0
            status, again = await proxy.admin("POST", "/admin/rollback/gradual")
            assert status == 200 and again["started"] is False
    finally:
        await legacy.stop()
        await graph.stop()


async def test_gradual_rollback_stops_early_once_performance_is_acceptable(
        tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100,
                             rollback={"gradual_interval_s": 1.0},
                             monitor={"min_samples": 5})
    try:
        async with running_proxy(settings) as proxy:
            await proxy.admin("POST", "/admin/rollback/gradual")
            await eventually(lambda: proxy.proxy.state.graph_percentage == 75)
            # Healthy graph answers during the first step: 75 % holds.
            users = [f"user-{i}" for i in range(200)]
            sent = 0
            while proxy.proxy.monitor.metrics().count < 5:
                await proxy.send(headers={"x-user-id": users[sent]})
                sent += 1
            await eventually(lambda: not proxy.proxy.state.gradual, timeout_s=10)
            history = proxy.proxy.store.rollbacks()[-1]
            assert (history["steps_applied"], history["stopped_early"]) == ([75], True)
            assert proxy.proxy.state.graph_percentage == 75
    finally:
        await legacy.stop()
        await graph.stop()


async def test_gradual_rollback_resumes_after_a_restart(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    slow = {"gradual_interval_s": 30.0}
    try:
        settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=60,
                                 rollback=slow)
        async with running_proxy(settings) as proxy:
            _, started = await proxy.admin("POST", "/admin/rollback/gradual")
            assert started["steps"] == [50, 25, 10, 0]
            await eventually(lambda: proxy.proxy.state.graph_percentage == 50)
        # Restarted mid-rollback: it carries on from the step it had reached.
        settings = fast_settings(tmp_path, legacy.url, graph.url)
        async with running_proxy(settings) as proxy:
            assert proxy.proxy.state.gradual["index"] == 0
            assert proxy.app.state.gradual.running
            await eventually(lambda: not proxy.proxy.state.gradual, timeout_s=10)
            assert proxy.proxy.store.rollbacks()[-1]["steps_applied"] == [50, 25, 10, 0]
            assert proxy.proxy.state.graph_percentage == 0
    finally:
        await legacy.stop()
        await graph.stop()
