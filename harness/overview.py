"""The table printed at the end of a run: per side requests, errors and latency; parity; and
each schedule step's decision with its first reason."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

DECISION_STYLE = {"ADVANCE": "bold green", "HOLD": "bold yellow", "ROLLBACK": "bold red",
                  "INVALID": "bold magenta"}


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def _pct(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f} %"


def sides_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Latency and errors", title_justify="left")
    for column in ("side", "requests", "errors", "error rate", "mean", "p50", "p95", "p99",
                   "> 3 s"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for side in ("legacy", "graph"):
        data = summary[side]
        lat = data["latency_ms"]
        table.add_row(side, str(data["requests"]), str(data["errors"]),
                      _pct(data["error_rate"]), _ms(lat["mean"]), _ms(lat["p50"]),
                      _ms(lat["p95"]), _ms(lat["p99"]), str(data.get("sla_violations", "-")))
    return table


def parity_line(summary: dict[str, Any]) -> Text:
    parity, requests = summary["parity"], summary["requests"]
    layers = parity.get("layers", {})
    text = Text("Parity: ")
    text.append(_pct(parity["rate"]), style="bold")
    text.append(f" of {parity['compared']} compared pairs  (match {parity['match']}, "
                f"noise only {parity['noise_only']}, mismatch {parity['mismatch']}")
    if layers:
        text.append(": " + ", ".join(f"{k} {v}" for k, v in layers.items()))
    text.append(f")   requests {requests['total']}: " + ", ".join(
        f"{k} {requests[k]}" for k in ("compared", "legacy_error", "graph_error", "both_error",
                                       "skipped")))
    return text


def steps_table(gate: dict[str, Any]) -> Table:
    table = Table(title="Schedule", title_justify="left")
    for column in ("step", "graph %", "decision", "why"):
        table.add_column(column)
    for step in gate.get("steps", []):
        decision = step["decision"]
        reasons = step.get("reasons") or ["all checks passed"]
        table.add_row(step["name"], f"{step['graph_percentage']:g}",
                      Text(decision, style=DECISION_STYLE.get(decision, "")), reasons[0])
    return table


def render_overview(summary: dict[str, Any], gate: dict[str, Any] | None,
                    run_dir: str | None = None) -> Group:
    parts: list[Any] = [sides_table(summary), parity_line(summary)]
    if gate is not None:
        parts.append(steps_table(gate))
        highest = gate.get("highest_advancing_step")
        parts.append(Text(f"Highest step that may go ahead: {highest or 'none'}",
                          style="bold"))
    if run_dir:
        parts.append(Text(f"Run directory: {run_dir}"))
    return Group(*parts)
