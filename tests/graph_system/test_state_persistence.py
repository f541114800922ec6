"""State after every node in SQLite; a run killed mid-graph resumes from its last node."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from asgi_app import asgi_call

from graph_system.agents import Agents, Pacer
from graph_system.app import create_app
from graph_system.knowledge import CorpusIndex
from graph_system.models import WorkflowRequest
from graph_system.profile import load_graph_profile
from graph_system.workflows import StateStore, WorkflowRunner, WorkflowState
from graph_system.workflows.state_persistence import StateStoreError

ROOT = Path(__file__).resolve().parents[2]
CONTENT = "The patient took insulin and metformin for diabetes; a kidney biopsy followed."


@pytest.fixture(scope="module")
def index() -> CorpusIndex:
    return CorpusIndex.from_file()


def fresh_runner(index: CorpusIndex, store: StateStore | None) -> WorkflowRunner:
    profile = load_graph_profile("instant")
    return WorkflowRunner(Agents.build(index, Pacer(profile)), profile, store)


def outputs(state: WorkflowState) -> dict:
    return state.model_dump(include={"domain_config", "knowledge", "search", "status"})


def test_store_round_trip_and_prune(tmp_path: Path, index: CorpusIndex) -> None:
    store = StateStore(tmp_path / "state.sqlite3", keep_runs=3)
    runner = fresh_runner(index, store)
    ids = [asyncio.run(runner.run_workflow(WorkflowRequest(content=f"bond {i}"))).workflow_id
           for i in range(5)]
    assert store.count() == 5
    assert store.prune() == 2
    assert store.load(ids[0]) is None and store.load(ids[-1]) is not None
    reopened = StateStore(tmp_path / "state.sqlite3")
    assert reopened.load(ids[-1]) == store.load(ids[-1])


def test_an_unusable_state_database_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StateStoreError, match=r"dir\.sqlite3: cannot open"):
        StateStore(tmp_path / "dir.sqlite3")


def test_a_cancelled_run_resumes_from_its_last_completed_node(
        tmp_path: Path, index: CorpusIndex) -> None:
    db = tmp_path / "state.sqlite3"
    interrupted = fresh_runner(index, StateStore(db))
    never = asyncio.Event()

    async def stuck(text: str, size: float) -> None:
        await never.wait()

    interrupted.agents.knowledge_extraction.run = stuck  # type: ignore[method-assign]

    async def run_until_first_node() -> str:
        state = interrupted.new_state("ConfigExtractionGraph", CONTENT, None, 5)
        task = asyncio.create_task(interrupted.execute(state))
        while True:
            saved = StateStore(db).load(state.workflow_id)
            if saved is not None and saved.last_node == "AnalyzeDomain":
                break
            await asyncio.sleep(0.001)
        task.cancel()  # the process "dies" inside ExtractKnowledge
        with pytest.raises(asyncio.CancelledError):
            await task
        return state.workflow_id

    workflow_id = asyncio.run(run_until_first_node())
    store = StateStore(db)
    assert store.unfinished() == [workflow_id]

    resumer = fresh_runner(index, store)
    calls: list[str] = []
    domain_run = resumer.agents.domain_intelligence.run

    async def counted(*args: object) -> object:
        calls.append("domain")
        return await domain_run(*args)  # type: ignore[arg-type]

    resumer.agents.domain_intelligence.run = counted  # type: ignore[method-assign]
    resumed = asyncio.run(resumer.resume(workflow_id))
    assert calls == []  # the completed node is not run again
    assert [t.node for t in resumed.node_timings] == ["AnalyzeDomain", "ExtractKnowledge",
                                                      "SearchData"]
    reference = asyncio.run(fresh_runner(index, None).run_workflow(
        WorkflowRequest(content=CONTENT)))
    assert outputs(resumed) == outputs(reference)
    assert store.unfinished() == []
    # A finished run resumes to itself without running anything.
    assert asyncio.run(resumer.resume(workflow_id)).node_timings == resumed.node_timings


CHILD = textwrap.dedent("""
    import asyncio, sys
    from graph_system.agents import Agents, Pacer
    from graph_system.knowledge import CorpusIndex
    from graph_system.profile import load_graph_profile
    from graph_system.workflows import StateStore, WorkflowRunner
    base = load_graph_profile("fast-nofault")
    profile = base.model_copy(update={"time_scale": 1.0, "jitter": 0.0, "work_s": {
        **base.work_s, "domain_intelligence": (0.01, 0.0),
        "knowledge_extraction": (60.0, 0.0)}})
    runner = WorkflowRunner(Agents.build(CorpusIndex.from_file(), Pacer(profile)), profile,
                            StateStore(sys.argv[1]))
    state = runner.new_state("ConfigExtractionGraph", sys.argv[3], None, 5,
                             workflow_id=sys.argv[2])
    asyncio.run(runner.execute(state))
""")


def _last_node(db: Path, workflow_id: str) -> str | None:
    if not db.exists():
        return None
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT last_node FROM runs WHERE workflow_id = ?",
                               (workflow_id,)).fetchone()
    except sqlite3.OperationalError:
        return None  # schema not created yet
    return None if row is None else row[0]


@pytest.mark.slow
def test_a_killed_process_resumes_over_http(tmp_path: Path,
                                            call_graph: Callable) -> None:
    db = tmp_path / "state.sqlite3"
    workflow_id = "0f0e0d0c-0b0a-4909-8807-060504030201"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), workflow_id, CONTENT],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while _last_node(db, workflow_id) != "AnalyzeDomain":
            assert child.poll() is None, "the child died before its first node"
            assert time.monotonic() < deadline, "the first node never completed"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # mid-ExtractKnowledge, no cleanup at all
    finally:
        child.kill()
        child.wait()

    app = create_app("instant", state_db=db)
    status, raw = asyncio.run(asgi_call(app, "GET", f"/workflows/{workflow_id}"))
    view = orjson.loads(raw)
    assert status == 200
    assert (view["status"], view["last_node"]) == ("running", "AnalyzeDomain")

    status, raw = asyncio.run(asgi_call(app, "POST", f"/workflows/{workflow_id}/resume"))
    resumed = orjson.loads(raw)
    assert status == 200
    assert resumed["workflow_id"] == workflow_id
    _, fresh = call_graph("POST", "/api/v1/workflow", {"content": CONTENT})
    for key in ("status", "domain_analysis", "extracted_knowledge", "search_results"):
        assert resumed[key] == orjson.loads(fresh)[key]

    status, raw = asyncio.run(asgi_call(app, "GET", f"/workflows/{workflow_id}"))
    view = orjson.loads(raw)
    assert view["status"] == "completed"
    assert [t["node"] for t in view["node_timings"]] == ["AnalyzeDomain", "ExtractKnowledge",
                                                         "SearchData"]


def test_saves_of_one_loop_iteration_are_written_together_when_it_ends(
        tmp_path: Path, index: CorpusIndex) -> None:
    db = tmp_path / "state.sqlite3"
    store = StateStore(db)
    runner = fresh_runner(index, None)
    first = runner.new_state("ConfigExtractionGraph", "insulin", None)
    second = runner.new_state("DomainConfigGraph", "bond", None)

    def on_disk(workflow_id: str) -> str | None:
        with sqlite3.connect(db) as other:  # another connection sees only what is committed
            row = other.execute("SELECT status FROM runs WHERE workflow_id = ?",
                                (workflow_id,)).fetchone()
        return None if row is None else row[0]

    async def scenario() -> None:
        store.save(first)
        store.save(second)
        first.status = "failed"
        store.save(first)  # the later save of a run replaces the earlier one
        assert on_disk(first.workflow_id) is None
        assert store.load(second.workflow_id) == second  # this store sees its own saves
        await asyncio.sleep(0)
        assert on_disk(first.workflow_id) == "failed"
        assert on_disk(second.workflow_id) == "running"

    asyncio.run(scenario())


def test_a_save_outside_an_event_loop_is_written_at_once(tmp_path: Path,
                                                         index: CorpusIndex) -> None:
    db = tmp_path / "state.sqlite3"
    store = StateStore(db)
    state = fresh_runner(index, None).new_state("ConfigExtractionGraph", "insulin", None)
    store.save(state)
    assert StateStore(db).load(state.workflow_id) == state


def test_a_save_left_pending_by_a_closed_loop_is_written_with_the_next_one(
        tmp_path: Path, index: CorpusIndex) -> None:
    db = tmp_path / "state.sqlite3"
    store = StateStore(db)
    runner = fresh_runner(index, None)
    states = [runner.new_state("ConfigExtractionGraph", f"text {i}", None) for i in range(2)]

    loop = asyncio.new_event_loop()
    loop.call_soon(store.save, states[0])
    loop.call_soon(loop.stop)  # the loop ends before the iteration that would write it
    loop.run_forever()
    loop.close()
    assert StateStore(db).load(states[0].workflow_id) is None

    async def save(state: WorkflowState) -> None:
        store.save(state)

    asyncio.run(save(states[1]))
    reader = StateStore(db)
    assert [reader.load(s.workflow_id) for s in states] == states
