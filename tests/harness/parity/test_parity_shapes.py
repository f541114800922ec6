from __future__ import annotations

import re

import pytest

from harness.parity.shapes import Shape, infer_shape, json_type


@pytest.mark.parametrize(("value", "ok"), [
    ("29/11/2026 19:50:50", True),         # the legacy layout
    ("2026-11-29T19:50:50.123Z", True),
    ("2026-11-29 19:50:50+01:00", True),
    ("Sun, 29 Nov 2026 19:50:50 GMT", True),
    ("31/02/2026 10:00:00", False),        # no such day
    ("yesterday", False),
    (1764445850, False),
])
def test_timestamps_in_the_layouts_services_print(value, ok: bool) -> None:
    assert Shape("timestamp").accepts(value) is ok


def test_shapes_check_kind_range_pattern_and_null() -> None:
    uuid = Shape("uuid")
    assert uuid.accepts("6af8d2e1-83d5-4f60-941d-3da0d07f120b")
    assert not uuid.accepts(12) and not uuid.accepts(None)
    assert Shape("uuid", nullable=True).accepts(None)
    number = Shape("number", min=0, max=10)
    assert number.accepts(3) and number.accepts(2.5)
    assert not number.accepts(11) and not number.accepts(-1) and not number.accepts("3")
    assert not Shape("integer").accepts(2.0) and not Shape("integer").accepts(True)
    assert not Shape("boolean").accepts(0)
    code = Shape("string", pattern=re.compile(r"E\d{3}"))
    assert code.accepts("E042") and not code.accepts("E42")


def test_inferred_shape_is_the_narrowest_all_values_share() -> None:
    assert infer_shape(["6af8d2e1-83d5-4f60-941d-3da0d07f120b", None]) == "uuid"
    assert infer_shape([1, 2]) == "integer"
    assert infer_shape([1, 2.5]) == "number"
    assert infer_shape(["29/11/2026 19:50:50"]) == "timestamp"
    assert infer_shape(["a", 1]) == "any"
    assert infer_shape([]) == "any"


def test_json_types_tell_int_from_float_and_bool() -> None:
    assert [json_type(v) for v in (1, 1.0, True, None, "", [], {})] == [
        "integer", "float", "boolean", "null", "string", "array", "object"]
