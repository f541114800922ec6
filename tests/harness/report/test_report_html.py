"""report.html in-process: self-contained, safe with hostile content, tolerant of older run
directories, strict about required keys."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from run_dirs import gate_dict

from harness.report import (
    REPORT_HTML,
    ReportInputError,
    load_evidence,
    render_html,
    sections,
    write_html,
)
from harness.report.error_rates import error_rates
from harness.report.parity_section import noise, parity


class _Collector(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.fixture(scope="module")
def page(shared_run_dir: Path) -> str:
    return write_html(shared_run_dir).read_text(encoding="utf-8")


def test_written_into_the_run_dir(shared_run_dir: Path, page: str) -> None:
    assert (shared_run_dir / REPORT_HTML).is_file()
    assert page.startswith("<!doctype html>")


def test_self_contained_no_scripts_no_external_references(page: str) -> None:
    parsed = _parse(page)
    assert not [t for t, _ in parsed.tags if t in ("script", "iframe", "img", "object")]
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "xlink:href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, name, value)
        if tag == "link":
            assert attrs.get("rel") == "icon" and attrs.get("href") == "data:,"
    assert "@import" not in page and "url(http" not in page
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0].get("content") or "")


def test_ids_are_unique_across_all_inline_svgs(page: str) -> None:
    ids = Counter(attrs["id"] for _, attrs in _parse(page).tags if attrs.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    # Every internal reference points at an id that exists.
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', page):
        assert ref in ids, ref


def test_sections_of_the_issue_are_all_there(page: str) -> None:
    anchors = {attrs.get("id") for tag, attrs in _parse(page).tags if tag == "section"}
    assert {"verdicts", "headline", "latency", "timeline", "errors", "parity", "noise", "gate",
            "run"} <= anchors


def test_learned_noise_table_shows_both_rates(page: str) -> None:
    section = _section(page, "noise")
    assert "workflow_id" in section and "real difference" in section
    assert "1.10 %" in section  # graph-vs-legacy rate of the planted real difference


def test_gate_check_table_has_every_check_of_every_step(page: str,
                                                        shared_run_dir: Path) -> None:
    gate = orjson.loads((shared_run_dir / "gate.json").read_bytes())
    section = _section(page, "gate")
    for step in gate["steps"]:
        assert f'id="step-{step["name"]}"' in section
    rows = section.count("<tr>") - len(gate["steps"])  # minus one header row per table
    assert rows == sum(len(step["checks"]) for step in gate["steps"])


def test_check_values_are_spelled_in_their_unit(page: str) -> None:
    section = _section(page, "gate")
    assert "2.211 s [2.190 s, 2.230 s]" in section  # effect as {estimate, low, high}
    assert "0.690× [0.670×, 0.710×]" in section  # effect with flat ci_low/ci_high
    assert "3.200 s" in section  # a ratio check's sides are latencies
    assert "a gate note with &lt;markup&gt;" in section


def test_what_ran_lists_targets_recording_versions_and_skipped_lines(page: str) -> None:
    section = _section(page, "run")
    for needle in ("http://127.0.0.1:1", "recordings/sample.jsonl.gz", "pandas",
                   "field &#x27;ts&#x27;: required", "Configuration"):
        assert needle in section, needle


def test_hostile_text_is_escaped(shared_run_dir: Path, page: str) -> None:
    # The factory's reasons and values hold "<check>" and "<b>&amp;</b>": never markup.
    assert "<check>" not in page
    assert "&lt;check&gt;" in page
    assert "<b>&amp;</b>" not in page


# The tolerance tests build only the sections they are about: the plots cost seconds each.
def test_a_run_without_gate_json_still_renders(make_run_dir) -> None:
    evidence = load_evidence(make_run_dir(gate=None, n=300))
    html = sections.verdicts(evidence) + sections.gate_checks(evidence)
    assert html.count("gate.json is absent") == 2
    assert 'class="banner' not in html


def test_older_run_dirs_without_optional_keys_render(make_run_dir) -> None:
    run_dir = make_run_dir(n=300, noise_rows=False)
    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    for block in (summary, *summary["endpoints"].values()):
        block["parity"].pop("layers", None)
        for side in ("legacy", "graph"):
            block[side].pop("error_rate_ci", None)
    (run_dir / "summary.json").write_bytes(orjson.dumps(summary))
    (run_dir / "run.json").unlink()
    (run_dir / "mismatches.jsonl").unlink()
    evidence = load_evidence(run_dir)
    rates = error_rates(evidence)
    # Intervals recomputed from results.parquet, and they hold the rate.
    assert {r.interval_source for r in rates} == {"wilson"}
    assert all(r.low <= r.rate <= r.high for r in rates if r.rate is not None)
    html = sections.headline(evidence, rates) + parity(evidence) + noise(evidence)
    html += sections.what_ran(evidence)
    assert "No learned-noise table" in html
    assert "No example of this signature" in html
    assert 'data-key="parity.layers.protocol"' not in html  # not claimed to be summary's
    assert "protocol layer" in html  # but counted from the rows
    assert "the plan&#x27;s defaults" in html


def test_noise_is_learned_from_the_results_when_summary_has_no_table(make_run_dir) -> None:
    evidence = load_evidence(make_run_dir(n=400, noise_rows=False, noise_sample=True))
    assert evidence.summary.parity.noise == []
    html = noise(evidence)
    assert "learned from results.parquet" in html
    rows = {path: verdict for path, verdict in re.findall(
        r"<code>([^<]+)</code></td>.*?verdict-\w+\">([^<]+)</td>", html)}
    assert rows["workflow_id"] == "noise"
    assert rows["domain_analysis.label"] == "real difference"


def test_a_missing_required_key_names_the_file_and_the_key(make_run_dir) -> None:
    run_dir = make_run_dir(n=100)
    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    del summary["graph"]["latency_ms"]["p95"]
    (run_dir / "summary.json").write_bytes(orjson.dumps(summary))
    with pytest.raises(ReportInputError) as caught:
        load_evidence(run_dir)
    assert str(run_dir / "summary.json") in str(caught.value)
    assert "graph.latency_ms.p95" in str(caught.value)


def test_a_broken_gate_json_names_the_file_and_the_key(make_run_dir) -> None:
    gate = gate_dict()
    del gate["steps"][2]["decision"]
    run_dir = make_run_dir(n=100, gate=gate)
    with pytest.raises(ReportInputError, match=r"gate\.json: steps\.2\.decision"):
        load_evidence(run_dir)


def test_no_summary_json_says_what_to_run(make_run_dir) -> None:
    run_dir = make_run_dir(n=100)
    (run_dir / "summary.json").unlink()
    with pytest.raises(ReportInputError, match="shadow-harness analyze"):
        load_evidence(run_dir)


def test_a_run_with_the_graph_down_renders(make_run_dir) -> None:
    # No compared pair, no graph latency at all: a failing target is an outcome to show.
    run_dir = make_run_dir(n=60, graph_down=True)
    html = render_html(load_evidence(run_dir))
    assert 'data-key="graph.latency_ms.mean" data-value="null">—<' in html
    assert 'data-key="graph.error_rate" data-value="1.0">100.0 %<' in html
    assert 'data-key="parity.rate" data-value="null">—<' in html
    assert html.count('class="plot"') == 4


@pytest.mark.slow
def test_ten_thousand_rows_render(make_run_dir) -> None:
    # Plot cost must not grow with the rows (ECDFs are downsampled); no time is asserted.
    run_dir = make_run_dir(n=10_000)
    html = write_html(run_dir).read_text(encoding="utf-8")
    assert len(html) < 2_000_000
    assert html.count('class="plot"') == 4
