"""TrafficSplitter: sticky, monotone in the percentage, and within a binomial bound of it."""

from __future__ import annotations

import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from graph_system.routing.traffic_splitter import StickyKey, TrafficSplitter, bucket_of
from graph_system.routing.upstream import ProxiedRequest


def _request(user: str | None = None, body: object = None, header: str = "x-user-id"
             ) -> ProxiedRequest:
    headers = ((header, user),) if user is not None else ()
    raw = orjson.dumps(body) if body is not None else b""
    return ProxiedRequest("id", "POST", "/api/v1/search", "", headers, raw, 0.0)


keys = st.text(min_size=1, max_size=40)
percentages = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(key=keys, percentage=percentages)
def test_same_key_same_path_every_time(key: str, percentage: float) -> None:
    splitter = TrafficSplitter(percentage)
    first = splitter.choose(_request(key))
    assert all(splitter.choose(_request(key)) == first for _ in range(5))
    # A fresh splitter (another process, a restart) agrees: the hash is stable.
    assert TrafficSplitter(percentage).choose(_request(key)) == first


@given(key=keys, low=percentages, high=percentages)
def test_raising_the_share_never_moves_a_user_back_to_legacy(key: str, low: float,
                                                            high: float) -> None:
    low, high = sorted((low, high))
    if TrafficSplitter(low).choose(_request(key)) == "graph":
        assert TrafficSplitter(high).choose(_request(key)) == "graph"


@given(key=keys)
def test_bounds_and_force_legacy(key: str) -> None:
    assert TrafficSplitter(0).choose(_request(key)) == "legacy"
    assert TrafficSplitter(100).choose(_request(key)) == "graph"
    assert TrafficSplitter(100, force_legacy=True).choose(_request(key)) == "legacy"


@settings(max_examples=30, deadline=None)
@given(percentage=st.sampled_from([1, 10, 25, 50, 75, 90]), seed=st.integers(0, 2**32 - 1))
def test_observed_share_within_a_binomial_bound(percentage: int, seed: int) -> None:
    """4,000 distinct users: the graph share is what a fair coin of p would give (exact
    binomial test at alpha = 0.001, so a correct splitter fails 1 run in 1,000)."""
    rng = random.Random(seed)
    splitter = TrafficSplitter(percentage, salt=str(seed))
    n = 4000
    graph = sum(splitter.choose(_request(f"user-{rng.getrandbits(64)}")) == "graph"
                for _ in range(n))
    assert binomtest(graph, n, percentage / 100).pvalue > 0.001


def test_body_field_key_and_salt() -> None:
    splitter = TrafficSplitter(50, key=StickyKey.parse("body:user.id"), salt="exp-1")
    path = splitter.choose(_request(body={"user": {"id": "alice"}, "query": "a"}))
    assert all(splitter.choose(_request(body={"user": {"id": "alice"}, "query": q})) == path
               for q in ("b", "c", "d"))
    assert bucket_of("alice", "exp-1") != bucket_of("alice", "exp-2") or \
        bucket_of("bob", "exp-1") != bucket_of("bob", "exp-2")


def test_missing_key_is_assigned_at_random() -> None:
    splitter = TrafficSplitter(50, rng=random.Random(1))
    paths = {splitter.choose(_request(None)) for _ in range(50)}
    assert paths == {"legacy", "graph"}
    assert StickyKey.parse("body:user_id").read(_request(body=[1, 2])) is None
    assert StickyKey.parse("body:user_id").read(
        ProxiedRequest("i", "POST", "/", "", (), b"not json", 0.0)) is None


@pytest.mark.parametrize("spec", ["user_id", "cookie:x", "header:", "body:"])
def test_bad_sticky_key(spec: str) -> None:
    with pytest.raises(ValueError, match="header:NAME"):
        StickyKey.parse(spec)


def test_percentage_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        TrafficSplitter(101)
