"""MigrationController: the plan's daily check, made of the harness's own gate.

A check takes the next schedule step after the current one, gates the evidence for it (the
live pairs collected since the share last changed, or a given RUN_DIR) with
``harness.gate.evaluate``, and acts: ADVANCE sets that step's share, HOLD and INVALID keep the
current one, ROLLBACK starts the configured rollback. Every decision is stored with its
reasons, whatever it was, so "why are we still at 25 %?" has an answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from graph_system.routing.proxy import Proxy
from graph_system.routing.rollback import EmergencyRollback, GradualRollback
from harness.config import HarnessConfig, Step
from harness.results import read_results
from harness.rundir import read_run

log = logging.getLogger("graph_system.routing")

Evaluate = Callable[[pd.DataFrame, HarnessConfig, dict | None, str | None], Any]


def _gate_evaluate() -> Evaluate:
    from harness.gate import evaluate

    return evaluate


def _step_entry(report: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in report.get("steps", []):
        if entry.get("name") == name:
            return entry
    return {}


class MigrationController:
    def __init__(self, proxy: Proxy, gradual: GradualRollback, emergency: EmergencyRollback,
                 evaluate: Evaluate | None = None) -> None:
        self.proxy = proxy
        self.gradual = gradual
        self.emergency = emergency
        self._evaluate = evaluate
        self._lock = asyncio.Lock()

    def next_step(self) -> Step | None:
        steps = self.proxy.config.schedule.steps
        current = self.proxy.state.step
        if current is None:
            return steps[0]
        names = [s.name for s in steps]
        if current not in names:
            return steps[0]
        index = names.index(current)
        return steps[index + 1] if index + 1 < len(steps) else None

    def _evidence(self, run_dir: Path | None) -> tuple[pd.DataFrame, dict[str, Any]]:
        if run_dir is not None:
            return read_results(run_dir), read_run(run_dir)
        frame = self.proxy.live.window_frame(since_seq=self.proxy.evidence_from_seq)
        run = {"finished": True, "live": True, "source": "proxy",
               "timeout_s": self.proxy.settings.mirror_timeout_s,
               "requests": {"total": len(frame)}}
        return frame, run

    async def check(self, run_dir: Path | None = None, step: str | None = None) -> dict[str, Any]:
        async with self._lock:
            return await self._check(run_dir, step)

    async def _check(self, run_dir: Path | None, step_name: str | None) -> dict[str, Any]:
        proxy = self.proxy
        target = proxy.config.schedule.step(step_name) if step_name else self.next_step()
        current = {"step": proxy.state.step, "graph_percentage": proxy.state.graph_percentage}
        if target is None:
            return self._record(None, "COMPLETE", "none",
                                ["the schedule's last step is already live"], current, {})
        if proxy.state.force_legacy:
            return self._record(target.name, "HOLD", "none",
                                ["force_legacy is on: clear it before advancing"], current, {})
        frame, run = await asyncio.to_thread(self._evidence, run_dir)
        evaluate = self._evaluate or _gate_evaluate()
        report = await asyncio.to_thread(evaluate, frame, proxy.config, run, target.name)
        gate = report.to_dict() if hasattr(report, "to_dict") else dict(report)
        entry = _step_entry(gate, target.name)
        decision = str(gate.get("decision") or entry.get("decision") or "INVALID")
        reasons = [str(r) for r in entry.get("reasons", gate.get("reasons", []))]
        evidence = {"rows": len(frame), "run_dir": str(run_dir) if run_dir else None,
                    "checks": entry.get("checks", [])}
        action = "none"
        if decision == "ADVANCE":
            proxy.set_percentage(target.graph_percentage, step=target.name,
                                 reason=f"controller: {target.name} ADVANCE")
            action = f"graph_percentage -> {target.graph_percentage:g}"
        elif decision == "ROLLBACK":
            action = await self._rollback(target.name, reasons)
        return self._record(target.name, decision, action, reasons, current, evidence)

    async def _rollback(self, step: str, reasons: list[str]) -> str:
        how = self.proxy.settings.controller.on_rollback
        why = f"controller: gate ROLLBACK at {step}: " + "; ".join(reasons[:3])
        if how == "emergency":
            await self.emergency.execute(why)
            return "emergency rollback"
        if how == "gradual":
            started = self.gradual.start(why)
            return "gradual rollback" if started.get("started") else "none (already at 0 %)"
        return "none (on_rollback = hold)"

    def _record(self, step: str | None, decision: str, action: str, reasons: list[str],
                before: dict[str, Any], evidence: dict[str, Any]) -> dict[str, Any]:
        detail = {"before": before, "after": {"step": self.proxy.state.step,
                                              "graph_percentage":
                                                  self.proxy.state.graph_percentage},
                  "evidence": evidence}
        decision_id = self.proxy.store.add_decision(step, decision, action, reasons, detail)
        self.proxy.metrics.decisions.inc(decision)
        log.warning("controller: %s %s -> %s (%s)", step, decision, action,
                    "; ".join(reasons) or "no reasons given")
        return {"id": decision_id, "step": step, "decision": decision, "action": action,
                "reasons": reasons, **detail}

    async def run(self, interval_s: float) -> None:
        """Check on an interval (the plan's "daily" check, any period)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check()
            except Exception:  # a failed check is logged and retried, never fatal
                log.exception("controller check failed")
