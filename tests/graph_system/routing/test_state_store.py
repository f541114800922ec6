"""StateStore: routing state, rollback history and decisions survive a reopen; bad files are
reported with their path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_system.routing.state_store import RoutingState, StateStore


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = StateStore(path)
    assert not store.exists()
    store.save(RoutingState(mode="split", graph_percentage=25, step="day-9", force_legacy=True,
                            gradual={"steps": [10, 0], "index": 1}))
    store.add_rollback("emergency", "why", 25, 0, {"total_s": 0.01})
    store.add_decision("day-9", "HOLD", "none", ["not enough"], {"evidence": {"rows": 3}})
    store.close()
    again = StateStore(path)
    state = again.load(RoutingState())
    assert (state.mode, state.graph_percentage, state.step, state.force_legacy) == \
        ("split", 25, "day-9", True)
    assert state.gradual == {"steps": [10, 0], "index": 1}
    assert again.rollbacks()[0]["total_s"] == 0.01
    assert again.decisions()[0]["reasons"] == ["not enough"]
    journal = again._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


@settings(max_examples=25, deadline=None)
@given(percentage=st.floats(0, 100, allow_nan=False), step=st.none() | st.text(max_size=10),
       force=st.booleans())
def test_any_state_round_trips(tmp_path_factory: pytest.TempPathFactory, percentage: float,
                               step: str | None, force: bool) -> None:
    store = StateStore(tmp_path_factory.mktemp("s") / "state.sqlite3")
    store.save(RoutingState(graph_percentage=percentage, step=step, force_legacy=force))
    loaded = store.load(RoutingState())
    assert (loaded.graph_percentage, loaded.step, loaded.force_legacy) == \
        (percentage, step, force)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match=r"state\.sqlite3: not a usable proxy state database"):
        StateStore(path)
