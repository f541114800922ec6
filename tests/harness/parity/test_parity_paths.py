from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.parity.paths import ANY_INDEX, PathSyntaxError, Pattern, parse, render, wildcard

segments = st.lists(st.one_of(st.text(max_size=8), st.integers(0, 500)), max_size=6).map(tuple)


@given(segments)
def test_render_then_parse_gives_the_same_segments(path: tuple) -> None:
    # Keys that read like wildcards are written quoted; only "*" stays ambiguous by design.
    if "*" in path or ANY_INDEX in path:
        return
    assert parse(render(path)) == path


def test_plain_and_odd_keys_are_written_readably() -> None:
    assert render(("search_results", "results", 3, "score")) == "search_results.results[3].score"
    assert render(("meta", "x.y", 0)) == 'meta["x.y"][0]'
    assert render(()) == ""


def test_wildcard_replaces_every_index_but_not_inside_quoted_keys() -> None:
    assert wildcard("a[3].b[10].c") == "a[*].b[*].c"
    assert wildcard('x["a[1]"][2]') == 'x["a[1]"][*]'


@pytest.mark.parametrize("bad", [".a", "a..b", "a[x]", "a b", "a[1"])
def test_a_bad_path_names_itself_in_the_error(bad: str) -> None:
    with pytest.raises(PathSyntaxError, match=repr(bad).replace("[", r"\[")):
        parse(bad)


def test_patterns_cover_their_subtree_and_match_wildcards() -> None:
    pattern = Pattern.of("results[*].score")
    assert pattern.matches(("results", 4, "score"))
    assert pattern.covers(("results", 4, "score", "x"))
    assert not pattern.matches(("results", "4", "score"))
    assert not pattern.covers(("results",))
    assert Pattern.of("a.*.c").matches(("a", "anything", "c"))
    assert not Pattern.of("a.*.c").matches(("a", 0, "c"))
