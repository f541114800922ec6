"""The plan's rollback procedures: EmergencyRollback (< 30 s) and GradualRollback (hours).

Emergency, in the plan's order, each step timed and the whole recorded in the rollback history:
1. all traffic to legacy (force_legacy, 0 %), persisted before anything else;
2. graph endpoints disabled: graph calls in flight cancelled (their clients get legacy), the
   mirror queue emptied;
3. legacy's health checked (the proxy cannot restart legacy; an unhealthy legacy is alerted);
4. alerts sent.

Gradual walks the plan's 75 → 50 → 25 → 10 → 0 (only the steps below the current share), one
step per interval, and stops early as soon as the graph's answers since the last step are
acceptable to the PerformanceMonitor. Its progress is in the state, so a restart resumes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from graph_system.routing.alert_conditions import ROLLBACK_TRIGGERED
from graph_system.routing.alerts import Alert
from graph_system.routing.proxy import Proxy

log = logging.getLogger("graph_system.routing")


class EmergencyRollback:
    def __init__(self, proxy: Proxy, gradual: GradualRollback | None = None) -> None:
        self.proxy = proxy
        self.gradual = gradual

    async def execute(self, reason: str) -> dict[str, Any]:
        proxy, settings = self.proxy, self.proxy.settings.rollback
        log.critical("EMERGENCY ROLLBACK initiated: %s", reason)
        before = proxy.state.graph_percentage
        timings: dict[str, float] = {}
        started = time.perf_counter()

        if self.gradual is not None:
            self.gradual.cancel()
        proxy.save(graph_percentage=0.0, force_legacy=True, gradual=None)
        timings["route_to_legacy_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        cancelled = proxy.inflight.cancel_all()
        discarded = proxy.mirror.discard("graph disabled by emergency rollback")
        proxy.monitor.reset()
        timings["disable_graph_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        legacy_healthy = await proxy.legacy.healthy(settings.legacy_health_timeout_s)
        timings["legacy_health_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        total = time.perf_counter() - started
        detail = {
            "timings_s": timings, "graph_calls_cancelled": cancelled,
            "mirror_jobs_discarded": discarded, "legacy_healthy": legacy_healthy,
            "route_within_budget": timings["route_to_legacy_s"] <= settings.route_budget_s,
        }
        proxy.emit(Alert(ROLLBACK_TRIGGERED, "critical", f"emergency rollback: {reason}",
                         {"kind": "emergency", "from_percentage": before, **detail}))
        if not legacy_healthy:
            proxy.emit(Alert("legacy_unhealthy", "critical",
                             "legacy failed its health check during an emergency rollback",
                             {"url": proxy.legacy.base_url}))
        timings["alert_s"] = time.perf_counter() - mark
        total = time.perf_counter() - started
        detail.update(total_s=total, within_budget=total <= settings.emergency_budget_s,
                      budget_s=settings.emergency_budget_s)
        rollback_id = proxy.store.add_rollback("emergency", reason, before, 0.0, detail)
        proxy.metrics.rollbacks.inc("emergency")
        log.critical("emergency rollback completed in %.3f s", total)
        return {"id": rollback_id, "kind": "emergency", "reason": reason,
                "from_percentage": before, "to_percentage": 0.0, **detail}


class GradualRollback:
    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self._task: asyncio.Task[None] | None = None
        proxy.before_auto_rollback.append(self.cancel)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def plan(self, current: float) -> list[float]:
        return [p for p in self.proxy.settings.rollback.gradual_steps if p < current]

    def start(self, reason: str) -> dict[str, Any]:
        current = self.proxy.state.graph_percentage
        steps = self.plan(current)
        if not steps:
            return {"started": False, "reason": f"graph share is already {current:g} %"}
        self.cancel()
        progress = {"steps": steps, "index": 0, "reason": reason, "from_percentage": current,
                    "started_at": time.time(), "applied": []}
        self.proxy.save(gradual=progress)
        self.proxy.emit(Alert(ROLLBACK_TRIGGERED, "warning",
                              f"gradual rollback from {current:g} %: {reason}",
                              {"kind": "gradual", "steps": steps}))
        self._launch(progress)
        return {"started": True, **progress}

    def resume(self) -> bool:
        """After a restart: carry on from the step the state says was last applied."""
        progress = self.proxy.state.gradual
        if not progress:
            return False
        self._launch(dict(progress))
        return True

    def _launch(self, progress: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(progress), name="gradual")
        self._task = task
        self.proxy.spawn(task)

    def cancel(self) -> None:
        task = self._task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self._task = None
        if self.proxy.state.gradual:
            self.proxy.save(gradual=None)

    async def _run(self, progress: dict[str, Any]) -> None:
        proxy = self.proxy
        steps: list[float] = progress["steps"]
        interval = proxy.settings.rollback.gradual_interval_s
        stopped_early = False
        for index in range(progress["index"], len(steps)):
            percentage = steps[index]
            proxy.set_percentage(percentage, reason=f"gradual rollback {index + 1}/{len(steps)}")
            applied = list(progress.get("applied", []))
            if not applied or applied[-1] != percentage:  # a resumed step is not a new one
                applied.append(percentage)
            progress = {**progress, "index": index, "applied": applied}
            proxy.save(gradual=progress)
            since = time.monotonic()
            await asyncio.sleep(interval)
            if percentage > 0 and proxy.monitor.acceptable(since=since):
                stopped_early = True
                log.warning("performance stabilized at %g %% graph traffic", percentage)
                break
        final = proxy.state.graph_percentage
        proxy.save(gradual=None)
        detail = {"steps_planned": steps, "steps_applied": progress["applied"],
                  "stopped_early": stopped_early, "interval_s": interval,
                  "duration_s": time.time() - progress["started_at"]}
        proxy.store.add_rollback("gradual", progress["reason"], progress["from_percentage"],
                                 final, detail)
        proxy.metrics.rollbacks.inc("gradual")
        proxy.emit(Alert("rollback_completed", "info",
                         f"gradual rollback ended at {final:g} %: {progress['reason']}",
                         {"kind": "gradual", **detail}))
