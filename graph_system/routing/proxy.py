"""Proxy: the live side of the plan, in front of both paths.

- shadow: the client gets legacy's answer; a sampled share is mirrored to the graph off the
  client's path and the pair is compared and written to the RUN_DIR.
- split: the TrafficSplitter sends a sticky share to the graph; a graph error, or no answer
  within the SLA budget, is served by legacy instead, so the client never sees it; a sampled
  share is also sent to the other path to make pairs for the gate.

Every graph answer feeds the PerformanceMonitor (auto-rollback to 0 %) and the alert
conditions; the routing state lives in SQLite (StateStore) so a restart resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from itertools import count
from typing import Any

from graph_system.routing.alert_conditions import ROLLBACK_TRIGGERED, AlertConditions
from graph_system.routing.alerts import Alert, AlertSink
from graph_system.routing.inflight import InFlight
from graph_system.routing.live_run import LiveRun
from graph_system.routing.metrics import Metrics
from graph_system.routing.mirror import Mirror, MirrorJob
from graph_system.routing.performance_monitor import PerformanceMonitor, WindowMetrics
from graph_system.routing.recorder import Recorder
from graph_system.routing.settings import ProxySettings
from graph_system.routing.state_store import RoutingState, StateStore
from graph_system.routing.traffic_splitter import StickyKey, TrafficSplitter
from graph_system.routing.upstream import ProxiedRequest, Upstream
from harness.config import HarnessConfig, load_config
from harness.observation import Observation
from harness.parity import Comparator

log = logging.getLogger("graph_system.routing")


class Proxy:
    def __init__(self, settings: ProxySettings, config: HarnessConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.config_path)
        self.store = StateStore(settings.state_db)
        initial = RoutingState(mode=settings.mode, graph_percentage=settings.initial_percentage)
        resumed = self.store.load(initial)
        if resumed.mode != settings.mode:
            log.warning("mode %s (was %s before the restart)", settings.mode, resumed.mode)
        self.state = self.store.save(replace(resumed, mode=settings.mode))
        self.splitter = TrafficSplitter(
            self.state.graph_percentage, StickyKey.parse(settings.sticky_key),
            settings.sticky_salt, self.state.force_legacy,
        )
        self.legacy = Upstream("legacy", settings.legacy, settings.pool_size)
        self.graph = Upstream("graph", settings.graph, settings.pool_size)
        self.monitor = PerformanceMonitor(settings.monitor)
        self.conditions = AlertConditions(settings.alerts)
        sink = settings.alerts.sink
        if sink is None and settings.run_dir is not None:
            sink = settings.run_dir / "alerts.jsonl"
        self.alerts = AlertSink(sink, settings.alerts.webhook, settings.alerts.webhook_timeout_s)
        self.metrics = Metrics()
        self.comparator = Comparator(self.config.parity)
        self.live = LiveRun(
            settings.run_dir,
            {"command": "serve proxy", "source": "proxy", "mode": settings.mode,
             "targets": {"legacy": settings.legacy, "graph": settings.graph},
             "timeout_s": settings.mirror_timeout_s, "sla_budget_s": settings.sla_budget_s,
             "started_at": time.time()},
            rotate_s=settings.rotate_s, rotate_rows=settings.rotate_rows,
            max_shards=settings.max_shards, examples=settings.mismatch_examples,
            window_rows=settings.controller.window_rows,
        )
        self.recorder = (Recorder(settings.record, settings.record.path)
                         if settings.record.path is not None else None)
        self.inflight = InFlight()
        self.mirror = Mirror(
            {"legacy": self.legacy, "graph": self.graph}, self.comparator, self.live,
            settings.mirror_timeout_s, settings.mirror_queue, settings.mirror_workers,
            self.observe, self.inflight, lambda: not self.splitter.force_legacy,
        )
        self.evidence_from_seq = self.live.seq
        self._ids = count()
        self._boot = secrets.token_hex(4)
        self._rng = random.Random()
        self._background: list[asyncio.Task[Any]] = []
        # Hooks run before the monitor forces the share to 0 (a gradual rollback stops).
        self.before_auto_rollback: list[Callable[[], None]] = []

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.legacy.start()
        await self.graph.start()
        await self.mirror.start()
        loop = asyncio.get_running_loop()
        self._background = [loop.create_task(self.live.run(), name="live-run"),
                            loop.create_task(self._alert_loop(), name="alerts"),
                            loop.create_task(self._health_loop(), name="graph-health")]
        if self.recorder is not None:
            self._background.append(loop.create_task(self._record_loop(), name="recorder"))

    def spawn(self, task: asyncio.Task[Any]) -> None:
        self._background.append(task)

    async def stop(self) -> None:
        await self.mirror.stop(drain_s=min(5.0, self.settings.mirror_timeout_s))
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background = []
        await self.live.close()
        if self.recorder is not None:
            await self.recorder.flush()
        await self.alerts.close()
        await self.legacy.close()
        await self.graph.close()
        self.store.close()

    # -- the request path -----------------------------------------------------------------------
    def new_request(self, method: str, path: str, query_string: str,
                    headers: tuple[tuple[str, str], ...], body: bytes) -> ProxiedRequest:
        return ProxiedRequest(f"{self._boot}-{next(self._ids)}", method, path, query_string,
                              headers, body, time.time())

    async def handle(self, request: ProxiedRequest) -> Observation:
        if self.state.mode == "split":
            answer = await self._split(request)
        else:
            answer = await self._legacy_with_mirror(request, self.settings.shadow_sample)
        if self.recorder is not None:
            self.recorder.capture(request, answer)
        return answer

    def _sampled(self, share: float) -> bool:
        return share >= 1 or (share > 0 and self._rng.random() < share)

    async def _legacy_with_mirror(self, request: ProxiedRequest, share: float) -> Observation:
        promise: asyncio.Future[Observation] | None = None
        if not self.splitter.force_legacy and self._sampled(share):
            promise = asyncio.get_running_loop().create_future()
            if not self.mirror.offer(MirrorJob(request, promise, None, "legacy")):
                promise = None
        try:
            answer = await self.legacy.call(request, self.settings.legacy_timeout_s)
        except BaseException:
            if promise is not None:
                promise.cancel()  # the client went away: the pair is skipped, not guessed
            raise
        if promise is not None and not promise.done():  # done: its mirror worker was stopped
            promise.set_result(answer)
        self.observe(answer)
        self.metrics.requests.inc("legacy", request.endpoint, str(answer.status or 0))
        return answer

    async def _split(self, request: ProxiedRequest) -> Observation:
        if self.splitter.choose(request) == "legacy":
            return await self._legacy_with_mirror(request, self.settings.split_sample)
        sampled = self._sampled(self.settings.split_sample)
        graph = await self.inflight.run(self.graph.call(request, self.settings.sla_budget_s))
        if graph is not None:
            self.observe(graph)
        if graph is not None and not graph.failed:
            if sampled:
                self.mirror.offer(MirrorJob(request, None, graph, "graph"))
            self.metrics.requests.inc("graph", request.endpoint, str(graph.status or 0))
            return graph
        reason = "cancelled" if graph is None else (graph.error or "error")
        self.metrics.fallbacks.inc(reason)
        legacy = await self.legacy.call(request, self.settings.legacy_timeout_s)
        self.observe(legacy)
        if sampled and graph is not None:
            self.mirror.offer(MirrorJob(request, legacy, graph, "graph"))
        self.metrics.requests.inc("legacy", request.endpoint, str(legacy.status or 0))
        return legacy

    def observe(self, observation: Observation) -> None:
        """One backend answer (client or mirrored): metrics, alert windows, the monitor."""
        latency_s = observation.latency_ms / 1000
        ok = observation.error is None
        self.metrics.upstream.observe(latency_s, observation.side, observation.error or "ok")
        self.conditions.track(observation.side, time.time(), latency_s, ok)
        if observation.side != "graph":
            return
        breach = self.monitor.track(latency_s, ok)
        if breach is not None and self.graph_share_active():
            self.auto_rollback(breach)

    # -- state changes --------------------------------------------------------------------------
    def graph_share_active(self) -> bool:
        return self.splitter.percentage > 0 and not self.splitter.force_legacy

    def save(self, **changes: Any) -> RoutingState:
        self.state = self.store.save(replace(self.state, **changes))
        self.splitter.percentage = self.state.graph_percentage
        self.splitter.force_legacy = self.state.force_legacy
        return self.state

    def set_percentage(self, percentage: float, step: str | None = None,
                       reason: str = "admin") -> RoutingState:
        before = self.state.graph_percentage
        if not 0 <= percentage <= 100:
            raise ValueError(f"graph_percentage must be within 0..100, got {percentage}")
        changes: dict[str, Any] = {"graph_percentage": float(percentage)}
        if step is not None:
            changes["step"] = step
        state = self.save(**changes)
        if percentage != before:
            # Evidence for a new share starts now: the window the monitor judges and the rows
            # the controller gates both begin afresh.
            self.monitor.reset()
            self.evidence_from_seq = self.live.seq
        log.warning("graph percentage %g -> %g (%s)", before, percentage, reason)
        return state

    def emit(self, alert: Alert) -> None:
        self.metrics.alerts.inc(alert.name)
        self.alerts.emit(alert)

    def auto_rollback(self, breach: WindowMetrics) -> None:
        """The plan's PerformanceMonitor action: 0 % graph at once, recorded, alerted."""
        before = self.state.graph_percentage
        reason = "auto-rollback: " + "; ".join(breach.breaches)
        for cancel in self.before_auto_rollback:
            cancel()
        self.set_percentage(0, reason=reason)
        self.store.add_rollback("auto", reason, before, 0, {"window": breach.as_dict()})
        self.metrics.rollbacks.inc("auto")
        self.emit(Alert(ROLLBACK_TRIGGERED, "critical", reason,
                        {"kind": "auto", "from_percentage": before, "to_percentage": 0,
                         "window": breach.as_dict()}))

    # -- background ---------------------------------------------------------------------------
    async def _alert_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.alerts.tick_s)
            for alert in self.conditions.evaluate(time.time()):
                self.emit(alert)

    async def _health_loop(self) -> None:
        while True:
            ok = await self.graph.healthy(self.settings.alerts.health_timeout_s)
            self.conditions.health_check(time.time(), ok)
            for alert in self.conditions.evaluate(time.time()):
                self.emit(alert)
            await asyncio.sleep(self.settings.alerts.health_interval_s)

    async def _record_loop(self) -> None:
        assert self.recorder is not None
        while True:
            await asyncio.sleep(1.0)
            with contextlib.suppress(OSError):
                await self.recorder.flush()

    # -- views --------------------------------------------------------------------------------
    def state_view(self) -> dict[str, Any]:
        return {
            **self.state.as_dict(),
            "rollbacks": self.store.rollbacks(),
            "decisions": self.store.decisions(limit=20),
            "gradual_running": bool(self.state.gradual),
            "run_dir": str(self.settings.run_dir) if self.settings.run_dir else None,
        }

    def window_view(self) -> dict[str, Any]:
        metrics = self.monitor.metrics()
        return {
            "monitor": {**metrics.as_dict(), "window": self.settings.monitor.window,
                        "min_samples": self.settings.monitor.min_samples,
                        "max_mean_s": self.settings.monitor.max_mean_s,
                        "max_error_rate": self.settings.monitor.max_error_rate},
            "mirror": self.mirror_counts(),
            "fallbacks": dict(("|".join(k), v) for k, v in self.metrics.fallbacks.values.items()),
            "pairs": {"evidence_rows": self.live.seq - self.evidence_from_seq,
                      **self.live.counts},
            "alerts_active": sorted(self.conditions.active),
        }

    def mirror_counts(self) -> dict[str, float]:
        return {"offered": self.mirror.offered, "dropped": self.mirror.dropped,
                "completed": self.mirror.completed, "failed": self.mirror.failed,
                "queued": self.mirror.depth}
