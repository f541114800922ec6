"""The legacy orchestrator chain: unified -> workflow -> config_extraction -> search ->
universal_search, with pydantic_integration converting results to the legacy format."""

from legacy_stub.orchestrators.unified import LegacyService, UnifiedOrchestrator

__all__ = ["LegacyService", "UnifiedOrchestrator"]
