"""The sections of report.html about decisions, latency, errors and what ran.

Parity has its own module (parity_section); the page is assembled in html.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import orjson

from harness.report import markup as m
from harness.report import numbers, plots
from harness.report.error_rates import ErrorRate
from harness.report.evidence import RunEvidence, SectionSummary, StepRecord

SIDES = ("legacy", "graph")
PERCENTILES = ("mean", "p50", "p95", "p99")


def _banner(step: StepRecord) -> str:
    token = m.css_token(step.decision)
    return (
        f'<div class="banner decision-{token}" data-step="{escape(step.name)}" '
        f'data-decision="{escape(step.decision)}">'
        f'<div><span class="step">{escape(step.name)}</span>'
        f'<span class="decision">{escape(step.decision)}</span></div>'
        f'<div class="note">{numbers.plain(step.graph_percentage)} % graph</div>'
        f'<p class="reason">{escape(step.first_reason)}</p></div>'
    )


def verdicts(evidence: RunEvidence) -> str:
    gate = evidence.gate
    if gate is None:
        return m.section("verdicts", "Decision per step", m.note(
            "gate.json is absent: this run was analyzed but not gated "
            "(run `shadow-harness gate RUN_DIR`)."))
    highest = gate.highest_advancing_step
    lead = (f'<p>Highest step that may go ahead: <strong data-key="highest_advancing_step">'
            f'{escape(highest or "none")}</strong></p>')
    banners = "".join(_banner(step) for step in gate.steps)
    return m.section("verdicts", "Decision per step", lead, f'<div class="banners">{banners}</div>')


def _change(legacy: Any, graph: Any) -> str:
    if not (numbers.is_number(legacy) and numbers.is_number(graph)):
        return m.num(None)
    ratio = f" ({numbers.ratio(graph / legacy)})" if legacy else ""
    return f'<td class="num">{escape(numbers.signed_ms(graph - legacy))}{escape(ratio)}</td>'


def side_table(summary: SectionSummary, rates: Sequence[ErrorRate], prefix: str = "") -> str:
    """Legacy vs graph: error rate with its interval, then the latency statistics."""
    by_side = {r.side: r for r in rates}
    rows = [[
        m.cell("error rate"),
        *(m.keyed(f"{prefix}{side}.error_rate", getattr(summary, side).error_rate,
                  numbers.percent) for side in SIDES),
        m.num(_points(summary.legacy.error_rate, summary.graph.error_rate)),
    ], [
        m.cell("error rate, 95 % interval"),
        *(m.num(numbers.interval(by_side[s].low, by_side[s].high)) if s in by_side
          else m.num(None) for s in SIDES),
        m.num(None),
    ]]
    for stat in PERCENTILES:
        legacy = getattr(summary.legacy.latency_ms, stat)
        graph = getattr(summary.graph.latency_ms, stat)
        rows.append([
            m.cell(f"latency {stat}"),
            m.keyed(f"{prefix}legacy.latency_ms.{stat}", legacy, numbers.ms),
            m.keyed(f"{prefix}graph.latency_ms.{stat}", graph, numbers.ms),
            _change(legacy, graph),
        ])
    return m.table(["", "legacy", "graph", "graph − legacy"], rows, css="sides")


def _points(legacy: Any, graph: Any) -> str:
    if not (numbers.is_number(legacy) and numbers.is_number(graph)):
        return numbers.MISSING
    return numbers.signed_points(graph - legacy)


def headline(evidence: RunEvidence, rates: Sequence[ErrorRate]) -> str:
    summary = evidence.summary
    cards = "".join(
        f'<div class="card"><span class="label">{escape(label)}</span>'
        f'<span class="value" data-key="{key}" data-value="{escape(m.json_value(value))}">'
        f"{escape(spell(value))}</span></div>"
        for label, key, value, spell in (
            ("requests recorded", "requests.total", summary.requests.total, numbers.count),
            ("pairs compared", "requests.compared", summary.requests.compared, numbers.count),
            ("parity rate", "parity.rate", summary.parity.rate, numbers.percent),
            ("mismatching pairs", "parity.mismatch", summary.parity.mismatch, numbers.count),
        )
    )
    overall = [r for r in rates if r.scope == "overall"]
    return m.section("headline", "Legacy vs graph", f'<div class="cards">{cards}</div>',
                     side_table(summary, overall))


def _endpoint_rows(evidence: RunEvidence) -> list[list[str]]:
    rows = []
    for name, section in sorted(evidence.summary.endpoints.items()):
        key = f"endpoints.{name}"
        rows.append([
            m.cell(name),
            m.keyed(f"{key}.requests.total", section.requests.total, numbers.count),
            m.keyed(f"{key}.legacy.latency_ms.mean", section.legacy.latency_ms.mean, numbers.ms),
            m.keyed(f"{key}.graph.latency_ms.mean", section.graph.latency_ms.mean, numbers.ms),
            m.keyed(f"{key}.legacy.latency_ms.p95", section.legacy.latency_ms.p95, numbers.ms),
            m.keyed(f"{key}.graph.latency_ms.p95", section.graph.latency_ms.p95, numbers.ms),
            m.keyed(f"{key}.legacy.error_rate", section.legacy.error_rate, numbers.percent),
            m.keyed(f"{key}.graph.error_rate", section.graph.error_rate, numbers.percent),
            m.keyed(f"{key}.parity.rate", section.parity.rate, numbers.percent),
        ])
    return rows


def latency(evidence: RunEvidence) -> str:
    frame = evidence.results
    endpoints = sorted(evidence.summary.endpoints)
    caption = ("Every sent request; a failed request keeps its latency (a timeout is drawn at "
               "the timeout). ECDFs are drawn from at most "
               f"{plots.ECDF_POINTS} quantiles; SLA lines: the plan's 3 s and each step's SLA.")
    parts = [m.figure(plots.latency_svg(frame, evidence.sla_ms), caption)]
    if endpoints:
        parts.append("<h3>Per endpoint</h3>")
        parts.append(m.table(
            ["endpoint", "requests", "legacy mean", "graph mean", "legacy p95", "graph p95",
             "legacy errors", "graph errors", "parity"], _endpoint_rows(evidence)))
        parts.append(m.figure(plots.endpoint_latency_svg(frame, endpoints, evidence.sla_ms),
                              "Latency per endpoint: ECDF (left) and histogram (right)."))
    return m.section("latency", "Latency", *parts)


def timeline(evidence: RunEvidence) -> str:
    return m.section("timeline", "Over the run's time line", m.figure(
        plots.timeline_svg(evidence.results),
        "Median (solid) and p95 (dashed) latency per time bucket, and errors per bucket."))


def errors(evidence: RunEvidence, rates: Sequence[ErrorRate]) -> str:
    limits = sorted({step.max_error_rate for step in evidence.config.schedule.steps})
    rows = [[
        m.cell(r.scope), m.cell(r.side, r.side), m.num(r.errors, numbers.count),
        m.num(r.sent, numbers.count), m.num(r.rate, numbers.percent),
        m.num(numbers.interval(r.low, r.high)),
        m.cell("summary.json" if r.interval_source == "summary" else "Wilson 95 %, results"),
    ] for r in rates]
    return m.section(
        "errors", "Error rates",
        m.figure(plots.error_rates_svg(rates, limits),
                 "Error rate per side with its 95 % interval; dotted lines are the steps' "
                 "error limits."),
        m.table(["scope", "side", "errors", "sent", "rate", "95 % interval", "interval from"],
                rows, numeric=range(2, 6)),
    )


def _check_rows(step: StepRecord) -> list[list[str]]:
    rows = []
    for check in step.checks:
        def spell(value: Any, unit: str | None = check.unit) -> str:
            return numbers.in_unit(value, unit)

        estimate, low, high = check.interval
        effect = spell(estimate)
        if numbers.is_number(low) and numbers.is_number(high):
            effect += f" [{spell(low)}, {spell(high)}]"
        name = f"<strong>{escape(check.name)}</strong>"
        if check.title:
            name += f'<br><span class="note">{escape(check.title)}</span>'
        rows.append([
            m.raw(name), m.num(spell(check.legacy, numbers.side_unit(check.unit))),
            m.num(spell(check.graph, numbers.side_unit(check.unit))),
            m.num(spell(check.observed)), m.num(effect), m.num(spell(check.limit)),
            m.num(check.alpha), m.cell(check.verdict, f"verdict-{m.css_token(check.verdict)}"),
            m.cell(check.detail or ""),
        ])
    return rows


def gate_checks(evidence: RunEvidence) -> str:
    gate = evidence.gate
    if gate is None:
        return m.section("gate", "Gate checks", m.note("gate.json is absent."))
    parts = [m.note(note) for note in gate.notes]
    for step in gate.steps:
        token = m.css_token(step.decision)
        parts.append(f'<h3 id="step-{escape(step.name)}">{escape(step.name)} · '
                     f"{numbers.plain(step.graph_percentage)} % graph · "
                     f'<span class="verdict-{token}">{escape(step.decision)}</span></h3>')
        if step.reasons:
            parts.append("<ul>" + "".join(f"<li>{escape(r)}</li>" for r in step.reasons)
                         + "</ul>")
        if step.needs_more_requests:
            parts.append(m.note(f"Needs about {step.needs_more_requests:,} more requests."))
        parts.append(m.table(["check", "legacy", "graph", "observed", "effect [CI]", "limit",
                              "alpha", "verdict", "detail"], _check_rows(step),
                             numeric=range(1, 7)))
    return m.section("gate", "Gate checks", *parts)


def _spell_fact(value: Any) -> str:
    if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        return "<br>".join(f"{escape(str(k))}: {escape(numbers.plain(v))}"
                           for k, v in value.items())
    if isinstance(value, dict | list):
        return m.pre(escape(orjson.dumps(value, option=orjson.OPT_INDENT_2,
                                         default=str).decode()))
    return escape(numbers.plain(value))


_SKIPPED_KEYS = ("skipped", "skipped_lines")
_SHOWN_APART = ("config", "versions", *_SKIPPED_KEYS)


def what_ran(evidence: RunEvidence) -> str:
    run = evidence.run
    outcomes = evidence.results["outcome"].value_counts()
    facts = [("run", escape(evidence.run_id)), ("run directory", escape(str(evidence.run_dir)))]
    facts += [(key, _spell_fact(value)) for key, value in run.items()
              if key not in _SHOWN_APART and key != "run_id"]
    facts.append(("rows by outcome", escape(", ".join(
        f"{name} {int(n):,}" for name, n in outcomes.items()))))
    parts = [m.facts(facts)]
    versions = run.get("versions")
    if isinstance(versions, dict) and versions:
        parts.append("<h3>Versions</h3>")
        parts.append(m.table(["package", "version"],
                             [[m.cell(k), m.cell(v)] for k, v in versions.items()],
                             numeric=()))
    skipped = next((run[k] for k in _SKIPPED_KEYS if isinstance(run.get(k), list)), [])
    if skipped:
        parts.append(f"<h3>Skipped recording lines ({len(skipped):,})</h3>")
        parts.append(m.table(["source", "line", "problem"], [
            [m.cell(s.get("source")), m.num(s.get("line")), m.cell(s.get("problem"))]
            if isinstance(s, dict) else [m.cell(s), m.cell(""), m.cell("")]
            for s in skipped[:100]], numeric=(1,)))
        if len(skipped) > 100:
            parts.append(m.note(f"… and {len(skipped) - 100:,} more in run.json."))
    config = run.get("config")
    source = "run.json" if isinstance(config, dict) else "the plan's defaults (not in run.json)"
    parts.append(f"<details><summary>Configuration ({escape(source)})</summary>"
                 f"{_spell_fact(evidence.config.model_dump(mode='json'))}</details>")
    return m.section("run", "What ran", *parts)
