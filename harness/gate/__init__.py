"""The gate: each schedule step judged from a run's evidence as ADVANCE, HOLD, ROLLBACK or
INVALID, with every check's values, bounds, limit and alpha.

    report = evaluate(read_results(run_dir), load_config(), run=read_run(run_dir))
    console.print(render_gate(report))
    sys.exit(exit_code(report))
"""

from __future__ import annotations

from harness.gate.check import Check, CheckVerdict, Role, Unit
from harness.gate.decision import EXIT_CODES, exit_code
from harness.gate.evaluation import GateReport, StepReport, evaluate
from harness.gate.rendering import render_gate

__all__ = [
    "EXIT_CODES",
    "Check",
    "CheckVerdict",
    "GateReport",
    "Role",
    "StepReport",
    "Unit",
    "evaluate",
    "exit_code",
    "render_gate",
]
