"""The graphs: their shape, budgets and faults."""

from __future__ import annotations

import asyncio
import logging

import pytest

from graph_system.agents import Agents, FaultPlan, Pacer
from graph_system.knowledge import CorpusIndex
from graph_system.models import SearchRequest, WorkflowRequest
from graph_system.profile import GraphProfile, load_graph_profile
from graph_system.workflows import (
    AgentFailure,
    SLABudgetExceeded,
    StateStore,
    WorkflowRunner,
    build_search_workflow_graph,
)


@pytest.fixture(scope="module")
def index() -> CorpusIndex:
    return CorpusIndex.from_file()


def runner_for(index: CorpusIndex, profile: GraphProfile,
               store: StateStore | None = None) -> WorkflowRunner:
    return WorkflowRunner(Agents.build(index, Pacer(profile)), profile, store)


def slow(stage: str, seconds: float) -> GraphProfile:
    """instant, with one agent call modelled as taking ``seconds``."""
    base = load_graph_profile("instant")
    return base.model_copy(update={"jitter": 0.0,
                                   "work_s": {**base.work_s, stage: (seconds, 0.0)}})


def test_search_graph_forks_and_joins() -> None:
    graph = build_search_workflow_graph()
    rendered = graph.render()
    assert "state ParallelSearch <<fork>>" in rendered
    assert "AnalyzeQuery --> ParallelSearch" in rendered
    assert "state CollectResults <<join>>" in rendered
    for modality in ("VectorSearch", "GraphSearch", "KeywordSearch"):
        assert f"ParallelSearch --> {modality}" in rendered
        assert f"{modality} --> CollectResults" in rendered


def test_search_modalities_run_in_parallel(index: CorpusIndex) -> None:
    # A real-time profile with 0.2 s per modality: in parallel the search takes about one
    # modality, not three.
    base = load_graph_profile("fast-nofault")
    profile = base.model_copy(update={"time_scale": 1.0, "jitter": 0.0, "work_s": {
        **base.work_s, "vector_search": (0.2, 0.0), "graph_search": (0.2, 0.0),
        "keyword_search": (0.2, 0.0), "fusion": (0.0, 0.0), "query_analysis": (0.0, 0.0)}})
    runner = runner_for(index, profile)
    started = asyncio.run(_timed(runner.run_search(SearchRequest(query="kafka"))))
    assert started < 0.55  # three in a row would take at least 0.6 s


async def _timed(work: object) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    await work  # type: ignore[misc]
    return loop.time() - began


def test_a_completed_run_records_every_node(index: CorpusIndex) -> None:
    store = StateStore(":memory:")
    runner = runner_for(index, load_graph_profile("instant"), store)
    state = asyncio.run(runner.run_workflow(WorkflowRequest(content="insulin for diabetes")))
    saved = store.load(state.workflow_id)
    assert saved is not None and saved.status == "completed"
    assert [t.node for t in saved.node_timings] == ["AnalyzeDomain", "ExtractKnowledge",
                                                    "SearchData"]
    assert saved.search is not None and saved.search.hits


def test_slow_domain_analysis_warns(index: CorpusIndex, caplog: pytest.LogCaptureFixture
                                    ) -> None:
    runner = runner_for(index, slow("domain_intelligence", 1.2))
    with caplog.at_level(logging.WARNING, "graph_system.workflows"):
        state = asyncio.run(runner.run_workflow(WorkflowRequest(content="insulin")))
    assert state.status == "completed"
    assert state.warnings == ["domain analysis slow: 1.20s"]
    assert "domain analysis slow" in caplog.text


@pytest.mark.parametrize(("stage", "seconds", "node"), [
    ("domain_intelligence", 2.1, "AnalyzeDomain"),
    ("knowledge_extraction", 2.0, "ExtractKnowledge"),
])
def test_runs_over_budget_abort_and_are_recorded(index: CorpusIndex, stage: str,
                                                 seconds: float, node: str) -> None:
    store = StateStore(":memory:")
    runner = runner_for(index, slow(stage, seconds), store)
    state = runner.new_state("ConfigExtractionGraph", "insulin", None)
    with pytest.raises(SLABudgetExceeded) as caught:
        asyncio.run(runner.execute(state))
    assert caught.value.node == node
    saved = store.load(state.workflow_id)
    assert saved is not None
    assert (saved.status, saved.last_node) == ("aborted", node)
    assert saved.search is None  # nothing ran after the abort


def test_a_run_past_three_seconds_is_an_sla_violation(index: CorpusIndex,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    runner = runner_for(index, slow("fusion", 1.5))
    with caplog.at_level(logging.ERROR, "graph_system.workflows"):
        state = asyncio.run(runner.run_workflow(WorkflowRequest(content="insulin")))
    assert state.status == "completed" and state.sla_violation
    assert "SLA VIOLATION" in caplog.text


def test_an_injected_fault_fails_the_run_at_its_node(index: CorpusIndex) -> None:
    store = StateStore(":memory:")
    runner = runner_for(index, load_graph_profile("instant"), store)
    state = runner.new_state("ConfigExtractionGraph", "insulin", None)
    with pytest.raises(AgentFailure):
        asyncio.run(runner.execute(state, faults=FaultPlan(fail_at="ExtractKnowledge")))
    saved = store.load(state.workflow_id)
    assert saved is not None
    assert (saved.status, saved.last_node) == ("failed", "AnalyzeDomain")


def test_seed_stalls_are_aborted_by_the_domain_budget(index: CorpusIndex) -> None:
    seed = load_graph_profile("seed")
    # On the modelled clock the stall alone decides; the seed numbers must make it abort.
    profile = seed.model_copy(update={"time_scale": 0.001, "sla_clock": "model"})
    runner = runner_for(index, profile)
    state = runner.new_state("ConfigExtractionGraph", "insulin", None)
    with pytest.raises(SLABudgetExceeded):
        asyncio.run(runner.execute(state, faults=FaultPlan(stall_s=seed.sla_outlier_extra_s)))


def test_seed_profile_meets_the_plan_by_construction() -> None:
    seed = load_graph_profile("seed")
    hi = 1 + seed.jitter

    def worst(stage: str) -> float:
        base, per_unit = seed.work_s[stage]
        return (base + per_unit) * hi

    def mean(stage: str) -> float:
        base, per_unit = seed.work_s[stage]
        return base + per_unit / 2

    search_worst = max(worst(s) for s in ("vector_search", "graph_search", "keyword_search"))
    slowest = (worst("domain_intelligence") + worst("knowledge_extraction") + search_worst
               + worst("fusion"))
    assert slowest < 2.55  # no request past 3.0 s, with room for a busy event loop
    assert worst("domain_intelligence") < seed.budgets.domain_warn_s
    assert worst("domain_intelligence") + worst("knowledge_extraction") < (
        seed.budgets.after_extraction_abort_s)
    typical = (mean("domain_intelligence") + mean("knowledge_extraction")
               + mean("vector_search") + mean("fusion"))
    assert 1.9 < typical < 2.3
    assert seed.error_rate + seed.sla_outlier_rate < 0.01
    # A stall always breaks the 2.0 s budget, however fast the analysis itself was.
    best_domain = seed.work_s["domain_intelligence"][0] * (1 - seed.jitter)
    assert best_domain + seed.sla_outlier_extra_s > seed.budgets.after_domain_abort_s
