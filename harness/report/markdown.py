"""summary.md: the essentials as Markdown tables, short enough for a CI job summary.

Written to RUN_DIR/summary.md and, when ``$GITHUB_STEP_SUMMARY`` names a file, appended there
(GitHub renders that file on the job's page).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.parity.signatures import Signature
from harness.report import numbers
from harness.report.evidence import RunEvidence, load_evidence

SUMMARY_MD = "summary.md"
TOP_SIGNATURES = 10
SIDES = ("legacy", "graph")


class Code(str):
    """Cell text to show as code: kept literal (no HTML entities inside a code span)."""

    __slots__ = ()


def cell(value: Any) -> str:
    """One table cell: pipes escaped and line breaks flattened, or the table breaks; ``<`` and
    ``>`` as entities, or GitHub takes ``<check>`` for an HTML tag and drops it."""
    text = " ".join(("" if value is None else str(value)).split()).replace("|", "\\|")
    if isinstance(value, Code):
        fence = "``" if "`" in text else "`"
        return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"
    return text.replace("<", "&lt;").replace(">", "&gt;")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
             right: Sequence[bool] | None = None) -> str:
    right = right or [i > 0 for i in range(len(headers))]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _steps(evidence: RunEvidence) -> list[str]:
    gate = evidence.gate
    if gate is None:
        return ["_gate.json is absent: the run was not gated._"]
    rows = []
    for step in gate.steps:
        why = step.first_reason
        if step.needs_more_requests:
            why += f" (needs about {step.needs_more_requests:,} more requests)"
        rows.append([step.name, numbers.plain(step.graph_percentage), f"**{step.decision}**", why])
    return [f"Highest step that may go ahead: **{gate.highest_advancing_step or 'none'}**",
            md_table(["step", "graph %", "decision", "first reason"], rows,
                     right=[False, True, False, False])]


def _sides(evidence: RunEvidence) -> str:
    summary = evidence.summary
    rows = [["error rate", *(numbers.percent(getattr(summary, s).error_rate) for s in SIDES)]]
    for stat in ("mean", "p50", "p95", "p99"):
        rows.append([f"latency {stat}",
                     *(numbers.ms(getattr(getattr(summary, s).latency_ms, stat)) for s in SIDES)])
    return md_table(["", "legacy", "graph"], rows)


def _parity_line(evidence: RunEvidence) -> str:
    parity, requests = evidence.summary.parity, evidence.summary.requests
    line = (f"Parity **{numbers.percent(parity.rate)}** of {requests.compared:,} compared pairs "
            f"(of {requests.total:,} recorded): match {parity.match:,}, noise only "
            f"{parity.noise_only:,}, mismatch {parity.mismatch:,}")
    if parity.layers:
        line += " (" + ", ".join(f"{k} {v:,}" for k, v in parity.layers.items()) + ")"
    return line + "."


def _endpoints(evidence: RunEvidence) -> str:
    rows = [[
        name, numbers.count(section.requests.total),
        numbers.ms(section.legacy.latency_ms.mean), numbers.ms(section.graph.latency_ms.mean),
        numbers.percent(section.legacy.error_rate), numbers.percent(section.graph.error_rate),
        numbers.percent(section.parity.rate),
    ] for name, section in sorted(evidence.summary.endpoints.items())]
    return md_table(["endpoint", "requests", "legacy mean", "graph mean", "legacy errors",
                     "graph errors", "parity"], rows)


def _signatures(signatures: Sequence[Signature]) -> list[str]:
    if not signatures:
        return []
    rows = [[Code(s.id), s.key.endpoint, Code(s.key.path or "(whole body)"), s.key.kind,
             s.key.layer, numbers.count(s.rows), numbers.percent(s.rate)]
            for s in signatures[:TOP_SIGNATURES]]
    title = f"### Mismatch signatures ({len(signatures):,}"
    title += f", top {TOP_SIGNATURES})" if len(signatures) > TOP_SIGNATURES else ")"
    return [title, md_table(["id", "endpoint", "path", "kind", "layer", "pairs", "rate"], rows,
                            right=[False] * 5 + [True, True])]


def render_markdown(evidence: RunEvidence) -> str:
    parts = [f"## Shadow run {cell(Code(evidence.run_id))}", *_steps(evidence),
             "### Legacy vs graph", _sides(evidence), _parity_line(evidence)]
    if evidence.summary.endpoints:
        parts += ["### Per endpoint", _endpoints(evidence)]
    parts += _signatures(evidence.signatures)
    parts.append("_Plots, examples and every gate check: `report.html` in the run directory._")
    return "\n\n".join(parts) + "\n"


def write_markdown(run_dir: Path, evidence: RunEvidence | None = None) -> Path:
    """Write RUN_DIR/summary.md; also append it to ``$GITHUB_STEP_SUMMARY`` when that is set."""
    evidence = evidence or load_evidence(run_dir)
    text = render_markdown(evidence)
    path = Path(run_dir) / SUMMARY_MD
    path.write_text(text, encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return path
