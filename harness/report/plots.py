"""The report's plots: matplotlib rendered to inline SVG strings.

Figures are built without pyplot, so no GUI backend is ever chosen and no global figure state
is kept between reports (a long-running process does not leak figures).

Each SVG gets its own id prefix, because several SVGs in one HTML page share one id space and
matplotlib numbers its ids from 1 in every figure. Text stays text (``svg.fonttype: none``):
smaller files, and the browser's font renders it crisply on screen and paper.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from harness.report.error_rates import ErrorRate

LEGACY = "#0072B2"
GRAPH = "#E69F00"
SLA = "#D55E00"
COLORS = {"legacy": LEGACY, "graph": GRAPH}
ECDF_POINTS = 400
HIST_BINS = 40
_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.6,
}
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')


def _to_svg(fig: Figure, slug: str, label: str) -> str:
    buffer = io.StringIO()
    with rc_context({**_RC, "svg.hashsalt": slug}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = _ID.sub(lambda m: f'id="{slug}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{slug}-{m.group(2)}", text)
    # Size comes from CSS and the viewBox, so the plot fits a laptop screen and a printed page.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg{m.group(1)} class="plot" role="img" aria-label="{label}"'
                            f' data-plot="{slug}"',
                  text, count=1)
    return text


def _figure(width: float, height: float) -> Figure:
    # Fixed margins instead of a layout engine or a tight bbox: both lay every tick label out
    # once more, which triples the rendering time of a grid of small plots.
    with rc_context(_RC):
        return Figure(figsize=(width, height))


def _margins(fig: Figure, top: float = 0.3, bottom: float = 0.5, hspace: float = 0.75,
             wspace: float = 0.3, left: float = 0.7) -> None:
    """Margins in inches, so they stay the same whatever the figure's size."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - 0.15 / width, bottom=bottom / height,
                        top=1 - top / height, hspace=hspace, wspace=wspace)


def ecdf_points(values: np.ndarray, max_points: int = ECDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The ECDF at most ``max_points`` steps: evenly spaced probabilities, exact at the ends,
    so 10k or 10M latencies draw in the same time and the tail is still where it is."""
    data = np.sort(values[np.isfinite(values)])
    n = len(data)
    if n == 0:
        return np.empty(0), np.empty(0)
    if n <= max_points:
        return data, np.arange(1, n + 1) / n
    index = np.unique(np.ceil(np.linspace(1 / n, 1, max_points) * n).astype(int) - 1)
    return data[index], (index + 1) / n


def _latencies(frame: pd.DataFrame, side: str) -> np.ndarray:
    sent = frame.loc[frame["outcome"] != "skipped", f"{side}_latency_ms"]
    return sent.to_numpy(dtype=float, na_value=np.nan)


def _sla_lines(ax: Axes, sla_ms: Sequence[float], upper: float) -> None:
    """The plan's 3 s SLA dashed red, the steps' tighter SLAs dotted grey; labelled once in
    the legend, since close lines (2.5, 2.6, 2.8 s) would overprint any annotation."""
    shown = [s for s in sla_ms if s <= upper * 1.5]
    steps = [s for s in shown if s != 3000.0]
    for value in shown:
        plan = value == 3000.0
        label = "plan SLA 3 s" if plan else None
        if not plan and value == steps[0]:
            label = "step SLAs " + ", ".join(f"{s / 1000:g}" for s in steps) + " s"
        ax.axvline(value, color=SLA if plan else "#777777", linestyle="--" if plan else ":",
                   linewidth=1.0, label=label)
    if len(shown) < len(sla_ms):
        hidden = [s for s in sla_ms if s not in shown]
        ax.text(0.99, 0.97, f"SLA lines {min(hidden) / 1000:g}–{max(hidden) / 1000:g} s"
                " are off this scale", transform=ax.transAxes, ha="right", va="top",
                fontsize=7, color="#666666")


def _ecdf_and_histogram(ax_ecdf: Axes, ax_hist: Axes, legacy: np.ndarray, graph: np.ndarray,
                        sla_ms: Sequence[float]) -> None:
    both = np.concatenate([legacy[np.isfinite(legacy)], graph[np.isfinite(graph)]])
    if len(both) == 0:
        for ax in (ax_ecdf, ax_hist):
            ax.text(0.5, 0.5, "no latencies", transform=ax.transAxes, ha="center")
        return
    upper = float(np.quantile(both, 0.995))
    low = float(both.min())
    bins = np.linspace(low, upper if upper > low else low + 1.0, HIST_BINS + 1)
    # A few timeouts at 10 s would squash the body of the ECDF; cut the axis where the
    # histogram's last bin starts and say how many are beyond.
    shown_sla = [s for s in sla_ms if s <= upper * 1.5]
    right = max([upper, *shown_sla]) * 1.04
    beyond = int((both > right).sum())
    for name, values in (("legacy", legacy), ("graph", graph)):
        x, y = ecdf_points(values)
        if len(x):
            ax_ecdf.step(x, y, where="post", color=COLORS[name], linewidth=1.4, label=name)
        finite = values[np.isfinite(values)]
        if len(finite):
            ax_hist.hist(np.clip(finite, bins[0], bins[-1]), bins=bins, histtype="step",
                         color=COLORS[name], linewidth=1.3, label=name)
    # Few ticks: every tick is a line, a grid line and a laid-out label, and they are most of
    # the rendering time of the per-endpoint grid.
    for ax in (ax_ecdf, ax_hist):
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(4))
    ax_ecdf.set_ylim(0, 1.0)
    ax_ecdf.set_xlim(right=right)
    if beyond:
        ax_ecdf.text(0.99, 0.5, f"{beyond:,} beyond →", transform=ax_ecdf.transAxes,
                     ha="right", fontsize=7, color="#666666")
    ax_ecdf.set_xlabel("latency (ms)")
    ax_ecdf.set_ylabel("share of requests ≤ x")
    ax_hist.set_xlabel("latency (ms, last bin holds the top 0.5 %)")
    ax_hist.set_ylabel("requests")
    for ax in (ax_ecdf, ax_hist):
        _sla_lines(ax, sla_ms, upper)
    ax_ecdf.legend(loc="lower right", frameon=False, fontsize=7)


def latency_svg(frame: pd.DataFrame, sla_ms: Sequence[float], slug: str = "latency") -> str:
    """ECDF and histogram, legacy vs graph, over every sent request (errors keep their latency:
    a timeout is drawn at the timeout, never dropped)."""
    fig = _figure(9.0, 3.0)
    _margins(fig)
    ax_ecdf, ax_hist = fig.subplots(1, 2)
    _ecdf_and_histogram(ax_ecdf, ax_hist, _latencies(frame, "legacy"),
                        _latencies(frame, "graph"), sla_ms)
    ax_ecdf.set_title("ECDF", fontsize=9, loc="left")
    ax_hist.set_title("Histogram", fontsize=9, loc="left")
    return _to_svg(fig, slug, "Latency distribution, legacy vs graph")


def endpoint_latency_svg(frame: pd.DataFrame, endpoints: Sequence[str],
                         sla_ms: Sequence[float], slug: str = "latency-endpoints") -> str:
    fig = _figure(9.0, 2.3 * max(1, len(endpoints)))
    _margins(fig, hspace=0.55)
    axes = fig.subplots(max(1, len(endpoints)), 2, squeeze=False)
    for row, name in zip(axes, endpoints, strict=False):
        part = frame.loc[frame["endpoint"] == name]
        _ecdf_and_histogram(row[0], row[1], _latencies(part, "legacy"),
                            _latencies(part, "graph"), sla_ms)
        row[0].set_title(f"{name}: ECDF", fontsize=9, loc="left")
        row[1].set_title(f"{name}: histogram", fontsize=9, loc="left")
    return _to_svg(fig, slug, "Latency distribution per endpoint, legacy vs graph")


def _timeline_axis(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    sent_at = frame["sent_at"].to_numpy(dtype=float, na_value=np.nan)
    if np.isfinite(sent_at).any():
        return sent_at - np.nanmin(sent_at), "seconds since the first request"
    return frame["seq"].to_numpy(dtype=float), "request order"


def timeline_svg(frame: pd.DataFrame, slug: str = "timeline") -> str:
    """Latency (p50 and p95 per time bucket) and errors per bucket over the run's time line."""
    sent = frame.loc[frame["outcome"] != "skipped"]
    fig = _figure(9.0, 3.6)
    _margins(fig, top=0.35, hspace=0.12)
    ax_lat, ax_err = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    if sent.empty:
        ax_lat.text(0.5, 0.5, "no requests were sent", transform=ax_lat.transAxes, ha="center")
        return _to_svg(fig, slug, "Latency and errors over time")
    x, label = _timeline_axis(sent)
    buckets = int(min(80, max(5, len(sent) // 40)))
    edges = np.linspace(np.nanmin(x), np.nanmax(x) + 1e-9, buckets + 1)
    bucket = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, buckets - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    width = (edges[1] - edges[0]) * 0.42
    for offset, name in ((-0.5, "legacy"), (0.5, "graph")):
        latency = pd.Series(sent[f"{name}_latency_ms"].to_numpy(dtype=float, na_value=np.nan))
        grouped = latency.groupby(bucket)
        p50, p95 = grouped.quantile(0.5), grouped.quantile(0.95)
        ax_lat.plot(centres[p50.index], p50.to_numpy(), color=COLORS[name], linewidth=1.4,
                    label=f"{name} p50")
        ax_lat.plot(centres[p95.index], p95.to_numpy(), color=COLORS[name], linewidth=1.0,
                    linestyle="--", label=f"{name} p95")
        errors = np.bincount(bucket, weights=sent[f"{name}_error"].notna().to_numpy(dtype=float),
                             minlength=buckets)
        ax_err.bar(centres + offset * width, errors, width=width, color=COLORS[name], label=name)
    ax_lat.set_ylabel("latency (ms)")
    ax_lat.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=4, fontsize=7)
    ax_err.set_ylabel("errors")
    ax_err.set_xlabel(label)
    ax_err.legend(loc="upper left", frameon=False, ncols=2, fontsize=7)
    return _to_svg(fig, slug, "Latency and errors over the run's time line")


def error_rates_svg(rates: Sequence[ErrorRate], limits: Sequence[float],
                    slug: str = "error-rates") -> str:
    """Each scope's error rate per side with its interval; the step limits as reference lines."""
    scopes = list(dict.fromkeys(r.scope for r in rates))
    fig = _figure(9.0, 0.45 * len(scopes) + 1.0)
    _margins(fig, left=1.3, top=0.25)
    ax = fig.subplots()
    for offset, name in ((-0.15, "legacy"), (0.15, "graph")):
        rows = [r for r in rates if r.side == name and r.rate is not None]
        y = [scopes.index(r.scope) + offset for r in rows]
        x = [r.rate * 100 for r in rows]
        low = [max(0.0, (r.rate - (r.low if r.low is not None else r.rate)) * 100) for r in rows]
        high = [max(0.0, ((r.high if r.high is not None else r.rate) - r.rate) * 100)
                for r in rows]
        ax.errorbar(x, y, xerr=[low, high], fmt="o", color=COLORS[name], capsize=3,
                    markersize=4, label=name)
    for limit in sorted(set(limits)):
        ax.axvline(limit * 100, color="#888888", linestyle=":", linewidth=1.0)
        ax.annotate(f"{limit * 100:g} %", (limit * 100, 1.0), xycoords=("data", "axes fraction"),
                    fontsize=7, color="#666666", ha="center", va="bottom")
    ax.set_yticks(range(len(scopes)), scopes)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_xlabel("error rate (%), 95 % interval")
    ax.legend(loc="lower right", frameon=False)
    return _to_svg(fig, slug, "Error rates with confidence intervals")
