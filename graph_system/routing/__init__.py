"""The live side of the migration plan: a shadow/split proxy in front of legacy and graph.

The plan's TrafficSplitter, PerformanceMonitor, MigrationController, EmergencyRollback and
gradual rollback, its alert conditions, SQLite state and a recorder, served by uvicorn.
It talks to both paths over HTTP only and imports neither.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from graph_system.routing.alert_conditions import AlertConditions
from graph_system.routing.alerts import Alert, AlertSink
from graph_system.routing.app import create_app
from graph_system.routing.migration_controller import MigrationController
from graph_system.routing.performance_monitor import PerformanceMonitor, WindowMetrics
from graph_system.routing.proxy import Proxy
from graph_system.routing.recorder import Recorder
from graph_system.routing.rollback import EmergencyRollback, GradualRollback
from graph_system.routing.settings import ProxySettings, ProxySettingsError, load_proxy_settings
from graph_system.routing.state_store import RoutingState, StateStore
from graph_system.routing.traffic_splitter import StickyKey, TrafficSplitter

ADMIN_TOKEN_ENV = "SHADOW_ADMIN_TOKEN"


def build_settings(
    legacy: str, graph: str, mode: str, host: str = "127.0.0.1", port: int = 8000,
    admin_token: str | None = None, state_db: Path | None = None, run_dir: Path | None = None,
    record_to: Path | None = None, config: Path | None = None, **overrides: Any,
) -> ProxySettings:
    """The [proxy] table of ``config`` (or ./harness.toml), with the given options on top."""
    table: dict[str, Any] = {
        "legacy": legacy, "graph": graph, "mode": mode, "host": host, "port": port,
        "admin_token": admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None,
        "state_db": state_db, "run_dir": run_dir, **overrides,
    }
    settings = load_proxy_settings(config, table)
    if record_to is not None:
        settings = settings.model_copy(
            update={"record": settings.record.model_copy(update={"path": Path(record_to)})})
    return settings


def serve(
    legacy: str, graph: str, mode: str, host: str = "127.0.0.1", port: int = 8000,
    admin_token: str | None = None, state_db: Path | None = None, run_dir: Path | None = None,
    record_to: Path | None = None, config: Path | None = None, **overrides: Any,
) -> None:
    """Run the proxy under uvicorn until interrupted (``shadow-harness serve proxy``)."""
    import uvicorn

    settings = build_settings(legacy, graph, mode, host, port, admin_token, state_db, run_dir,
                              record_to, config, **overrides)
    if settings.run_dir is None:
        # Mirrored pairs always land somewhere analyze/gate/report can read: a new
        # reports/<run-id>/ (and reports/latest), as replay does.
        from harness.rundir import create_run_dir

        settings = settings.model_copy(update={"run_dir": create_run_dir(None)})
    # No server/date headers of the proxy's own: the backends' pass through unchanged.
    # proxy_headers off: the proxy is the edge, and X-Forwarded-For from a client must not
    # make it look like loopback to the admin API.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning", access_log=False, server_header=False, date_header=False,
                proxy_headers=False, timeout_graceful_shutdown=10)


__all__ = [
    "ADMIN_TOKEN_ENV",
    "Alert",
    "AlertConditions",
    "AlertSink",
    "EmergencyRollback",
    "GradualRollback",
    "MigrationController",
    "PerformanceMonitor",
    "Proxy",
    "ProxySettings",
    "ProxySettingsError",
    "Recorder",
    "RoutingState",
    "StateStore",
    "StickyKey",
    "TrafficSplitter",
    "WindowMetrics",
    "build_settings",
    "create_app",
    "load_proxy_settings",
    "serve",
]
