"""A request's modelled time: charged stage by stage, paid with one sleep when it ends."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest
from asgi_app import asgi_call
from fastapi import FastAPI

from legacy_stub import latency
from legacy_stub.app import create_app
from legacy_stub.latency import Bill, work_size
from legacy_stub.profile import STAGES

STAGES_OF = {
    "/api/v1/workflow": ("domain_analysis", "knowledge_extraction", "search", "conversion"),
    "/api/v1/search": ("query_analysis", "search", "conversion"),
    "/api/v1/config/extract": ("domain_analysis", "knowledge_extraction", "config_build",
                               "conversion"),
}
TEXT = "insulin treats diabetes in the kidney"


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the latency model takes, in seconds (none of them waited for)."""
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(latency, "asyncio", SimpleNamespace(sleep=sleep))
    return sleeps


def exact_app() -> FastAPI:
    """``instant`` without jitter or outliers: every request's time is its profile's sum."""
    app = create_app("instant")
    model = app.state.service.latency
    model.profile = model.profile.model_copy(update={"jitter": 0.0, "outlier_rate": 0.0})
    return app


@pytest.mark.parametrize("path", sorted(STAGES_OF))
def test_a_request_pays_every_stage_with_one_sleep(path: str, slept: list[float]) -> None:
    app = exact_app()
    profile = app.state.profile
    body = {"query": TEXT} if path.endswith("search") else {"content": TEXT}
    status, _ = asyncio.run(asgi_call(app, "POST", path, orjson.dumps(body)))
    assert status == 200
    size = work_size(TEXT)
    work = sum(profile.work_s[s][0] + profile.work_s[s][1] * size for s in STAGES_OF[path])
    expected = (sum(profile.init_s[s] for s in STAGES) + work) * profile.time_scale
    assert slept == [pytest.approx(expected)]


def test_a_failing_request_pays_what_it_spent_before_it_fails(
        slept: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    app = exact_app()
    model = app.state.service.latency
    monkeypatch.setattr(model, "draw_failure", lambda stages: "search")
    status, raw = asyncio.run(asgi_call(app, "POST", "/api/v1/workflow",
                                        orjson.dumps({"content": TEXT})))
    assert (status, orjson.loads(raw)["error_code"]) == (500, "INTERNAL_ERROR")
    # The chain initializes unified, workflow, config_extraction, then search, which fails.
    spent = ("unified", "workflow", "config_extraction", "search")
    profile = app.state.profile
    assert slept == [pytest.approx(sum(profile.init_s[s] for s in spent) * profile.time_scale)]


def test_a_bill_is_paid_once(slept: list[float]) -> None:
    bill = Bill()
    bill.charge(0.25)
    bill.charge(0.5)
    asyncio.run(bill.settle())
    asyncio.run(bill.settle())  # nothing owed any more: no second sleep
    assert slept == [0.75]
