"""Side-by-side values: the marked text is exactly the original, and marks sit on differences."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from harness.report.highlight import BODY_LIMIT, side_by_side, spell, spell_body

_MARK = re.compile(r'<mark class="(?:del|ins)">(.*?)</mark>', re.S)
_CUT = re.compile(r'<span class="cut">.*?</span>', re.S)


def plain(html: str) -> str:
    return unescape(_MARK.sub(lambda m: m.group(1), _CUT.sub("", html)))


def marked(html: str) -> str:
    return unescape("".join(_MARK.findall(html)))


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
multiline = st.lists(st.text(max_size=30), max_size=12).map("\n".join)


@given(texts, texts)
def test_marking_keeps_both_texts_exactly(left: str, right: str) -> None:
    html_left, html_right = side_by_side(left, right)
    assert plain(html_left) == left
    assert plain(html_right) == right


@given(multiline, multiline)
def test_marking_keeps_multiline_texts_exactly(left: str, right: str) -> None:
    html_left, html_right = side_by_side(left, right)
    assert plain(html_left) == left and plain(html_right) == right


@given(texts)
def test_identical_texts_have_no_marks(text: str) -> None:
    assert side_by_side(text, text) == (side_by_side(text, text)[0],) * 2
    assert "<mark" not in side_by_side(text, text)[0]


@given(texts, texts)
def test_different_texts_are_marked_somewhere(left: str, right: str) -> None:
    html_left, html_right = side_by_side(left, right)
    if left != right:
        assert "<mark" in html_left + html_right


@given(texts)
def test_markup_in_values_is_escaped(text: str) -> None:
    html_left, _ = side_by_side("<script>" + text, text)
    assert "<script>" not in html_left


def test_a_changed_character_is_the_only_thing_marked() -> None:
    left, right = side_by_side('{"score": 1}', '{"score": 1.0}')
    assert marked(left) == "" and marked(right) == ".0"


def test_spell_keeps_key_order_and_int_versus_float() -> None:
    assert spell({"b": 1, "a": 1.0}) == '{\n  "b": 1,\n  "a": 1.0\n}'


def test_raw_bodies_stay_raw_when_pretty_printing_would_hide_spelling() -> None:
    raw = '{"price": 1.50, "name": "caf\\u00e9"}'
    assert spell_body(raw) == raw
    assert spell_body('{"a":1}') == '{\n  "a": 1\n}'
    assert spell_body("not json") == "not json"


def test_huge_bodies_are_cut_around_the_difference() -> None:
    head, tail = "a\n" * BODY_LIMIT, "z\n" * BODY_LIMIT
    left, right = side_by_side(head + "legacy" + tail, head + "graph" + tail)
    assert marked(left) and marked(right)  # the difference is inside the part shown
    assert "characters before not shown" in left and "more characters not shown" in right
    assert len(left) < BODY_LIMIT + 500
    assert "not shown" not in marked(left) + marked(right)


@given(st.integers(min_value=0, max_value=3 * BODY_LIMIT), st.text(max_size=5),
       st.text(max_size=5))
def test_cut_texts_are_still_exact_slices(prefix: int, a: str, b: str) -> None:
    left, right = "p" * prefix + a + "q" * 300, "p" * prefix + b + "q" * 300
    html_left, html_right = side_by_side(left, right)
    assert plain(html_left) in left and plain(html_right) in right
    if a != b:
        assert "<mark" in html_left + html_right


def test_long_bodies_with_scattered_differences_finish_and_mark_each() -> None:
    # Repeated lines ("}," and friends) make plain difflib quadratic; this must stay quick.
    items = [{"id": k, "score": 0.5, "tags": ["a", "b"]} for k in range(700)]
    changed = [dict(item, score=0.75) if item["id"] % 100 == 0 else item for item in items]
    left, right = side_by_side(spell(items), spell(changed))
    assert plain(left) == spell(items)
    assert right.count("<mark class=\"ins\">") >= 7
