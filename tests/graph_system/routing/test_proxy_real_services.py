"""The proxy in front of the real legacy_stub and graph_system services (fast profile)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from proxy_fixtures import eventually, fast_settings, running_proxy

from harness.config import load_config
from harness.results import read_results

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]

REQUESTS = [
    ("POST", "/api/v1/workflow", {"content": "Quarterly liquidity review under basel iii",
                                  "user_id": "u-1", "domain_hint": "finance"}),
    ("POST", "/api/v1/workflow", {"content": "", "user_id": None}),
    ("POST", "/api/v1/workflow", {"content": "Diagnose 🚑 مرحبا e\u0301", "max_results": 3}),
    ("POST", "/api/v1/search", {"query": "contract termination clause", "top_k": 5}),
    ("POST", "/api/v1/search", {"query": "x", "top_k": 0}),  # rejected alike: a 4xx
    ("POST", "/api/v1/config/extract", {"content": "supply chain lead times",
                                        "domain_hint": "manufacturing"}),
    ("GET", "/health", None),
    ("GET", "/no/such/route", None),
]


async def _send(session: aiohttp.ClientSession, base: str, method: str, path: str,
                body: object) -> tuple[int, bytes]:
    async with session.request(method, base + path, json=body) as response:
        return response.status, await response.read()


async def test_shadow_pairs_of_the_real_services_match(tmp_path: Path, legacy_url: str,
                                                       graph_url: str) -> None:
    config = load_config(ROOT / "harness.toml")
    settings = fast_settings(tmp_path, legacy_url, graph_url, mode="shadow")
    async with running_proxy(settings, config=config) as proxy:
        for method, path, body in REQUESTS * 3:
            through, _ = await _send(proxy.session, proxy.url, method, path, body)
            direct, _ = await _send(proxy.session, legacy_url, method, path, body)
            assert through == direct, (path, body)  # what a client sees is legacy's answer
        total = len(REQUESTS) * 3
        await eventually(lambda: proxy.proxy.mirror.completed == total, timeout_s=20)
    frame = read_results(tmp_path / "run")
    assert len(frame) == len(REQUESTS) * 3
    assert set(frame["outcome"]) == {"compared"}
    mismatched = frame.loc[frame["verdict"] == "mismatch", ["path", "mismatches"]]
    assert mismatched.empty, mismatched.to_dict("records")
    assert set(frame["endpoint"]) == {"workflow", "search", "config_extraction", "health",
                                      "other"}


async def test_split_all_on_the_graph_serves_every_request(tmp_path: Path, legacy_url: str,
                                                          graph_url: str) -> None:
    settings = fast_settings(tmp_path, legacy_url, graph_url, initial_percentage=100,
                             sla_budget_s=3.0)
    async with running_proxy(settings, config=load_config(ROOT / "harness.toml")) as proxy:
        for i, (method, path, body) in enumerate(REQUESTS * 2):
            status, _ = await _send(proxy.session, proxy.url, method, path, body)
            expected, _ = await _send(proxy.session, graph_url, method, path, body)
            assert status == expected, (i, path)
        served = proxy.proxy.metrics.requests.values
        assert sum(v for (side, *_), v in served.items() if side == "graph") == \
            len(REQUESTS) * 2
        assert not proxy.proxy.metrics.fallbacks.values
