"""legacy_stub: a faithful stand-in for the legacy six-orchestrator service."""

from legacy_stub.app import create_app

__all__ = ["create_app"]
