from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.replay import Pacing, offsets

timestamps = st.lists(st.floats(min_value=1.6e9, max_value=1.8e9, allow_nan=False),
                      min_size=1, max_size=200)
speeds = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)


@given(timestamps, speeds)
def test_open_loop_schedule_is_monotone_and_starts_at_zero(ts: list[float], speed: float) -> None:
    got = list(offsets(Pacing.open_loop(speed), ts))
    assert got[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(got))


@given(st.lists(st.floats(min_value=0, max_value=86400, allow_nan=False), min_size=1,
                max_size=100).map(sorted), speeds)
def test_speed_divides_recorded_inter_arrival_times(ts: list[float], speed: float) -> None:
    at_one = list(offsets(Pacing.open_loop(1.0), ts))
    scaled = list(offsets(Pacing.open_loop(speed), ts))
    for base, fast in zip(at_one, scaled, strict=True):
        assert math.isclose(fast, base / speed, rel_tol=1e-9, abs_tol=1e-9)


def test_out_of_order_line_is_sent_at_once_not_in_the_past() -> None:
    got = list(offsets(Pacing.open_loop(2.0), [100.0, 110.0, 104.0, 120.0]))
    assert got == [0.0, 5.0, 5.0, 10.0]


@given(st.floats(min_value=0.1, max_value=1e5, allow_nan=False), timestamps)
def test_fixed_rate_ignores_recorded_times(rate: float, ts: list[float]) -> None:
    got = list(offsets(Pacing.fixed_rate(rate), ts))
    for index, offset in enumerate(got):
        assert math.isclose(offset, index / rate, rel_tol=1e-12, abs_tol=1e-12)


def test_closed_loop_has_no_schedule() -> None:
    assert list(offsets(Pacing.closed_loop(4), [1.0, 2.0])) == [None, None]
    assert not Pacing.closed_loop(4).scheduled
    assert Pacing.open_loop(1.0).scheduled and Pacing.fixed_rate(5).scheduled


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Pacing.closed_loop(0), "concurrency must be at least 1"),
        (lambda: Pacing.open_loop(0), "speed must be a positive number"),
        (lambda: Pacing.open_loop(-2), "speed must be a positive number"),
        (lambda: Pacing.fixed_rate(0), "rate must be a positive number"),
        (lambda: Pacing("sideways"), "unknown pacing mode"),
    ],
)
def test_bad_pacing_names_the_problem(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_describe_is_what_run_json_keeps() -> None:
    assert Pacing.closed_loop(8).describe() == {"mode": "closed", "concurrency": 8}
    assert Pacing.open_loop(2.5, concurrency=100).describe() == {
        "mode": "open", "concurrency": 100, "speed": 2.5}
    assert Pacing.fixed_rate(50).describe()["rate"] == 50
    assert "2.5x" in str(Pacing.open_loop(2.5))


def test_pacing_is_a_frozen_value() -> None:
    pacing = Pacing.closed_loop(3)
    with pytest.raises(AttributeError):
        pacing.concurrency = 5  # type: ignore[misc]
    assert pacing == Pacing.closed_loop(3)
