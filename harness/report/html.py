"""report.html: one self-contained page per run, for deciding a rollout step.

No scripts, no external resources: the styles are inline, the plots are inline SVG, and a
Content-Security-Policy forbids any fetch, so the page behaves the same offline, attached to a
ticket or printed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from importlib import metadata
from pathlib import Path

from harness.report import sections
from harness.report.error_rates import error_rates
from harness.report.evidence import RunEvidence, load_evidence
from harness.report.parity_section import noise, parity
from harness.report.style import CSS

REPORT_HTML = "report.html"
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_TOC = (("verdicts", "Decisions"), ("headline", "Legacy vs graph"), ("latency", "Latency"),
        ("timeline", "Time line"), ("errors", "Errors"), ("parity", "Parity"),
        ("noise", "Noise"), ("gate", "Gate checks"), ("run", "What ran"))


def _version() -> str:
    try:
        return metadata.version("shadow-harness")
    except metadata.PackageNotFoundError:
        return "unknown"


def _header(evidence: RunEvidence) -> str:
    run = evidence.run
    recording = run.get("recording")
    if isinstance(recording, dict):
        recording = recording.get("path") or recording.get("name")
    bits = [f"recording {recording}" if recording else None,
            f"started {run['started_at']}" if run.get("started_at") else None,
            f"{run['duration_s']} s" if run.get("duration_s") is not None else None,
            "unfinished run" if run.get("finished") is False else None]
    line = " · ".join(escape(str(b)) for b in bits if b)
    return (f'<header class="top"><h1>Shadow run <span data-key="run_id">'
            f"{escape(evidence.run_id)}</span></h1><p>{line}</p></header>")


def render_html(evidence: RunEvidence) -> str:
    rates = error_rates(evidence)
    toc = "".join(f'<a href="#{anchor}">{escape(title)}</a>' for anchor, title in _TOC)
    body = "".join((
        _header(evidence),
        f'<nav class="toc">{toc}</nav>',
        sections.verdicts(evidence),
        sections.headline(evidence, rates),
        sections.latency(evidence),
        sections.timeline(evidence),
        sections.errors(evidence, rates),
        parity(evidence),
        noise(evidence),
        sections.gate_checks(evidence),
        sections.what_ran(evidence),
        f"<footer>shadow-harness {escape(_version())} · report generated "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}</footer>",
    ))
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # An empty icon, or the browser asks for /favicon.ico.
        '<link rel="icon" href="data:,">'
        f"<title>Shadow run {escape(evidence.run_id)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def write_html(run_dir: Path, evidence: RunEvidence | None = None) -> Path:
    """Write RUN_DIR/report.html from the run's files alone and return its path."""
    evidence = evidence or load_evidence(run_dir)
    path = Path(run_dir) / REPORT_HTML
    # Written aside and renamed: a browser open on the old report never sees half a page.
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(render_html(evidence), encoding="utf-8")
    temp.replace(path)
    return path
