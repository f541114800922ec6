from __future__ import annotations

from harness.parity.tokens import differing_tokens, is_long_integer, one_sided, same_value, spans

RAW = b'{"a": 1.0, "b": [1, {"c": "\\u00e9", "d": null}, [true, 2]], "e\\u0041": {}}'


def test_spans_give_every_leaf_and_key_its_exact_text() -> None:
    found = spans(RAW)
    assert found.values == {("a",): b"1.0", ("b", 0): b"1", ("b", 1, "c"): b'"\\u00e9"',
                            ("b", 1, "d"): b"null", ("b", 2, 0): b"true", ("b", 2, 1): b"2"}
    assert found.keys[("eA",)] == b'"e\\u0041"'


def test_differing_tokens_pair_tokens_of_the_same_structure() -> None:
    other = RAW.replace(b"1.0", b"1.00").replace(b"null", b"true")
    assert differing_tokens(RAW, other) == [(b"1.0", b"1.00"), (b"null", b"true")]
    assert differing_tokens(RAW, RAW.replace(b", ", b",")) == []  # whitespace only
    assert differing_tokens(RAW, b'{"a": 1.0}') is None
    escaped = b'{"q": "say \\"hi\\"", "n": 1}'
    assert differing_tokens(escaped, escaped.replace(b"1}", b"2}")) == [(b"1", b"2")]


def test_same_value_reads_tokens_as_a_client_would() -> None:
    assert same_value(b"1.0", b"1.00") and same_value(b'"\\u00e9"', '"é"'.encode())
    assert not same_value(b"1", b"1.0")  # int vs float
    assert not same_value(b"123456789012345678901234567890", b"123456789012345678901234567891")


def test_one_sided_finds_respellings_and_long_integers_without_pairing() -> None:
    a = b'{"x": 1.5, "y": [1, 2]}'
    assert one_sided(a, b'{"x": 1.50, "y": [1]}') == (True, False)
    assert one_sided(a, b'{"x": 2.5, "y": [1]}') == (False, False)
    assert one_sided(a, b'{"x": 12345678901234567890}') == (False, True)
    assert is_long_integer(b"-12345678901234567890") and not is_long_integer(b"12")
