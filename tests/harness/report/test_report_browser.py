"""report.html in a real headless Chromium: it loads offline without console errors or
network requests, its plots render, and its key numbers are summary.json's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from harness.report import write_html

# A real browser process for the module: seconds, not milliseconds.
pytestmark = pytest.mark.slow

# The numbers an engineer decides from; each must be in the page, keyed and equal to the file.
REQUIRED_KEYS = (
    "requests.total", "requests.compared", "legacy.error_rate", "graph.error_rate",
    *(f"{side}.latency_ms.{stat}" for side in ("legacy", "graph")
      for stat in ("mean", "p50", "p95", "p99")),
    "parity.match", "parity.noise_only", "parity.mismatch", "parity.rate",
    "parity.layers.protocol", "parity.layers.semantic", "parity.layers.format",
    "endpoints.workflow.graph.latency_ms.mean", "endpoints.search.parity.rate",
)


@dataclass
class LoadedPage:
    page: Any
    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def loaded(browser: Any, shared_run_dir: Path) -> LoadedPage:
    path = write_html(shared_run_dir)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    result = LoadedPage(page=page, url=path.resolve().as_uri())
    page.on("console", lambda msg: result.console.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
    page.on("request", lambda request: result.requests.append(request.url))
    page.goto(result.url, wait_until="load")
    return result


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


def test_loads_without_console_errors(loaded: LoadedPage) -> None:
    errors = [text for kind, text in loaded.console if kind in ("error", "warning")]
    assert errors == []
    assert loaded.page_errors == []


def test_no_request_other_than_the_file_itself(loaded: LoadedPage) -> None:
    assert loaded.requests == [loaded.url]


def test_every_plot_renders_with_a_visible_size(loaded: LoadedPage) -> None:
    plots = loaded.page.locator("svg.plot")
    names = plots.evaluate_all("els => els.map(e => e.dataset.plot)")
    assert {"latency", "latency-endpoints", "timeline", "error-rates"} <= set(names)
    for index in range(plots.count()):
        box = plots.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 80, names[index]
        # Drawn content, not an empty frame: the plot has paths with geometry.
        drawn = plots.nth(index).evaluate(
            "svg => [...svg.querySelectorAll('path')].filter(p => { const b = p.getBBox(); "
            "return b.width > 0 || b.height > 0; }).length")
        assert drawn > 10, names[index]


def test_key_numbers_equal_summary_json(loaded: LoadedPage, shared_run_dir: Path) -> None:
    summary = orjson.loads((shared_run_dir / "summary.json").read_bytes())
    keyed = loaded.page.locator("[data-key][data-value]").evaluate_all(
        "els => els.map(e => [e.dataset.key, e.dataset.value, e.textContent])")
    seen = {key for key, _, _ in keyed}
    assert set(REQUIRED_KEYS) <= seen
    for key, value, text in keyed:
        assert orjson.loads(value) == _lookup(summary, key), key
        assert text.strip(), key


def test_verdict_banners_show_each_steps_decision(loaded: LoadedPage,
                                                  shared_run_dir: Path) -> None:
    gate = orjson.loads((shared_run_dir / "gate.json").read_bytes())
    banners = loaded.page.locator(".banner").evaluate_all(
        "els => els.map(e => [e.dataset.step, e.dataset.decision, e.innerText])")
    assert [(s, d) for s, d, _ in banners] == [(s["name"], s["decision"]) for s in gate["steps"]]
    for (_, _, text), step in zip(banners, gate["steps"], strict=True):
        if step["reasons"]:
            assert step["reasons"][0] in text  # the first reason, unescaped as written


def test_differences_are_highlighted_side_by_side(loaded: LoadedPage) -> None:
    articles = loaded.page.locator("article.signature")
    assert articles.count() >= 3
    first = articles.first
    assert first.locator("mark.del").count() >= 1
    assert first.locator("mark.ins").count() >= 1
    assert first.locator("mark").first.is_visible()


def test_print_layout_hides_navigation_and_keeps_plots(loaded: LoadedPage) -> None:
    page = loaded.page
    page.emulate_media(media="print")
    try:
        assert not page.locator("nav.toc").is_visible()
        box = page.locator("svg.plot").first.bounding_box()
        assert box is not None and box["width"] > 200
        assert page.pdf(format="A4")[:4] == b"%PDF"
    finally:
        page.emulate_media(media="screen")


def test_screenshot_for_a_human_to_judge(loaded: LoadedPage, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    loaded.page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
