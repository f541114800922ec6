"""ConfigExtractionGraph (AnalyzeDomain -> ExtractKnowledge -> SearchData -> End) and its
prefix DomainConfigGraph (AnalyzeDomain -> ExtractKnowledge -> End) for config extraction.

Each node delegates to an agent, records its timing, checks the plan's budgets and persists
the run's state, so a run can be resumed from its last completed node.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic_graph import Graph, GraphBuilder, StepContext

from graph_system.agents import Agents, FaultPlan
from graph_system.models import MODALITIES
from graph_system.profile import Budgets
from graph_system.workflows.sla import AgentFailure, BudgetClock, SLABudgetExceeded
from graph_system.workflows.state import NodeTiming, WorkflowState
from graph_system.workflows.state_persistence import StateStore

log = logging.getLogger("graph_system.workflows")

WORKFLOW_NODES = ("AnalyzeDomain", "ExtractKnowledge", "SearchData")
DOMAIN_CONFIG_NODES = ("AnalyzeDomain", "ExtractKnowledge")


@dataclass
class RunDeps:
    """What one run needs besides its state: shared agents and store, its own clock and
    fault plan."""

    agents: Agents
    store: StateStore | None
    clock: BudgetClock
    budgets: Budgets
    faults: FaultPlan
    last_node: str


RunContext = StepContext[WorkflowState, RunDeps, None]


def _complete(ctx: RunContext, node: str, began: float, began_epoch: float,
              modelled_s: float) -> float:
    """Record a finished node and persist the state; returns the node's budget seconds."""
    state, deps = ctx.state, ctx.deps
    if deps.faults.fail_at == node:
        raise AgentFailure(f"{node}: agent error")
    wall_s = time.perf_counter() - began
    state.node_timings.append(NodeTiming(node=node, started_at=began_epoch,
                                         duration_ms=wall_s * 1000.0, modelled_s=modelled_s))
    state.modelled_s += modelled_s
    state.last_node = node
    if node == deps.last_node:
        state.status = "completed"  # one write for the last node and the run's end
    if deps.store is not None:
        deps.store.save(state)
    return deps.clock.node_seconds(wall_s, modelled_s)


async def analyze_domain(ctx: RunContext) -> None:
    state, deps = ctx.state, ctx.deps
    began, began_epoch = time.perf_counter(), time.time()
    run = await deps.agents.domain_intelligence.run(state.content, state.domain_hint,
                                                    state.size)
    stalled = await deps.agents.pacer.stall(deps.faults.stall_s)
    state.domain_config = run.output
    node_s = _complete(ctx, "AnalyzeDomain", began, began_epoch, run.spent_s + stalled)
    if node_s > deps.budgets.domain_warn_s:
        state.warnings.append(f"domain analysis slow: {node_s:.2f}s")
        log.warning("%s: domain analysis slow: %.2fs", state.workflow_id, node_s)
    total = deps.clock.elapsed(state)
    if total > deps.budgets.after_domain_abort_s:
        raise SLABudgetExceeded("AnalyzeDomain", total, deps.budgets.after_domain_abort_s)


async def extract_knowledge(ctx: RunContext) -> None:
    state, deps = ctx.state, ctx.deps
    began, began_epoch = time.perf_counter(), time.time()
    run = await deps.agents.knowledge_extraction.run(state.content, state.size)
    state.knowledge = run.output
    _complete(ctx, "ExtractKnowledge", began, began_epoch, run.spent_s)
    total = deps.clock.elapsed(state)
    if total > deps.budgets.after_extraction_abort_s:
        raise SLABudgetExceeded("ExtractKnowledge", total,
                                deps.budgets.after_extraction_abort_s)


async def search_data(ctx: RunContext) -> None:
    state, deps = ctx.state, ctx.deps
    began, began_epoch = time.perf_counter(), time.time()
    agent = deps.agents.universal_search
    # The agent runs its three modalities side by side itself: a nested graph run here would
    # double the graph machinery's cost per request for no change in behaviour.
    plan = agent.plan(state.content, None, state.max_results, MODALITIES)
    run = await agent.search(plan, state.size)
    state.search = run.output
    _complete(ctx, "SearchData", began, began_epoch, run.spent_s)
    total = deps.clock.elapsed(state)
    if total > deps.budgets.sla_s:
        state.sla_violation = True
        log.error("%s: SLA VIOLATION: %.2fs", state.workflow_id, total)


def _builder(name: str) -> GraphBuilder[WorkflowState, RunDeps, None, WorkflowState]:
    return GraphBuilder(name=name, state_type=WorkflowState, deps_type=RunDeps,
                        output_type=WorkflowState, auto_instrument=False)


def _finish(ctx: RunContext) -> WorkflowState:
    return ctx.state


def build_config_extraction_graph() -> Graph[WorkflowState, RunDeps, None, WorkflowState]:
    g = _builder("ConfigExtractionGraph")
    analyze = g.step(analyze_domain, node_id="AnalyzeDomain",
                     label="domain intelligence agent")
    extract = g.step(extract_knowledge, node_id="ExtractKnowledge",
                     label="knowledge extraction agent")
    search = g.step(search_data, node_id="SearchData", label="universal search agent")
    g.add(
        g.edge_from(g.start_node).to(analyze),
        g.edge_from(analyze).to(extract),
        g.edge_from(extract).to(search),
        g.edge_from(search).transform(_finish).to(g.end_node),
    )
    return g.build()


def build_domain_config_graph() -> Graph[WorkflowState, RunDeps, None, WorkflowState]:
    g = _builder("DomainConfigGraph")
    analyze = g.step(analyze_domain, node_id="AnalyzeDomain",
                     label="domain intelligence agent")
    extract = g.step(extract_knowledge, node_id="ExtractKnowledge",
                     label="knowledge extraction agent")
    g.add(
        g.edge_from(g.start_node).to(analyze),
        g.edge_from(analyze).to(extract),
        g.edge_from(extract).transform(_finish).to(g.end_node),
    )
    return g.build()
