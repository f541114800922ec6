"""summary.md renders as Markdown tables and lands in $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.report import SUMMARY_MD, load_evidence, write_markdown
from harness.report.markdown import Code, cell, md_table

_SEPARATOR = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")


def split_row(line: str) -> list[str]:
    """The cells of a GFM table row: split on pipes that are not escaped."""
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def tables(markdown: str) -> list[list[list[str]]]:
    """Every table of a Markdown text as rows of cells; asserts the GFM table shape: a header,
    a separator row, and rows with the header's column count."""
    found, block = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            assert len(block) >= 2 and _SEPARATOR.match(block[1]), block[:2]
            header = split_row(block[0])
            rows = [split_row(r) for r in block[2:]]
            assert all(len(r) == len(header) for r in rows), block
            assert len(split_row(block[1])) == len(header)
            found.append([header, *rows])
            block = []
    return found


@pytest.fixture(scope="module")
def summary_md(shared_run_dir: Path) -> str:
    return write_markdown(shared_run_dir).read_text(encoding="utf-8")


def test_written_into_the_run_dir(shared_run_dir: Path, summary_md: str) -> None:
    assert (shared_run_dir / SUMMARY_MD).read_text(encoding="utf-8") == summary_md


def test_renders_as_tables_with_steps_sides_endpoints_and_signatures(
        summary_md: str, shared_run_dir: Path) -> None:
    found = tables(summary_md)
    headers = [t[0] for t in found]
    assert ["step", "graph %", "decision", "first reason"] in headers
    assert ["", "legacy", "graph"] in headers
    assert headers[2][0] == "endpoint" and headers[3][0] == "id"
    evidence = load_evidence(shared_run_dir)
    steps = found[0][1:]
    assert [r[0] for r in steps] == [s.name for s in evidence.gate.steps]
    assert [r[2].strip("*") for r in steps] == [s.decision for s in evidence.gate.steps]
    assert len(found[3]) - 1 == min(10, len(evidence.signatures))


def test_short_enough_for_a_job_summary(summary_md: str) -> None:
    assert len(summary_md.splitlines()) < 60
    assert len(summary_md) < 8_000


def test_html_in_reasons_is_not_taken_for_tags(summary_md: str) -> None:
    assert "<check>" not in summary_md
    assert "&lt;check&gt;" in summary_md


def test_appends_to_github_step_summary(make_run_dir, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "step_summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    run_dir = make_run_dir(n=200)
    first = write_markdown(run_dir).read_text(encoding="utf-8")
    write_markdown(run_dir)
    content = target.read_text(encoding="utf-8")
    assert content.startswith("earlier step\n")
    assert content.count(first) == 2


def test_no_step_summary_file_when_unset(make_run_dir, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    write_markdown(make_run_dir(n=100))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-0"]


@given(st.lists(st.lists(st.text(max_size=30), min_size=3, max_size=3), max_size=5),
       st.booleans())
def test_any_cell_text_keeps_the_table_shape(rows: list[list[str]], as_code: bool) -> None:
    values = [[Code(v) if as_code else v for v in row] for row in rows]
    table = md_table(["a", "b", "c"], values)
    parsed = tables(table + "\n")
    assert len(parsed) == 1 and len(parsed[0]) == len(rows) + 1


@given(st.text(max_size=40))
def test_a_cell_never_holds_a_line_break_or_a_bare_pipe(text: str) -> None:
    for value in (text, Code(text)):
        spelled = cell(value)
        assert "\n" not in spelled and "\r" not in spelled
        assert re.search(r"(?<!\\)\|", spelled) is None
