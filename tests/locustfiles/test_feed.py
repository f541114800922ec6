"""The feed: shards of a recording that are disjoint, cover it, and account for the unsent."""

from __future__ import annotations

from pathlib import Path

import pytest
from _feed import RecordingFeed, ShardPlan, base_id
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_recording import write_recording


def _drain(feed: RecordingFeed, limit: int = 100_000) -> list:
    items = []
    while len(items) < limit and (item := feed.take()) is not None:
        feed.done(item)
        items.append(item)
    return items


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 40), workers=st.integers(1, 6))
def test_shards_cover_the_recording_without_overlap(tmp_path_factory, count: int,
                                                    workers: int) -> None:
    path = tmp_path_factory.mktemp("rec") / "rec.jsonl"
    ids = write_recording(path, count)
    shards = [[item.id for item in _drain(RecordingFeed(path, ShardPlan(i, workers)))]
              for i in range(workers)]
    flat = [item_id for shard in shards for item_id in shard]
    assert sorted(flat) == sorted(ids)
    assert len(flat) == len(set(flat))


def test_each_shard_keeps_recording_order_and_seq_is_the_position(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    ids = write_recording(path, 10)
    items = _drain(RecordingFeed(path, ShardPlan(1, 3)))
    assert [item.seq for item in items] == [1, 4, 7]
    assert [item.id for item in items] == [ids[1], ids[4], ids[7]]


@settings(max_examples=25, deadline=None)
@given(count=st.integers(1, 12), workers=st.integers(1, 4), laps=st.integers(2, 4))
def test_laps_get_new_unique_ids_and_seqs(tmp_path_factory, count: int, workers: int,
                                          laps: int) -> None:
    path = tmp_path_factory.mktemp("rec") / "rec.jsonl"
    write_recording(path, count)
    rows = []
    for index in range(workers):
        share = len(range(index, count, workers))
        feed = RecordingFeed(path, ShardPlan(index, workers), loop=True)
        rows += _drain(feed, limit=share * laps)
    assert len({item.id for item in rows}) == len(rows)
    assert len({item.seq for item in rows}) == len(rows)
    for item in rows:
        assert item.seq == item.lap * count + item.ordinal
        assert base_id(item.id) == item.request.id
        assert (item.lap == 0) == (item.id == item.request.id)


def test_loop_on_an_empty_shard_ends_instead_of_spinning(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    write_recording(path, 2)
    feed = RecordingFeed(path, ShardPlan(3, 4), loop=True)
    assert feed.take() is None
    assert feed.exhausted


def test_unsent_lists_in_flight_then_never_taken_first_lap_items(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    ids = write_recording(path, 8)
    feed = RecordingFeed(path)
    first, second, third = feed.take(), feed.take(), feed.take()
    feed.done(second)
    assert feed.in_flight == 2
    unsent = [item.id for item in feed.unsent()]
    assert unsent == [first.id, third.id, *ids[3:]]
    assert feed.take() is None


def test_unsent_ignores_later_laps(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    write_recording(path, 2)
    feed = RecordingFeed(path, loop=True)
    _drain(feed, limit=2)
    in_second_lap = feed.take()
    assert in_second_lap.lap == 1
    assert list(feed.unsent()) == []


@pytest.mark.parametrize(("index", "count"), [(0, 0), (2, 2), (-1, 3)])
def test_impossible_plans_are_refused(index: int, count: int) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ShardPlan(index, count)
