"""WorkflowRunner: starts, resumes and records graph runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from pydantic_graph import EndMarker, Graph, GraphTaskRequest
from pydantic_graph.id_types import NodeID

from graph_system.agents import NO_FAULTS, Agents, FaultPlan, request_size
from graph_system.knowledge import ANALYZED_CHARS
from graph_system.models import (
    ConfigExtractionRequest,
    SearchRequest,
    SearchResults,
    WorkflowRequest,
)
from graph_system.profile import GraphProfile
from graph_system.workflows.config_extraction_graph import (
    DOMAIN_CONFIG_NODES,
    WORKFLOW_NODES,
    RunDeps,
    build_config_extraction_graph,
    build_domain_config_graph,
)
from graph_system.workflows.search_workflow_graph import (
    SEARCH_NODES,
    SearchRun,
    build_search_workflow_graph,
)
from graph_system.workflows.sla import AgentFailure, BudgetClock, SLABudgetExceeded
from graph_system.workflows.state import GraphName, WorkflowState
from graph_system.workflows.state_persistence import StateStore

T = TypeVar("T")


class UnknownRun(KeyError):
    """No run with this id in the state database."""


class _GraphRunTask(asyncio.Task):
    """The task a graph run executes in. anyio writes ``repr(current_task())`` into the
    reason of every cancel scope it cancels, and pydantic-graph cancels one per finished
    node; asyncio's own repr formats the coroutine, its frame and its callbacks each time,
    which cost a quarter of a small graph run's CPU."""

    def __repr__(self) -> str:
        return f"<graph run {self.get_name()}>"


async def in_run_task(work: Coroutine[Any, Any, T]) -> T:
    # Cancelling the caller cancels the awaited task too, as awaiting ``work`` directly would.
    return await _GraphRunTask(work, loop=asyncio.get_running_loop())


class WorkflowRunner:
    """Owns the compiled graphs (built once) and runs them for requests."""

    def __init__(self, agents: Agents, profile: GraphProfile, store: StateStore | None) -> None:
        self.agents = agents
        self.profile = profile
        self.store = store
        self.search_graph = build_search_workflow_graph()
        self.graphs: dict[GraphName, Graph] = {
            "ConfigExtractionGraph": build_config_extraction_graph(),
            "DomainConfigGraph": build_domain_config_graph(),
        }
        self.nodes: dict[GraphName, tuple[str, ...]] = {
            "ConfigExtractionGraph": WORKFLOW_NODES,
            "DomainConfigGraph": DOMAIN_CONFIG_NODES,
        }

    def new_state(self, graph: GraphName, content: str, domain_hint: str | None,
                  max_results: int = 5, workflow_id: str | None = None) -> WorkflowState:
        return WorkflowState(
            workflow_id=workflow_id or str(uuid.uuid4()), graph=graph,
            content=content[:ANALYZED_CHARS], domain_hint=domain_hint,
            max_results=max_results, size=request_size(content), created_at=time.time(),
        )

    async def run_workflow(self, request: WorkflowRequest) -> WorkflowState:
        state = self.new_state("ConfigExtractionGraph", request.content, request.domain_hint,
                               request.max_results)
        return await self.execute(state)

    async def run_config_extraction(self, request: ConfigExtractionRequest) -> WorkflowState:
        state = self.new_state("DomainConfigGraph", request.content, request.domain_hint)
        return await self.execute(state)

    async def run_search(self, request: SearchRequest) -> SearchResults:
        faults = self.agents.pacer.draw_faults(SEARCH_NODES)
        run = SearchRun(request, request_size(request.query), FaultPlan(faults.fail_at))
        return await in_run_task(self.search_graph.run(
            state=run, deps=self.agents.universal_search, infer_name=False))

    async def resume(self, workflow_id: str) -> WorkflowState:
        """Continue a run from the node after its last completed one. A completed run is
        returned as it is; nothing is run twice."""
        state = self.store.load(workflow_id) if self.store is not None else None
        if state is None:
            raise UnknownRun(workflow_id)
        if state.status == "completed":
            return state
        state.status, state.error = "running", None
        return await self.execute(state, faults=NO_FAULTS)

    async def execute(self, state: WorkflowState, faults: FaultPlan | None = None
                      ) -> WorkflowState:
        nodes = self.nodes[state.graph]
        deps = RunDeps(
            agents=self.agents, store=self.store, clock=BudgetClock(self.profile, state),
            budgets=self.profile.budgets,
            faults=self.agents.pacer.draw_faults(nodes) if faults is None else faults,
            last_node=nodes[-1],
        )
        done = nodes.index(state.last_node) + 1 if state.last_node in nodes else 0
        try:
            if done < len(nodes):
                await in_run_task(self._run_from(self.graphs[state.graph], state, deps,
                                                  nodes[done], resumed=done > 0))
        except SLABudgetExceeded as exc:
            self._finish(state, "aborted", str(exc))
            raise
        except AgentFailure as exc:
            self._finish(state, "failed", str(exc))
            raise
        if state.status != "completed":  # the last node's save already recorded the end
            self._finish(state, "completed", None)
        return state

    def _finish(self, state: WorkflowState, status: str, error: str | None) -> None:
        state.status = status  # type: ignore[assignment]
        state.error = error
        if self.store is not None:
            self.store.save(state)

    @staticmethod
    async def _run_from(graph: Graph, state: WorkflowState, deps: RunDeps, node: str,
                        resumed: bool) -> None:
        if not resumed:
            await graph.run(state=state, deps=deps, infer_name=False)
            return
        # pydantic-graph has no resume: start the run, then replace its first task with the
        # node to continue from (same fork stack, no inputs: the state carries everything).
        async with graph.iter(state=state, deps=deps, infer_name=False) as run:
            first = await anext(run)  # only the start node has run: it yields the first task
            assert isinstance(first, Sequence) and first, "the start node yields a task"
            event = await run.next([GraphTaskRequest(NodeID(node), None, first[0].fork_stack)])
            while not isinstance(event, EndMarker):
                event = await run.next(event)
