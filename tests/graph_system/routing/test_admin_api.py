"""The admin API: bearer auth, state, percentage, force-legacy, window, metrics, restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from proxy_fixtures import Backend, fast_settings, running_proxy

pytestmark = pytest.mark.anyio


@pytest.fixture
async def backends():
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    yield legacy, graph
    await legacy.stop()
    await graph.stop()


async def test_auth_401_without_403_wrong_token(tmp_path: Path, backends) -> None:
    legacy, graph = backends
    async with running_proxy(fast_settings(tmp_path, legacy.url, graph.url)) as proxy:
        status, body = await proxy.admin("GET", "/admin/state", token=None)
        assert status == 401 and "Bearer" in body["detail"]
        status, body = await proxy.admin("GET", "/admin/state", token="nope")
        assert (status, body["detail"]) == (403, "wrong admin token")
        for method, path in [("POST", "/admin/percentage"), ("POST", "/admin/force-legacy"),
                             ("POST", "/admin/rollback/emergency"),
                             ("POST", "/admin/rollback/gradual"), ("GET", "/admin/window"),
                             ("POST", "/admin/controller/check")]:
            status, _ = await proxy.admin(method, path, {"graph_percentage": 50}, token=None)
            assert status == 401, path
        assert proxy.proxy.state.graph_percentage == 0  # nothing changed


async def test_no_token_configured_disables_admin(tmp_path: Path, backends) -> None:
    legacy, graph = backends
    settings = fast_settings(tmp_path, legacy.url, graph.url, admin_token=None)
    async with running_proxy(settings) as proxy:
        status, body = await proxy.admin("GET", "/admin/state", token="anything")
        assert status == 403 and "no admin token" in body["detail"]


async def test_state_percentage_force_legacy_and_restart(tmp_path: Path, backends) -> None:
    legacy, graph = backends
    settings = fast_settings(tmp_path, legacy.url, graph.url)
    async with running_proxy(settings) as proxy:
        status, state = await proxy.admin("GET", "/admin/state")
        assert status == 200
        assert (state["mode"], state["graph_percentage"], state["force_legacy"]) == \
            ("split", 0, False)
        status, state = await proxy.admin("POST", "/admin/percentage",
                                          {"graph_percentage": 100, "step": "day-13"})
        assert (status, state["graph_percentage"], state["step"]) == (200, 100, "day-13")
        _, _, headers = await proxy.send(headers={"x-user-id": "u1"})
        assert headers["x-backend"] == "graph"
        status, state = await proxy.admin("POST", "/admin/force-legacy", {"enabled": True})
        assert state["force_legacy"] is True
        _, _, headers = await proxy.send(headers={"x-user-id": "u1"})
        assert headers["x-backend"] == "legacy"
        status, body = await proxy.admin("POST", "/admin/percentage", {"graph_percentage": 101})
        assert status == 422
        status, body = await proxy.admin("POST", "/admin/percentage",
                                         {"graph_percentage": 10, "step": "day-99"})
        assert status == 422 and "day-99" in str(body)
    # A restarted proxy resumes: same share, step and force_legacy.
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=5)
    async with running_proxy(settings) as proxy:
        _, state = await proxy.admin("GET", "/admin/state")
        assert (state["graph_percentage"], state["step"], state["force_legacy"]) == \
            (100, "day-13", True)
        _, _, headers = await proxy.send(headers={"x-user-id": "u1"})
        assert headers["x-backend"] == "legacy"
        _, state = await proxy.admin("POST", "/admin/force-legacy", {"enabled": False})
        assert state["force_legacy"] is False
        _, _, headers = await proxy.send(headers={"x-user-id": "u1"})
        assert headers["x-backend"] == "graph"


async def test_transparent_forwarding(tmp_path: Path, backends) -> None:
    legacy, graph = backends
    async with running_proxy(fast_settings(tmp_path, legacy.url, graph.url)) as proxy:
        async with proxy.session.post(
            proxy.url + "/api/v1/workflow?trace=1&x=%C3%A9", data=b'{"content": "\\u00e9"}',
            headers={"content-type": "application/json", "x-custom": "kept",
                     "authorization": "Bearer client"},
        ) as response:
            assert response.status == 200
            assert response.headers["x-backend"] == "legacy"
            body = await response.json()
        seen = legacy.received[-1]
        assert (seen["method"], seen["path"]) == ("POST", "/api/v1/workflow")
        assert seen["query"] == "trace=1&x=%C3%A9"
        assert seen["body"] == b'{"content": "\\u00e9"}'
        assert seen["headers"]["x-custom"] == "kept"
        assert seen["headers"]["authorization"] == "Bearer client"  # forwarded as sent
        assert body["echo"] == {"content": "é"}
        async with proxy.session.get(proxy.url + "/health") as response:
            assert response.status == 200
            assert await response.json() == {"status": "healthy"}


async def test_legacy_unreachable_is_a_502_not_a_crash(tmp_path: Path, backends) -> None:
    _legacy, graph = backends
    settings = fast_settings(tmp_path, "http://127.0.0.1:9", graph.url)
    async with running_proxy(settings) as proxy:
        status, body, _ = await proxy.send()
        assert status == 502 and body["upstream"] == "legacy"


async def test_window_and_metrics(tmp_path: Path, backends) -> None:
    legacy, graph = backends
    settings = fast_settings(tmp_path, legacy.url, graph.url, initial_percentage=100)
    async with running_proxy(settings) as proxy:
        for i in range(5):
            await proxy.send(headers={"x-user-id": f"u{i}"})
        status, window = await proxy.admin("GET", "/admin/window")
        assert status == 200
        assert window["monitor"]["count"] == 5 and window["monitor"]["errors"] == 0
        assert window["monitor"]["window"] == 100 and window["monitor"]["min_samples"] == 20
        async with proxy.session.get(proxy.url + "/metrics") as response:
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/plain")
            text = await response.text()
        assert 'shadow_proxy_requests_total{served_by="graph",endpoint="search",code="200"} 5' \
            in text
        assert "shadow_proxy_graph_percentage 100" in text
        assert "# TYPE shadow_proxy_upstream_seconds histogram" in text
        for line in text.splitlines():  # every sample line is "name{labels} number"
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                float(value.replace("+Inf", "inf").replace("NaN", "nan"))
                assert name.startswith("shadow_proxy_")
