"""Critical path patterns and mismatch signatures."""

from __future__ import annotations

import pytest

from harness.gate.critical import CriticalPaths, segments, signature, top_signatures

PATTERNS = CriticalPaths.of(["search_results.results[*].score", "status", "@status",
                             'meta["x.y"]', "domain_analysis.*.confidence"])


@pytest.mark.parametrize(("path", "expected"), [
    ("search_results.results[3].score", "search_results.results[*].score"),
    ("search_results.results[3].score.raw", "search_results.results[*].score"),
    ("search_results", "search_results.results[*].score"),  # a parent replaced it
    ("search_results.results[0]", "search_results.results[*].score"),
    ("", "search_results.results[*].score"),  # the whole body differs
    ("status", "status"),
    ("@status", "@status"),
    ('meta["x.y"]', 'meta["x.y"]'),
    ("domain_analysis.medical.confidence", "domain_analysis.*.confidence"),
])
def test_touching_paths(path: str, expected: str) -> None:
    assert PATTERNS.touches(path) == expected


@pytest.mark.parametrize("path", [
    "search_results.results[3].title", "statuses", "x.status", "@header.content-type",
    "search_results.results.score", "meta.x", "domain_analysis.medical.label",
])
def test_paths_that_do_not_touch(path: str) -> None:
    assert PATTERNS.touches(path) is None


def test_quoted_keys_parse() -> None:
    assert segments('a["b.c"][2]') == (("key", "a"), ("key", "b.c"), ("index", "2"))


def test_signatures_group_list_indices() -> None:
    assert signature("a.b[3].c[12]", "value_changed") == "a.b[*].c[*] (value_changed)"
    found = top_signatures([{"path": "r[1].s", "kind": "missing"},
                            {"path": "r[2].s", "kind": "missing"},
                            {"path": "t", "kind": "extra"}], 5)
    assert found == [{"signature": "r[*].s (missing)", "count": 2},
                     {"signature": "t (extra)", "count": 1}]
