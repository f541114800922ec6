"""The parity part of report.html: layers, fields, signatures with examples, learned noise."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from harness.parity.noise import learn_noise
from harness.parity.signatures import Signature
from harness.report import markup as m
from harness.report import numbers
from harness.report.evidence import NoiseRow, RunEvidence
from harness.report.highlight import side_by_side, spell, spell_body
from harness.report.signatures import Example, example_of, title

LAYERS = ("protocol", "semantic", "format")
DETAILED_SIGNATURES = 25


def _layer_counts(evidence: RunEvidence) -> tuple[dict[str, int], bool]:
    """Mismatching pairs per first differing layer: summary.json's when it has them (keyed in
    the page), else counted from results.parquet."""
    layers = evidence.summary.parity.layers
    if layers is not None:
        return {layer: int(layers.get(layer, 0)) for layer in LAYERS}, True
    frame = evidence.results
    counts = frame.loc[frame["verdict"] == "mismatch", "layer"].value_counts()
    return {layer: int(counts.get(layer, 0)) for layer in LAYERS}, False


def _bar(share: float) -> str:
    width = max(0.0, min(1.0, share)) * 8
    return f'<span class="bar" style="width:{width:.2f}rem"></span>'


def _outcomes(evidence: RunEvidence) -> str:
    parity = evidence.summary.parity
    compared = evidence.summary.requests.compared or 0
    layers, from_summary = _layer_counts(evidence)
    rows = []
    for name in ("match", "noise_only", "mismatch"):
        value = getattr(parity, name)
        share = value / compared if compared else 0.0
        rows.append([m.cell(name), m.keyed(f"parity.{name}", value, numbers.count),
                     m.num(share if compared else None, numbers.percent), m.raw(_bar(share))])
    for layer in LAYERS:
        value = layers[layer]
        share = value / compared if compared else 0.0
        count_cell = (m.keyed(f"parity.layers.{layer}", value, numbers.count) if from_summary
                      else m.num(value, numbers.count))
        rows.append([m.cell(f"  mismatch, first differing at the {layer} layer"), count_cell,
                     m.num(share if compared else None, numbers.percent), m.raw(_bar(share))])
    return m.table(["outcome of compared pairs", "pairs", "share", ""], rows)


def _fields(evidence: RunEvidence) -> str:
    fields = sorted(evidence.summary.parity.fields, key=lambda f: -f.count)
    if not fields:
        return ""
    rows = [[m.raw(f"<code>{escape(f.path or '(whole body)')}</code>"), m.cell(f.kind),
             m.cell(f.layer or ""), m.num(f.count, numbers.count),
             m.num(f.rate, numbers.percent)] for f in fields[:30]]
    more = m.note(f"… and {len(fields) - 30:,} more in summary.json.") if len(fields) > 30 else ""
    return "<h3>Mismatching fields</h3>" + m.table(["path", "kind", "layer", "pairs", "rate"],
                                                     rows, numeric=(3, 4)) + more


def _signature_rows(signatures: Sequence[Signature]) -> list[list[str]]:
    return [[
        m.raw(f'<a href="#sig-{escape(s.id)}"><code>{escape(s.id)}</code></a>'),
        m.cell(s.key.endpoint), m.raw(f"<code>{escape(s.key.path or '(whole body)')}</code>"),
        m.cell(s.key.kind), m.cell(s.key.layer), m.num(s.rows, numbers.count),
        m.num(s.rate, numbers.percent), m.cell(s.first_seen_id),
    ] for s in signatures]


def _pair(left_title: str, right_title: str, left: str, right: str) -> str:
    marked_left, marked_right = side_by_side(left, right)
    return (f'<div class="pair"><div><h4 class="legacy">{escape(left_title)}</h4>'
            f"{m.pre(marked_left)}</div><div><h4 class=\"graph\">{escape(right_title)}</h4>"
            f"{m.pre(marked_right)}</div></div>")


def _example(example: Example) -> str:
    parts = [f"<h4>Example request <code>{escape(example.request_id)}</code> "
             "(the smallest with a recorded example)</h4>",
             m.pre(escape(spell(example.request)))]
    where = example.path or "(whole body)"
    if example.raw_values:
        left, right = str(example.legacy), str(example.graph)
        where += ", as spelled on the wire"
    else:
        left, right = spell(example.legacy), spell(example.graph)
    parts.append(_pair(f"legacy at {where}", f"graph at {where}", left, right))
    if example.legacy_body is not None or example.graph_body is not None:
        parts.append("<details><summary>Both full bodies</summary>"
                     + _pair("legacy body", "graph body", spell_body(example.legacy_body),
                             spell_body(example.graph_body)) + "</details>")
    return "".join(parts)


def _signature_article(signature: Signature) -> str:
    size = (f" ({signature.smallest_body_size:,} bytes)"
            if signature.smallest_body_size is not None else "")
    facts = m.facts([
        ("pairs", escape(f"{signature.rows:,} ({numbers.percent(signature.rate)} of the "
                         f"endpoint's compared pairs); {signature.occurrences:,} occurrences")),
        ("first seen", f"<code>{escape(signature.first_seen_id)}</code>"),
        ("smallest request", f"<code>{escape(signature.smallest_id)}</code>{escape(size)}"),
    ])
    example = example_of(signature)
    body = _example(example) if example else m.note(
        "No example of this signature in mismatches.jsonl (examples are capped per path).")
    sid = escape(signature.id)
    return (f'<article class="signature" id="sig-{sid}" data-signature="{sid}">'
            f'<h4 class="title"><code>{sid}</code> {escape(title(signature))}</h4>'
            f"{facts}{body}</article>")


def _signatures(signatures: Sequence[Signature]) -> str:
    if not signatures:
        return "<h3>Mismatch signatures</h3>" + m.note("No mismatches: nothing to group.")
    parts = [f"<h3>Mismatch signatures ({len(signatures):,})</h3>",
             m.table(["id", "endpoint", "path", "kind", "layer", "pairs", "rate", "first seen"],
                     _signature_rows(signatures), numeric=(5, 6))]
    parts.extend(_signature_article(s) for s in signatures[:DETAILED_SIGNATURES])
    if len(signatures) > DETAILED_SIGNATURES:
        parts.append(m.note(f"Examples shown for the {DETAILED_SIGNATURES} most frequent "
                            "signatures; `shadow-harness mismatches RUN_DIR --show SIG` prints "
                            "any other."))
    return "".join(parts)


def parity(evidence: RunEvidence) -> str:
    return m.section("parity", "Parity", _outcomes(evidence), _fields(evidence),
                     _signatures(evidence.signatures))


def _learned_rows(evidence: RunEvidence) -> list[NoiseRow]:
    """The noise table learned from results.parquet, for a summary.json without one."""
    frame = evidence.results
    if not frame["secondary_diff"].notna().any():
        return []
    model = learn_noise(frame, critical=evidence.config.parity.critical)
    return [NoiseRow.model_validate(record) for record in model.records()]


def noise(evidence: RunEvidence) -> str:
    rows, source = evidence.summary.parity.noise, "summary.json"
    if not rows:
        rows, source = _learned_rows(evidence), "learned from results.parquet"
    if not rows:
        return m.section("noise", "Learned noise", m.note(
            "No learned-noise table: the run had no second legacy answers "
            "(--secondary or --noise-sample)."))
    body = [[
        m.raw(f"<code>{escape(r.path)}</code>"), m.num(r.rows, numbers.count),
        m.num(r.graph_rate, numbers.percent), m.num(r.legacy_rate, numbers.percent),
        m.num(numbers.interval(r.ci_low, r.ci_high)),
        m.cell("noise" if r.is_noise else "real difference",
               "verdict-pass" if r.is_noise else "verdict-fail"),
        m.cell(r.reason or ""),
    ] for r in rows]
    return m.section("noise", "Learned noise", m.note(
        "Per field: how often graph differs from legacy, how often legacy differs from itself, "
        "and the 95 % interval of the difference; a field is noise only when the data say so "
        f"(table from {source})."),
        m.table(["path", "pairs", "graph vs legacy", "legacy vs legacy",
                 "difference, 95 % interval", "verdict", "why"], body, numeric=(1, 2, 3, 4)))
