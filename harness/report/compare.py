"""`compare RUN_A RUN_B`: what changed between two runs.

Latency shifts per side and endpoint, error-rate and parity-rate changes, mismatch signatures
that are new in B or fixed since A (matched by signature id, which depends only on endpoint,
wildcarded path, kind and layer), and each step's decision change.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from harness.parity.signatures import Signature
from harness.report import numbers
from harness.report.evidence import RunEvidence, SectionSummary, load_evidence

SIDES = ("legacy", "graph")
STATS = ("mean", "p50", "p95", "p99")
DECISION_STYLE = {"ADVANCE": "green", "HOLD": "yellow", "ROLLBACK": "red", "INVALID": "magenta"}


def _difference(before: float | None, after: float | None) -> float | None:
    if numbers.is_number(before) and numbers.is_number(after):
        return after - before
    return None


@dataclass(frozen=True, slots=True)
class LatencyShift:
    scope: str
    side: str
    stat: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return _difference(self.before, self.after)

    @property
    def ratio(self) -> float | None:
        if numbers.is_number(self.before) and numbers.is_number(self.after) and self.before:
            return self.after / self.before
        return None


@dataclass(frozen=True, slots=True)
class RateChange:
    scope: str
    what: str  # "legacy.error_rate", "graph.error_rate" or "parity.rate"
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return _difference(self.before, self.after)


@dataclass(frozen=True, slots=True)
class SignatureChange:
    id: str
    endpoint: str
    path: str
    kind: str
    layer: str
    pairs_before: int
    pairs_after: int
    rate_after: float | None


@dataclass(frozen=True, slots=True)
class DecisionChange:
    step: str
    before: str | None
    after: str | None
    reason_after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class ComparisonReport:
    run_a: str
    run_b: str
    latency: tuple[LatencyShift, ...]
    rates: tuple[RateChange, ...]
    new_signatures: tuple[SignatureChange, ...]
    fixed_signatures: tuple[SignatureChange, ...]
    persisting_signatures: tuple[SignatureChange, ...]
    decisions: tuple[DecisionChange, ...]

    def to_dict(self) -> dict[str, Any]:
        def rows(items: tuple[Any, ...], *extra: str) -> list[dict[str, Any]]:
            return [{**asdict(item), **{name: getattr(item, name) for name in extra}}
                    for item in items]

        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "latency_ms": rows(self.latency, "delta", "ratio"),
            "rates": rows(self.rates, "delta"),
            "signatures": {"new": rows(self.new_signatures),
                           "fixed": rows(self.fixed_signatures),
                           "persisting": rows(self.persisting_signatures)},
            "decisions": rows(self.decisions, "changed"),
        }


def _sections(evidence: RunEvidence) -> dict[str, SectionSummary]:
    return {"overall": evidence.summary, **dict(sorted(evidence.summary.endpoints.items()))}


def _latency(a: RunEvidence, b: RunEvidence) -> list[LatencyShift]:
    before, after = _sections(a), _sections(b)
    shifts = []
    for scope in dict.fromkeys([*before, *after]):
        for side in SIDES:
            for stat in STATS:
                values = [getattr(getattr(s[scope], side).latency_ms, stat) if scope in s
                          else None for s in (before, after)]
                shifts.append(LatencyShift(scope, side, stat, *values))
    return shifts


def _rates(a: RunEvidence, b: RunEvidence) -> list[RateChange]:
    before, after = _sections(a), _sections(b)
    changes = []
    for scope in dict.fromkeys([*before, *after]):
        for what in ("legacy.error_rate", "graph.error_rate", "parity.rate"):
            part, field = what.split(".")
            values = [getattr(getattr(s[scope], part), field) if scope in s else None
                      for s in (before, after)]
            changes.append(RateChange(scope, what, *values))
    return changes


def _change(sig: Signature, before: Signature | None, after: Signature | None) -> SignatureChange:
    key = sig.key
    return SignatureChange(sig.id, key.endpoint, key.path, key.kind, key.layer,
                           before.rows if before else 0, after.rows if after else 0,
                           after.rate if after else None)


def _decisions(a: RunEvidence, b: RunEvidence) -> list[DecisionChange]:
    before = {s.name: s for s in (a.gate.steps if a.gate else [])}
    after = {s.name: s for s in (b.gate.steps if b.gate else [])}
    return [DecisionChange(name, before[name].decision if name in before else None,
                           after[name].decision if name in after else None,
                           after[name].first_reason if name in after else None)
            for name in dict.fromkeys([*before, *after])]


def compare_evidence(a: RunEvidence, b: RunEvidence) -> ComparisonReport:
    sigs_a = {s.id: s for s in a.signatures}
    sigs_b = {s.id: s for s in b.signatures}
    return ComparisonReport(
        run_a=a.run_id,
        run_b=b.run_id,
        latency=tuple(_latency(a, b)),
        rates=tuple(_rates(a, b)),
        new_signatures=tuple(_change(s, None, s) for k, s in sigs_b.items() if k not in sigs_a),
        fixed_signatures=tuple(_change(s, s, None) for k, s in sigs_a.items() if k not in sigs_b),
        persisting_signatures=tuple(_change(s, sigs_a[k], s) for k, s in sigs_b.items()
                                    if k in sigs_a),
        decisions=tuple(_decisions(a, b)),
    )


def compare_runs(run_a: Path, run_b: Path) -> ComparisonReport:
    """Compare two RUN_DIRs (A the earlier, B the later) from their files alone."""
    return compare_evidence(load_evidence(run_a), load_evidence(run_b))


def _shift_style(delta: float | None, higher_is_worse: bool = True) -> str:
    if delta is None or delta == 0:
        return ""
    return "red" if (delta > 0) == higher_is_worse else "green"


def _ms_short(value: float | None) -> str:
    return f"{value:,.0f}" if numbers.is_number(value) and abs(value) >= 100 else \
        numbers.ms(value).removesuffix(" ms")


def _latency_table(report: ComparisonReport) -> Table:
    table = Table(title="Latency in ms (A → B, ratio B/A)", title_justify="left")
    table.add_column("scope", overflow="fold")
    table.add_column("side")
    for stat in STATS:
        table.add_column(stat, justify="right")
    shifts = {(s.scope, s.side, s.stat): s for s in report.latency}
    for scope in dict.fromkeys(s.scope for s in report.latency):
        for side in SIDES:
            cells = []
            for stat in STATS:
                shift = shifts[scope, side, stat]
                ratio = f" ×{shift.ratio:.2f}" if shift.ratio is not None else ""
                cells.append(Text(f"{_ms_short(shift.before)} → {_ms_short(shift.after)}{ratio}",
                                  style=_shift_style(shift.delta)))
            table.add_row(scope, side, *cells)
    return table


def _rates_table(report: ComparisonReport) -> Table:
    table = Table(title="Error and parity rates (A → B)", title_justify="left")
    for column in ("scope", "rate", "A", "B", "change"):
        table.add_column(column, justify="left" if column in ("scope", "rate") else "right",
                         overflow="fold")
    for change in report.rates:
        worse_up = change.what != "parity.rate"
        table.add_row(change.scope, change.what, numbers.percent(change.before),
                      numbers.percent(change.after),
                      Text(numbers.signed_points(change.delta),
                           style=_shift_style(change.delta, worse_up)))
    return table


def _signature_table(title: str, rows: tuple[SignatureChange, ...], style: str) -> Table:
    table = Table(title=title, title_justify="left", title_style=style)
    for column in ("id", "endpoint", "path", "kind", "layer", "pairs A", "pairs B"):
        table.add_column(column, justify="right" if column.startswith("pairs") else "left")
    for row in rows:
        table.add_row(row.id, row.endpoint, row.path or "(whole body)", row.kind, row.layer,
                      f"{row.pairs_before:,}", f"{row.pairs_after:,}")
    return table


def _decisions_table(report: ComparisonReport) -> Table:
    table = Table(title="Decisions (A → B)", title_justify="left")
    for column in ("step", "A", "B", "first reason in B"):
        table.add_column(column)
    for change in report.decisions:
        table.add_row(
            Text(change.step, style="bold" if change.changed else ""),
            Text(change.before or "-", style=DECISION_STYLE.get(change.before or "", "")),
            Text(change.after or "-", style=DECISION_STYLE.get(change.after or "", "")),
            change.reason_after or "")
    return table


def render_comparison(report: ComparisonReport) -> Group:
    """A rich renderable for the terminal: red is worse in B, green is better."""
    parts: list[Any] = [Text(f"A = {report.run_a}    B = {report.run_b}", style="bold"),
                        _decisions_table(report), _latency_table(report), _rates_table(report)]
    for title, rows, style in (("New mismatch signatures in B", report.new_signatures, "red"),
                               ("Fixed since A", report.fixed_signatures, "green"),
                               ("In both runs", report.persisting_signatures, "")):
        if rows:
            parts.append(_signature_table(f"{title} ({len(rows)})", rows, style))
        else:
            parts.append(Text(f"{title}: none"))
    return Group(*parts)


def comparison_text(report: ComparisonReport, width: int = 120) -> str:
    """The same as plain text (no colours), for logs and files."""
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(render_comparison(report))
    return console.file.getvalue()
