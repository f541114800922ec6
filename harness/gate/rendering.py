"""The gate as people read it: a table per step (check, legacy, graph, effect with its bounds,
limit, verdict, alphas), then the decision with its first reason and what would settle a
HOLD, then the top mismatch signatures."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from harness.gate.check import Check, CheckVerdict, Unit, format_value
from harness.gate.evaluation import GateReport, StepReport

DECISION_STYLE = {"ADVANCE": "bold green", "HOLD": "bold yellow", "ROLLBACK": "bold red",
                  "INVALID": "bold magenta"}
VERDICT_STYLE = {CheckVerdict.PASS: "green", CheckVerdict.FAIL: "red",
                 CheckVerdict.INCONCLUSIVE: "yellow", CheckVerdict.NOT_APPLICABLE: "dim"}


def _side_unit(check: Check) -> Unit:
    # Ratio checks show each side's latency; the effect column carries the ratio.
    if check.unit is Unit.RATIO:
        return Unit.SECONDS
    if check.unit is Unit.DIFFERENCE:
        return Unit.RATE
    return check.unit


def _effect(check: Check) -> str:
    if check.observed is None:
        return "-"
    est = format_value(check.observed, check.unit)
    if check.low is None and check.high is None:
        return est
    return f"{est} [{format_value(check.low, check.unit)}, {format_value(check.high, check.unit)}]"


def _alphas(check: Check) -> str:
    if check.alpha_rollback is None:
        return "-"
    return f"{check.alpha:.3g} / {check.alpha_rollback:.3g}"


def step_table(step: StepReport) -> Table:
    title = Text.assemble(
        f"{step.name}  {step.graph_percentage:g} % graph, phase {step.phase}  ",
        (step.decision, DECISION_STYLE.get(step.decision, "")),
    )
    table = Table(title=title, title_justify="left", expand=False)
    for column, justify in (("check", "left"), ("legacy", "right"), ("graph", "right"),
                            ("effect [low, high]", "right"), ("limit", "right"),
                            ("verdict", "left"), ("alpha up/low", "right")):
        table.add_column(Text(column), justify=justify)  # type: ignore[arg-type]
    for check in step.checks:
        side = _side_unit(check)
        # Text cells, never markup: a value like "[low, high]" must print as written.
        table.add_row(
            Text(check.name),
            Text(format_value(check.legacy, side)),
            Text(format_value(check.graph, side)),
            Text(_effect(check)),
            Text(format_value(check.limit, check.unit)),
            Text(str(check.verdict), style=VERDICT_STYLE[check.verdict]),
            Text(_alphas(check)),
        )
    return table


def step_summary(step: StepReport) -> Text:
    text = Text.assemble((step.decision, DECISION_STYLE.get(step.decision, "")), "  ")
    text.append(step.reasons[0] if step.reasons else "every check passed")
    if step.decision == "HOLD":
        if step.needs_more_requests is not None:
            text.append(f"\n  needs about {step.needs_more_requests} more requests")
        else:
            text.append(f"\n  {step.reasons[-1]}")
    return text


def render_gate(report: GateReport) -> RenderableType:
    parts: list[RenderableType] = []
    for step in report.steps:
        parts += [step_table(step), step_summary(step), Text("")]
    if report.requested is None:
        parts.append(Text(f"Highest step that may go ahead: "
                          f"{report.highest_advancing_step or 'none'}", style="bold"))
    if report.signatures:
        parts.append(Text("Top mismatch signatures:", style="bold"))
        parts += [Text(f"  {s['count']:>6}  {s['signature']}") for s in report.signatures]
    parts += [Text(note, style="dim") for note in report.notes]
    parts.append(Text(f"{report.pairs} pairs of {report.rows} recorded requests; "
                      f"family-wise alpha {report.alpha:g} (Holm over rollback claims)",
                      style="dim"))
    return Group(*parts)
