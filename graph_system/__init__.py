"""graph_system: the plan's pydantic-graph workflow service, answering in the legacy format.

``graph_system.routing`` (the traffic proxy) is a separate concern and imports nothing from
here, so importing this package stays light until ``create_app`` is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph_system.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from graph_system.app import create_app

        return create_app
    raise AttributeError(f"module 'graph_system' has no attribute {name!r}")
