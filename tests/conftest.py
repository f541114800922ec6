"""Session fixtures: the two real services (fast profile) on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from harness.services import Service, start_service

# Never a wall-clock assertion: the machines are shared and noisy, so hypothesis's per-example
# deadline would fail tests on load, not on behaviour.
settings.register_profile("shadow", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shadow")

# Injected 5xx faults are off for the shared fixtures: tests that need faults start their own.
NO_FAULTS = {"SHADOW_FAULTS": "0"}


@pytest.fixture(scope="session")
def legacy_service() -> Iterator[Service]:
    service = start_service("legacy", profile="fast", env=NO_FAULTS)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def graph_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    state = tmp_path_factory.mktemp("graph-state") / "state.sqlite3"
    service = start_service("graph", profile="fast",
                            env={**NO_FAULTS, "SHADOW_STATE_DB": str(state)})
    yield service
    service.stop()


@pytest.fixture(scope="session")
def legacy_url(legacy_service: Service) -> str:
    return legacy_service.url


@pytest.fixture(scope="session")
def graph_url(graph_service: Service) -> str:
    return graph_service.url
