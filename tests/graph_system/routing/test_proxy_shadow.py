"""Shadow mode: legacy answers the client, the graph is mirrored off the path into a RUN_DIR."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from proxy_fixtures import Backend, eventually, fast_settings, running_proxy

from harness.analysis import write_summary
from harness.config import HarnessConfig
from harness.gate import evaluate
from harness.results import read_results
from harness.rundir import read_run

pytestmark = pytest.mark.anyio


async def test_clients_get_legacy_while_the_graph_is_still_held(tmp_path: Path) -> None:
    """Every client answer arrives while no graph request has been answered yet: the mirror
    is off the client's path (a structural proof, no clock involved)."""
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", hold=asyncio.Event()).start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow",
                             mirror_timeout_s=5.0)
    try:
        async with running_proxy(settings) as proxy:
            answers = await asyncio.gather(*(proxy.send(body={"query": f"q{i}"})
                                             for i in range(20)))
            assert [(s, h["x-backend"]) for s, _, h in answers] == [(200, "legacy")] * 20
            assert [b["echo"] for _, b, _ in answers] == [{"query": f"q{i}"} for i in range(20)]
            await eventually(lambda: graph.served() == 20)  # all mirrored, all still held
            assert proxy.proxy.mirror.completed == 0
            graph.hold.set()
            await eventually(lambda: proxy.proxy.mirror.completed == 20)
            await proxy.proxy.live.rotate()
            frame = read_results(tmp_path / "run")  # readable while the proxy is live
            assert len(frame) == 20
            assert set(frame["outcome"]) == {"compared"}
            assert set(frame["verdict"]) == {"match"}
            assert frame["id"].is_unique
            run = read_run(tmp_path / "run")
            assert run["finished"] is True and run["live"] is True
            assert run["requests"]["total"] == 20
    finally:
        await legacy.stop()
        await graph.stop()


async def test_full_mirror_queue_drops_and_counts_never_blocks(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", hold=asyncio.Event()).start()
    settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow",
                             mirror_queue=2, mirror_workers=1, mirror_timeout_s=5.0)
    try:
        async with running_proxy(settings) as proxy:
            for i in range(10):  # one at a time, so the worker has taken its job
                status, _, _ = await proxy.send(body={"query": f"q{i}"})
                assert status == 200
                await eventually(lambda: graph.served() >= 1)
            mirror = proxy.proxy.mirror
            # One job held by the worker, two queued, the other seven dropped.
            assert (mirror.offered, mirror.dropped, mirror.depth) == (10, 7, 2)
            graph.hold.set()
            await eventually(lambda: mirror.completed == 3)
            await proxy.proxy.live.rotate()
            frame = read_results(tmp_path / "run")
            assert frame["outcome"].value_counts().to_dict() == {"skipped": 7, "compared": 3}
            reasons = set(frame.loc[frame["outcome"] == "skipped", "reason"])
            assert reasons == {"mirror queue full: pair dropped, client unaffected"}
    finally:
        await legacy.stop()
        await graph.stop()


async def test_shadow_run_dir_is_a_complete_run_after_shutdown(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph", error_rate=0.25, seed=11).start()
    run_dir = tmp_path / "run"
    settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow")
    try:
        async with running_proxy(settings) as proxy:
            for i in range(40):
                status, _, headers = await proxy.send(body={"query": f"q{i}"})
                assert (status, headers["x-backend"]) == (200, "legacy")
            await eventually(lambda: proxy.proxy.mirror.completed == 40)
        assert not (run_dir / "shards").exists()
        frame = read_results(run_dir)
        assert len(frame) == 40
        errors = int((frame["outcome"] == "graph_error").sum())
        assert errors == graph.served() - int((frame["outcome"] == "compared").sum()) > 0
        assert set(frame.loc[frame["outcome"] == "graph_error", "graph_error"]) == {"http_5xx"}
        run = read_run(run_dir)
        assert (run["finished"], run["live"], run["requests"]["total"]) == (True, False, 40)
        assert run["mode"] == "shadow" and run["targets"]["graph"] == graph.url
        summary = write_summary(run_dir)  # the lead's analysis reads it unchanged
        assert summary["requests"]["total"] == 40
        report = evaluate(frame, HarnessConfig(), run=run, step="day-8").to_dict()
        assert report["decision"] in {"HOLD", "ROLLBACK"}  # 40 < 100 requests, 25 % errors
        assert report["decision"] != "INVALID"
    finally:
        await legacy.stop()
        await graph.stop()


async def test_restart_appends_to_the_same_run(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    run_dir = tmp_path / "run"
    try:
        for start in (0, 5):
            settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow")
            async with running_proxy(settings) as proxy:
                for i in range(5):
                    await proxy.send(body={"query": f"q{start + i}"})
                await eventually(lambda p=proxy: p.proxy.mirror.completed == 5)
        frame = read_results(run_dir)
        assert len(frame) == 10
        assert frame["seq"].is_unique and frame["id"].is_unique
        assert read_run(run_dir)["requests"]["total"] == 10
        echoed = sorted(orjson.loads(b)["query"] for b in [
            r["body"] for r in graph.received if r["path"] == "/api/v1/search"])
        assert echoed == sorted(f"q{i}" for i in range(10))
    finally:
        await legacy.stop()
        await graph.stop()
