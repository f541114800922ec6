"""Reports of a RUN_DIR: report.html (plots), summary.md (CI job summary), junit.xml (CI test
view), and `compare` between two runs. Everything is regenerated from the run's files alone."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.report.compare import (
    ComparisonReport,
    compare_evidence,
    compare_runs,
    comparison_text,
    render_comparison,
)
from harness.report.evidence import ReportInputError, RunEvidence, load_evidence
from harness.report.html import REPORT_HTML, render_html, write_html
from harness.report.junit import JUNIT_XML, render_junit, write_junit
from harness.report.markdown import SUMMARY_MD, render_markdown, write_markdown
from harness.rundir import GATE_JSON, SUMMARY_JSON

FORMATS: tuple[str, ...] = ("html", "md", "junit", "json")


def write_reports(run_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write the chosen reports into RUN_DIR and return every report path, in the order asked.

    ``json`` writes nothing: summary.json and gate.json are the analysis's and the gate's
    output; it only lists those that exist. RUN_DIR is read once for all formats.
    """
    run_dir = Path(run_dir)
    chosen = list(dict.fromkeys(formats))
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(FORMATS)}")
    evidence = load_evidence(run_dir)
    written: list[Path] = []
    for fmt in chosen:
        if fmt == "html":
            written.append(write_html(run_dir, evidence))
        elif fmt == "md":
            written.append(write_markdown(run_dir, evidence))
        elif fmt == "junit":
            written.append(write_junit(run_dir, evidence))
        else:
            written.extend(p for p in (run_dir / SUMMARY_JSON, run_dir / GATE_JSON)
                           if p.is_file())
    return written


__all__ = [
    "FORMATS",
    "JUNIT_XML",
    "REPORT_HTML",
    "SUMMARY_MD",
    "ComparisonReport",
    "ReportInputError",
    "RunEvidence",
    "compare_evidence",
    "compare_runs",
    "comparison_text",
    "load_evidence",
    "render_comparison",
    "render_html",
    "render_junit",
    "render_markdown",
    "write_html",
    "write_junit",
    "write_markdown",
    "write_reports",
]
