"""SearchWorkflowGraph: the query is understood once, then vector, graph and keyword
retrieval run in parallel (a broadcast fork), are joined, and fused.

    start -> AnalyzeQuery -> ParallelSearch <<fork>> -> VectorSearch | GraphSearch |
          KeywordSearch -> CollectResults <<join>> -> FuseResults -> end
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_graph import Graph, GraphBuilder, StepContext, reduce_list_append

from graph_system.agents import NO_FAULTS, AgentRun, FaultPlan, QueryPlan, UniversalSearchAgent
from graph_system.models import Modality, ModalityHits, SearchRequest, SearchResults
from graph_system.workflows.sla import AgentFailure

SEARCH_NODES = ("AnalyzeQuery", "VectorSearch", "GraphSearch", "KeywordSearch", "FuseResults")


@dataclass
class SearchRun:
    """State of one search graph run."""

    request: SearchRequest
    size: float
    faults: FaultPlan = NO_FAULTS
    modelled_s: float = 0.0
    plan: QueryPlan | None = None


SearchContext = StepContext[SearchRun, UniversalSearchAgent, QueryPlan]


async def _retrieve(ctx: SearchContext, modality: Modality, node: str
                    ) -> AgentRun[ModalityHits]:
    run = await ctx.deps.retrieve(ctx.inputs, modality, ctx.state.size)
    if ctx.state.faults.fail_at == node:
        raise AgentFailure(f"{node}: search backend error")
    return run


def build_search_workflow_graph() -> Graph[SearchRun, UniversalSearchAgent, None, SearchResults]:
    g = GraphBuilder(name="SearchWorkflowGraph", state_type=SearchRun,
                     deps_type=UniversalSearchAgent, output_type=SearchResults,
                     auto_instrument=False)

    @g.step(node_id="AnalyzeQuery", label="query understanding")
    async def analyze_query(ctx: StepContext[SearchRun, UniversalSearchAgent, None]
                            ) -> QueryPlan:
        request = ctx.state.request
        run = await ctx.deps.understand(request.query, request.domain, request.top_k,
                                        request.modalities, ctx.state.size)
        ctx.state.modelled_s += run.spent_s
        ctx.state.plan = run.output
        if ctx.state.faults.fail_at == "AnalyzeQuery":
            raise AgentFailure("AnalyzeQuery: query understanding error")
        return run.output

    @g.step(node_id="VectorSearch", label="vector similarity")
    async def vector_search(ctx: SearchContext) -> AgentRun[ModalityHits]:
        return await _retrieve(ctx, "vector", "VectorSearch")

    @g.step(node_id="GraphSearch", label="knowledge graph")
    async def graph_search(ctx: SearchContext) -> AgentRun[ModalityHits]:
        return await _retrieve(ctx, "graph", "GraphSearch")

    @g.step(node_id="KeywordSearch", label="keyword idf")
    async def keyword_search(ctx: SearchContext) -> AgentRun[ModalityHits]:
        return await _retrieve(ctx, "keyword", "KeywordSearch")

    collect = g.join(reduce_list_append, initial_factory=list[AgentRun[ModalityHits]],
                     node_id="CollectResults")

    @g.step(node_id="FuseResults", label="reciprocal rank fusion")
    async def fuse_results(ctx: StepContext[SearchRun, UniversalSearchAgent,
                                            list[AgentRun[ModalityHits]]]) -> SearchResults:
        runs = ctx.inputs
        # The modalities ran side by side: the slowest one is what the run waited for.
        ctx.state.modelled_s += max((r.spent_s for r in runs), default=0.0)
        assert ctx.state.plan is not None, "AnalyzeQuery ran first"
        fused = await ctx.deps.fuse(ctx.state.plan, [r.output for r in runs], ctx.state.size)
        ctx.state.modelled_s += fused.spent_s
        if ctx.state.faults.fail_at == "FuseResults":
            raise AgentFailure("FuseResults: fusion error")
        return fused.output

    g.add(
        g.edge_from(g.start_node).to(analyze_query),
        g.edge_from(analyze_query).to(vector_search, graph_search, keyword_search,
                                      fork_id="ParallelSearch"),
        g.edge_from(vector_search, graph_search, keyword_search).to(collect),
        g.edge_from(collect).to(fuse_results),
        g.edge_from(fuse_results).to(g.end_node),
    )
    return g.build()
