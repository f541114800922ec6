"""`shadow-harness serve proxy` as a process: admin token from the environment, a RUN_DIR that
`analyze` reads, state kept across a restart, a clean stop on SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from proxy_fixtures import Backend, free_port

from harness.results import read_results
from harness.rundir import read_run

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _start(args: list[str], env: dict[str, str], url: str,
                 log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness", "serve", "proxy", *args],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"proxy exited {process.returncode}: {log.read_text()}")
            try:
                async with session.get(url + "/metrics") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError(f"proxy never came up: {log.read_text()}")


async def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    for _ in range(400):
        if process.poll() is not None:
            return process.returncode
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("proxy did not stop on SIGINT")


async def test_serve_proxy_verb(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run_dir, state = tmp_path / "run", tmp_path / "state.sqlite3"
    args = ["--legacy", legacy.url, "--graph", graph.url, "--mode", "shadow", "--port",
            str(port), "--state-db", str(state), "--run-dir", str(run_dir)]
    env = {"SHADOW_ADMIN_TOKEN": "env-token"}
    try:
        process = await _start(args, env, url, tmp_path / "proxy.log")
        async with aiohttp.ClientSession() as session:
            for i in range(12):
                async with session.post(url + "/api/v1/search", json={"query": f"q{i}"}) as r:
                    assert r.status == 200 and r.headers["x-backend"] == "legacy"
            async with session.post(url + "/admin/percentage", json={"graph_percentage": 25},
                                    headers={"authorization": "Bearer env-token"}) as r:
                assert r.status == 200
            async with session.get(url + "/admin/state") as r:
                assert r.status == 401
        assert await _stop(process) == 0
        frame = read_results(run_dir)
        assert len(frame) == 12 and set(frame["verdict"]) == {"match"}
        assert read_run(run_dir)["live"] is False
        analyze = subprocess.run([sys.executable, "-m", "harness", "analyze", str(run_dir),
                                  "--json"], capture_output=True, text=True, timeout=120)
        assert analyze.returncode == 0, analyze.stderr
        assert '"total": 12' in analyze.stdout
        # Restarted: same share.
        process = await _start(args, env, url, tmp_path / "proxy.log")
        async with aiohttp.ClientSession() as session, session.get(url + "/admin/state",
                               headers={"authorization": "Bearer env-token"}) as r:
            assert (await r.json())["graph_percentage"] == 25
        assert await _stop(process) == 0
    finally:
        await legacy.stop()
        await graph.stop()


def test_bad_mode_and_bad_table_are_usage_errors(tmp_path: Path) -> None:
    bad = subprocess.run([sys.executable, "-m", "harness", "serve", "proxy", "--legacy",
                          "http://127.0.0.1:1", "--graph", "http://127.0.0.1:2", "--mode",
                          "canary"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 64 and "--mode" in bad.stderr
    config = tmp_path / "h.toml"
    config.write_text("[proxy]\nsla_budget_s = -3\n")
    bad = subprocess.run([sys.executable, "-m", "harness", "serve", "proxy", "--legacy",
                          "http://127.0.0.1:1", "--graph", "http://127.0.0.1:2", "--config",
                          str(config), "--state-db", str(tmp_path / "s.db")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "proxy.sla_budget_s" in bad.stderr and "Traceback" not in bad.stderr
