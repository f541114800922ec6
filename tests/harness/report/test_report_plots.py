"""The plots: downsampled ECDFs that stay faithful, and SVGs that can share one page."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from harness.report import plots
from harness.report.error_rates import ErrorRate
from harness.results import COLUMNS

latencies = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                     max_size=3000).map(np.array)


@given(latencies, st.integers(min_value=2, max_value=600))
def test_ecdf_points_are_a_faithful_subset(values: np.ndarray, budget: int) -> None:
    x, y = plots.ecdf_points(values, budget)
    n = len(values)
    assert len(x) == len(y) <= max(budget, 1) or n <= budget
    assert len(x) <= max(budget, n if n <= budget else budget)
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) > 0)
    assert y[-1] == 1.0 and x[-1] == values.max()
    # Every point is on the exact ECDF: share of values <= x is y.
    ordered = np.sort(values)
    for xi, yi in zip(x, y, strict=True):
        assert np.searchsorted(ordered, xi, side="right") / n >= yi


def test_ecdf_ignores_missing_latencies() -> None:
    x, y = plots.ecdf_points(np.array([np.nan, 3.0, np.nan, 1.0]))
    assert list(x) == [1.0, 3.0] and list(y) == [0.5, 1.0]
    assert plots.ecdf_points(np.array([np.nan]))[0].size == 0


def _frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({c: [None] * n for c in COLUMNS})
    frame["seq"] = np.arange(n)
    frame["outcome"] = "compared"
    frame["endpoint"] = rng.choice(["search", "workflow"], n)
    frame["sent_at"] = 1000.0 + np.arange(n) * 0.01
    frame["legacy_latency_ms"] = rng.lognormal(3, 0.2, n)
    frame["graph_latency_ms"] = rng.lognormal(2.9, 0.2, n)
    frame["legacy_error"] = np.where(rng.random(n) < 0.05, "http_5xx", None)
    frame["graph_error"] = None
    return frame


def test_svgs_have_prefixed_ids_and_no_fixed_size() -> None:
    frame = _frame()
    first = plots.latency_svg(frame, [2500.0, 3000.0], slug="one")
    second = plots.timeline_svg(frame, slug="two")
    ids_one = set(re.findall(r'id="([^"]+)"', first))
    ids_two = set(re.findall(r'id="([^"]+)"', second))
    assert ids_one and all(i.startswith("one-") for i in ids_one)
    assert ids_two and all(i.startswith("two-") for i in ids_two)
    for svg, ids in ((first, ids_one), (second, ids_two)):
        assert svg.startswith("<svg") and "<?xml" not in svg
        assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg)) <= ids
        head = svg[:svg.index(">")]
        assert "viewBox" in head and ' width="' not in head and 'role="img"' in head


def test_sla_lines_off_the_scale_are_said_not_drawn() -> None:
    # The fast profile answers in milliseconds: 2.5-3 s lines would flatten the plot.
    svg = plots.latency_svg(_frame(), [2500.0, 3000.0])
    assert "are off this scale" in svg
    assert "plan SLA 3 s" not in svg


def test_sla_lines_in_range_are_in_the_legend() -> None:
    frame = _frame()
    frame["legacy_latency_ms"] *= 150
    frame["graph_latency_ms"] *= 150
    svg = plots.latency_svg(frame, [2500.0, 3000.0])
    assert "plan SLA 3 s" in svg and "step SLAs 2.5 s" in svg


def test_timeline_falls_back_to_request_order_without_send_times() -> None:
    frame = _frame()
    frame["sent_at"] = None
    assert "request order" in plots.timeline_svg(frame)


def test_error_rate_plot_takes_missing_intervals() -> None:
    rates = [ErrorRate("overall", "legacy", 0.05, 20, 400, 0.03, 0.07, "wilson"),
             ErrorRate("overall", "graph", None, 0, 0, None, None, "wilson")]
    assert plots.error_rates_svg(rates, [0.01, 0.05]).startswith("<svg")
