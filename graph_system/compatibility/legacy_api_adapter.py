"""LegacyAPIAdapter: the legacy API on top of the graphs.

Requests arrive as the legacy clients send them; they are validated with the same rules, run
through the graphs, and answered through the ResponseFormatter, errors included.
"""

from __future__ import annotations

import logging
import time
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from graph_system.agents.knowledge_extraction import domain_extraction
from graph_system.compatibility.response_formatter import ResponseFormatter
from graph_system.models import ConfigExtractionRequest, SearchRequest, WorkflowRequest
from graph_system.workflows import (
    AgentFailure,
    SLABudgetExceeded,
    UnknownRun,
    WorkflowRunner,
    WorkflowState,
)

MAX_BODY_BYTES = 256 * 1024
log = logging.getLogger("graph_system.compatibility")
Model = TypeVar("Model", bound=BaseModel)


class LegacyAPIError(Exception):
    """Ends a request with the legacy error body and this status."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def too_large() -> LegacyAPIError:
    return LegacyAPIError(413, "PAYLOAD_TOO_LARGE",
                          f"Request body exceeds {MAX_BODY_BYTES} bytes")


def parse_request(raw: bytes, model: type[Model]) -> Model:
    """The legacy API's validation rules, message for message."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise LegacyAPIError(400, "INVALID_JSON", "Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise LegacyAPIError(422, "VALIDATION_ERROR", "Request body must be a JSON object",
                             [{"field": "body", "message": "must be a JSON object"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = []
        for problem in exc.errors(include_url=False):
            where = ".".join(str(part) for part in problem["loc"])
            details.append({"field": where or "body", "message": problem["msg"]})
        raise LegacyAPIError(
            422, "VALIDATION_ERROR",
            f"Invalid field '{details[0]['field']}': {details[0]['message']}", details,
        ) from None


class LegacyAPIAdapter:
    def __init__(self, runner: WorkflowRunner, formatter: ResponseFormatter) -> None:
        self.runner = runner
        self.formatter = formatter
        profile = runner.profile
        self.sla_s = profile.budgets.sla_s * profile.time_scale

    async def _guarded(self, work: Any) -> Any:
        try:
            return await work
        except SLABudgetExceeded as exc:
            log.warning("SLA abort: %s", exc)
            raise LegacyAPIError(503, "SLA_TIMEOUT",
                                 "Workflow exceeded its latency budget") from None
        except AgentFailure as exc:
            log.warning("agent failure: %s", exc)
            raise LegacyAPIError(500, "INTERNAL_ERROR", "Internal server error") from None

    def _workflow_body(self, state: WorkflowState, elapsed_s: float) -> dict[str, Any]:
        assert state.domain_config and state.knowledge and state.search
        return self.formatter.workflow(state.workflow_id, state.domain_config, state.knowledge,
                                       state.search, elapsed_s, self.sla_s)

    async def workflow(self, request: WorkflowRequest) -> dict[str, Any]:
        started = time.perf_counter()
        state = await self._guarded(self.runner.run_workflow(request))
        return self._workflow_body(state, time.perf_counter() - started)

    async def resume(self, workflow_id: str) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            state = await self._guarded(self.runner.resume(workflow_id))
        except UnknownRun:
            raise LegacyAPIError(404, "NOT_FOUND", f"No workflow {workflow_id}") from None
        if state.graph != "ConfigExtractionGraph":
            return self._config_body(state, time.perf_counter() - started)
        return self._workflow_body(state, time.perf_counter() - started)

    async def search(self, request: SearchRequest) -> dict[str, Any]:
        started = time.perf_counter()
        results = await self._guarded(self.runner.run_search(request))
        return self.formatter.search(results, time.perf_counter() - started)

    def _config_body(self, state: WorkflowState, elapsed_s: float) -> dict[str, Any]:
        assert state.domain_config and state.knowledge
        extraction = domain_extraction(state.domain_config, state.knowledge)
        return self.formatter.config_extraction(state.workflow_id, extraction, elapsed_s)

    async def config_extraction(self, request: ConfigExtractionRequest) -> dict[str, Any]:
        started = time.perf_counter()
        state = await self._guarded(self.runner.run_config_extraction(request))
        return self._config_body(state, time.perf_counter() - started)

    def run_view(self, workflow_id: str) -> dict[str, Any]:
        """``GET /workflows/{id}``: the persisted state and node timings (a new endpoint, so
        native JSON, not the legacy format)."""
        store = self.runner.store
        state = store.load(workflow_id) if store is not None else None
        if state is None:
            raise LegacyAPIError(404, "NOT_FOUND", f"No workflow {workflow_id}")
        return {
            "workflow_id": state.workflow_id,
            "graph": state.graph,
            "status": state.status,
            "last_node": state.last_node,
            "node_timings": [t.model_dump() for t in state.node_timings],
            "total_ms": sum(t.duration_ms for t in state.node_timings),
            "warnings": state.warnings,
            "sla_violation": state.sla_violation,
            "error": state.error,
            "state": state.model_dump(mode="json"),
        }
