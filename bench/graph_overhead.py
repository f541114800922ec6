#!/usr/bin/env python3
"""What the pydantic-graph machinery costs per request, measured side by side.

    .venv/bin/python bench/graph_overhead.py [--requests N] [--rounds R]

The agents run with zero latency (their pacer is off), so what is left is CPU: domain logic
plus, on the graph path, the graph runner (tasks, fork/join, state bookkeeping). "direct"
awaits the same agent calls in the same order without a graph. The last row is pydantic-graph
alone: a graph of three steps that do nothing, against awaiting the three steps directly.
Each figure is the best of R rounds (the least disturbed by other processes), in microseconds
of CPU per request. Goal: graph machinery under 1 ms per request.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic_graph import GraphBuilder, StepContext

from graph_system.agents import Agents, Pacer, request_size
from graph_system.knowledge import CorpusIndex
from graph_system.models import MODALITIES, SearchRequest, WorkflowRequest
from graph_system.profile import load_graph_profile
from graph_system.workflows import StateStore, WorkflowRunner
from graph_system.workflows.runner import in_run_task


def requests(index: CorpusIndex, count: int, seed: int = 7
             ) -> tuple[list[WorkflowRequest], list[SearchRequest]]:
    rng = random.Random(seed)
    vocabulary = sorted(index.lexicon) + sorted({w for ws in index.keywords_of.values()
                                                 for w in ws}) + ["the", "of", "report"]
    workflows, searches = [], []
    for _ in range(count):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 30)))
        workflows.append(WorkflowRequest(content=text, max_results=rng.randint(1, 10)))
        searches.append(SearchRequest(query=text, top_k=rng.randint(1, 10)))
    return workflows, searches


async def _nothing(ctx: StepContext[None, None, object]) -> None:
    return None


def empty_graph() -> Callable[[object], Awaitable[object]]:
    """Three steps that do nothing, run as the service runs its graphs."""
    g = GraphBuilder(name="Empty", auto_instrument=False)
    a = g.step(_nothing, node_id="A")
    b = g.step(_nothing, node_id="B")
    c = g.step(_nothing, node_id="C")
    g.add(g.edge_from(g.start_node).to(a), g.edge_from(a).to(b), g.edge_from(b).to(c),
          g.edge_from(c).to(g.end_node))
    graph = g.build()

    async def run(_item: object) -> object:
        return await in_run_task(graph.run(infer_name=False))

    return run


async def three_steps(_item: object) -> object:
    for _ in range(3):
        await _nothing(StepContext(state=None, deps=None, inputs=None))
    return None


async def cpu_per_call(items: list, call: Callable[[object], Awaitable[object]],
                       rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            await call(item)
        best = min(best, (time.process_time() - started) / len(items))
    return best * 1e6


async def main(count: int, rounds: int) -> int:
    profile = load_graph_profile("fast-nofault")
    index = CorpusIndex.from_file()
    pacer = Pacer(profile)
    pacer.enabled = False  # zero-latency agents: only CPU is left to measure
    agents = Agents.build(index, pacer)
    bare = WorkflowRunner(agents, profile, store=None)
    persisted = WorkflowRunner(agents, profile, store=StateStore(":memory:"))
    workflows, searches = requests(index, count)

    async def direct_workflow(r: WorkflowRequest) -> object:
        size = request_size(r.content)
        await agents.domain_intelligence.run(r.content, r.domain_hint, size)
        await agents.knowledge_extraction.run(r.content[:4096], size)
        search = agents.universal_search
        plan = search.plan(r.content[:4096], None, r.max_results, MODALITIES)
        return await search.search(plan, size)

    async def direct_search(r: SearchRequest) -> object:
        search = agents.universal_search
        size = request_size(r.query)
        plan = (await search.understand(r.query, r.domain, r.top_k, r.modalities, size)).output
        runs = await asyncio.gather(*(search.retrieve(plan, m, size) for m in MODALITIES))
        return await search.fuse(plan, [x.output for x in runs], size)

    rows = [
        ("workflow (ConfigExtractionGraph)", workflows, direct_workflow, bare.run_workflow),
        ("workflow + SQLite state", workflows, direct_workflow, persisted.run_workflow),
        ("search (SearchWorkflowGraph)", searches, direct_search, bare.run_search),
        ("3 empty steps (pydantic-graph)", workflows, three_steps, empty_graph()),
    ]
    # Warm every path over every item so imports and caches are not billed to a first row.
    for _name, items, direct, graph in rows:
        for item in items:
            await direct(item)
            await graph(item)
    print(f"{count} requests x {rounds} rounds, CPU per request (best round), "
          f"event loop: {type(asyncio.get_running_loop()).__module__.split('.')[0]}")
    print(f"{'path':34s} {'direct us':>10s} {'graph us':>10s} {'machinery us':>13s} "
          f"{'ratio':>6s}")
    worst = 0.0
    for name, items, direct, graph in rows:
        d = await cpu_per_call(items, direct, rounds)
        g = await cpu_per_call(items, graph, rounds)
        worst = max(worst, g - d)
        print(f"{name:34s} {d:10.0f} {g:10.0f} {g - d:13.0f} {g / d:6.2f}")
    verdict = "meets" if worst < 1000 else "misses"
    print(f"graph machinery: at most {worst:.0f} us per request ({verdict} the < 1 ms goal)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--asyncio", action="store_true", help="plain asyncio, not uvloop")
    args = parser.parse_args()
    if not args.asyncio:
        try:
            import uvloop  # uvicorn serves on uvloop when it is installed, as it is here
        except ImportError:
            pass
        else:
            uvloop.install()
    sys.exit(asyncio.run(main(args.requests, args.rounds)))
