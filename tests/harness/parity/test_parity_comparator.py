from __future__ import annotations

import copy
import uuid

from parity_support import LEGACY_RULES, legacy_encode, obs, workflow_body

from harness.config import ParityRules, VolatileField
from harness.parity import Comparator
from harness.verdict import Kind, Layer, Outcome


def one(verdict) -> tuple[str, Kind, Layer]:
    assert verdict.outcome is Outcome.MISMATCH, verdict
    assert len(verdict.mismatches) == 1, verdict.mismatches
    m = verdict.mismatches[0]
    return m.path, m.kind, m.layer


def compare(legacy, graph, rules: ParityRules = LEGACY_RULES, **graph_kw):
    return Comparator(rules).compare(obs(legacy), obs(graph, side="graph", **graph_kw))


def test_identical_bytes_match_and_other_ids_are_noise_only() -> None:
    body = workflow_body()
    assert compare(body, body).outcome is Outcome.MATCH
    other = workflow_body(workflow_id=str(uuid.uuid4()), total_time=7)
    verdict = compare(body, other)
    assert verdict.outcome is Outcome.NOISE_ONLY
    assert set(verdict.noise) == {"workflow_id", "performance_metrics.total_time"}


def test_a_noisy_field_must_keep_its_shape() -> None:
    body = workflow_body()
    assert one(compare(body, {**body, "workflow_id": 12})) == (
        "workflow_id", Kind.SHAPE, Layer.SEMANTIC)
    assert one(compare(body, {**body, "workflow_id": "not-a-uuid"}))[1] is Kind.SHAPE
    broken = copy.deepcopy(body)
    broken["performance_metrics"]["total_time"] = -5  # below min = 0
    assert one(compare(body, broken))[1] is Kind.SHAPE
    broken["performance_metrics"]["total_time"] = 2.0  # declared integer
    assert one(compare(body, broken))[1] is Kind.SHAPE
    # Declared only a number: int vs float is then a format difference, not noise.
    number = ParityRules(volatile=[VolatileField(path="performance_metrics.total_time",
                                                 shape="number")])
    broken["performance_metrics"]["total_time"] = 7.0
    assert one(compare(body, broken, number)) == (
        "performance_metrics.total_time", Kind.TYPE_CHANGED, Layer.FORMAT)


def test_a_missing_volatile_field_is_a_mismatch() -> None:
    body = workflow_body()
    graph = {k: v for k, v in body.items() if k != "workflow_id"}
    path, kind, layer = one(compare(body, graph))
    assert (path, kind, layer) == ("workflow_id", Kind.MISSING, Layer.SEMANTIC)
    assert compare(body, graph).mismatches[0].legacy == body["workflow_id"]


def test_ignored_paths_are_never_compared_not_even_for_presence() -> None:
    rules = ParityRules(ignore=["search_results.results[*].snippet", "extracted_knowledge"])
    body = workflow_body()
    graph = copy.deepcopy(body)
    graph["search_results"]["results"][2]["snippet"] = "different"
    del graph["search_results"]["results"][3]["snippet"]
    graph["extracted_knowledge"] = [1, 2, 3]
    assert compare(body, graph, rules).outcome is Outcome.MATCH


def test_values_reported_are_the_unmasked_originals() -> None:
    body = workflow_body()
    graph = copy.deepcopy(body)
    dropped = graph["search_results"]["results"].pop(2)
    verdict = compare(body, graph)
    assert one(verdict) == ("search_results.results[2]", Kind.MISSING, Layer.SEMANTIC)
    assert verdict.mismatches[0].legacy == dropped


def test_null_missing_and_empty_are_format_differences_but_values_are_semantic() -> None:
    body = {"a": None, "b": [], "c": 1, "d": "x"}
    assert one(compare(body, {"b": [], "c": 1, "d": "x"})) == ("a", Kind.MISSING, Layer.FORMAT)
    assert one(compare(body, {**body, "b": None})) == ("b", Kind.TYPE_CHANGED, Layer.FORMAT)
    assert one(compare(body, {**body, "c": "1"})) == ("c", Kind.TYPE_CHANGED, Layer.FORMAT)
    assert one(compare(body, {**body, "c": True})) == ("c", Kind.TYPE_CHANGED, Layer.SEMANTIC)
    assert one(compare(body, {**body, "c": 1.5})) == ("c", Kind.VALUE_CHANGED, Layer.SEMANTIC)
    assert one(compare(body, {"a": None, "b": [], "c": 1})) == ("d", Kind.MISSING,
                                                                 Layer.SEMANTIC)


def test_raw_spelling_is_compared_where_parsed_values_are_equal() -> None:
    legacy = b'{"x": 1.5, "s": "caf\\u00e9", "k\\u0041": 1}'
    assert one(compare(legacy, b'{"x": 1.50, "s": "caf\\u00e9", "k\\u0041": 1}')) == (
        "x", Kind.NUMBER_SPELLING, Layer.FORMAT)
    assert one(compare(legacy, '{"x": 1.5, "s": "café", "k\\u0041": 1}'.encode())) == (
        "s", Kind.STRING_ESCAPING, Layer.FORMAT)
    assert one(compare(legacy, b'{"x": 1.5, "s": "caf\\u00e9", "kA": 1}')) == (
        "kA", Kind.STRING_ESCAPING, Layer.FORMAT)
    # Whitespace between tokens is invisible to every JSON client.
    assert compare(legacy, b'{"x":1.5,"s":"caf\\u00e9","k\\u0041":1}').outcome is Outcome.MATCH


def test_spelling_is_found_next_to_structural_changes_and_not_under_masks() -> None:
    legacy = legacy_encode({"workflow_id": str(uuid.uuid4()), "a": 1.5, "b": [1, 2, 3]})
    graph = (b'{"workflow_id": "' + str(uuid.uuid4()).upper().encode()
             + b'", "a": 1.50, "b": [1, 3]}')
    verdict = compare(legacy, graph)
    found = {(m.path, m.kind, m.layer) for m in verdict.mismatches}
    assert found == {("a", Kind.NUMBER_SPELLING, Layer.FORMAT),
                     ("b[1]", Kind.MISSING, Layer.SEMANTIC)}
    assert verdict.layer is Layer.SEMANTIC


def test_protocol_status_content_type_and_headers_by_rule() -> None:
    body = workflow_body()
    c = Comparator(ParityRules(headers={"x-api-version": "normalize", "cache-control": "compare"}))
    legacy = obs(body, headers=(("x-api-version", "V1; a=1"), ("date", "Mon"),
                                ("cache-control", "no-store")))
    same = obs(body, headers=(("x-api-version", "v1;A=1"), ("date", "Tue"),
                              ("cache-control", "no-store")))
    assert c.compare(legacy, same).outcome is Outcome.MATCH
    changed = obs(body, headers=(("x-api-version", "v1;A=1"), ("cache-control", "no-cache")))
    assert one(c.compare(legacy, changed)) == (
        "@header.cache-control", Kind.HEADER, Layer.PROTOCOL)
    assert one(c.compare(legacy, obs(body, status=201, headers=legacy.headers[1:]))) == (
        "@status", Kind.STATUS, Layer.PROTOCOL)
    verdict = c.compare(legacy, obs({"other": 1}, content_type="text/html",
                                    headers=legacy.headers[1:]))
    assert verdict.layer is Layer.PROTOCOL
    assert verdict.mismatches[0].path == "@header.content-type"


def test_compare_headers_true_checks_unnamed_headers_too() -> None:
    c = Comparator(ParityRules(compare_headers=True))
    legacy = obs({"a": 1}, headers=(("x-trace", "1"), ("date", "Mon"), ("server", "a")))
    graph = obs({"a": 1}, headers=(("x-trace", "2"), ("date", "Tue"), ("server", "b")))
    assert one(c.compare(legacy, graph)) == ("@header.x-trace", Kind.HEADER, Layer.PROTOCOL)


def test_bodies_that_are_not_json() -> None:
    assert compare(b"<html>ok</html>", b"<html>ok</html>").outcome is Outcome.MATCH
    assert one(compare(b"<html>ok</html>", b"<html>no</html>")) == ("", Kind.BODY,
                                                                      Layer.SEMANTIC)
    assert one(compare({"a": 1}, b"")) == ("", Kind.BODY, Layer.SEMANTIC)


def test_quirky_numbers_are_compared_not_crashed_on() -> None:
    big = b'{"n": 123456789012345678901234567890, "f": NaN}'
    assert compare(big, big).outcome is Outcome.MATCH
    verdict = compare(big, b'{"n": 123456789012345678901234567891, "f": NaN}')
    assert one(verdict) == ("n", Kind.VALUE_CHANGED, Layer.SEMANTIC)


def test_critical_paths_are_marked() -> None:
    rules = ParityRules(critical=["search_results.total_found", "@status"])
    body = workflow_body()
    graph = copy.deepcopy(body)
    graph["search_results"]["total_found"] = 15
    verdict = compare(body, graph, rules)
    assert verdict.critical and verdict.mismatches[0].critical
    graph = copy.deepcopy(body)
    graph["status"] = "done"
    assert not compare(body, graph, rules).critical
    assert Comparator(rules).compare(obs(body), obs(body, status=500)).critical


def test_diff_paths_lists_every_differing_path_noise_included() -> None:
    c = Comparator(LEGACY_RULES)
    first = obs(workflow_body())
    second_body = workflow_body(workflow_id=str(uuid.uuid4()), total_time=9)
    second_body["domain_analysis"]["signals"] = 6
    assert c.diff_paths(first, obs(second_body)) == [
        "domain_analysis.signals", "performance_metrics.total_time", "workflow_id"]
    assert c.diff_paths(first, first) == []


def test_a_rule_that_legacy_itself_breaks_falls_back_to_plain_comparison() -> None:
    rules = ParityRules(volatile=[VolatileField(path="id", shape="uuid")])
    assert one(compare({"id": "a"}, {"id": "b"}, rules)) == ("id", Kind.VALUE_CHANGED,
                                                             Layer.SEMANTIC)
    assert compare({"id": "a"}, {"id": "a"}, rules).outcome is Outcome.MATCH


def test_integers_past_64_bits_stay_exact_whichever_path_is_taken() -> None:
    # Both round to the same double: a float comparison would call them equal.
    legacy = b'{"n": 123456789012345678901234567890, "s": "a"}'
    same_shape = b'{"n": 123456789012345678901234567891, "s": "a"}'
    assert one(compare(legacy, same_shape)) == ("n", Kind.VALUE_CHANGED, Layer.SEMANTIC)
    other_shape = b'{"n": 123456789012345678901234567891, "s": "a", "t": 1}'
    found = {(m.path, m.kind) for m in compare(legacy, other_shape).mismatches}
    assert found == {("n", Kind.VALUE_CHANGED), ("t", Kind.EXTRA)}
    assert compare(legacy, legacy.replace(b", ", b",")).outcome is Outcome.MATCH
