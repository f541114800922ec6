"""The plan's latency budgets inside a run, and the clock they are checked against."""

from __future__ import annotations

import time

from graph_system.profile import GraphProfile
from graph_system.workflows.state import WorkflowState


class SLABudgetExceeded(Exception):
    """A run passed one of its abort budgets; it answers 503 in the legacy error format."""

    def __init__(self, node: str, elapsed_s: float, budget_s: float) -> None:
        super().__init__(f"{node}: {elapsed_s:.2f}s elapsed, budget {budget_s:.2f}s")
        self.node = node
        self.elapsed_s = elapsed_s
        self.budget_s = budget_s


class AgentFailure(Exception):
    """An agent call failed (an injected fault); the run answers 500."""


class BudgetClock:
    """Elapsed time of a run in profile seconds. ``wall`` measures real time (scaled back by
    ``time_scale``); ``model`` adds up the simulated work, immune to CPU contention. A resumed
    run starts from what its completed nodes already spent."""

    def __init__(self, profile: GraphProfile, state: WorkflowState) -> None:
        self.profile = profile
        self.started = time.perf_counter()
        self.prior_s = sum(t.duration_ms for t in state.node_timings) / 1000.0 / (
            profile.time_scale)

    def elapsed(self, state: WorkflowState) -> float:
        if self.profile.sla_clock == "model":
            return state.modelled_s
        return self.prior_s + (time.perf_counter() - self.started) / self.profile.time_scale

    def node_seconds(self, wall_s: float, modelled_s: float) -> float:
        if self.profile.sla_clock == "model":
            return modelled_s
        return wall_s / self.profile.time_scale
