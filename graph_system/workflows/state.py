"""WorkflowState: everything a run knows after each node, persisted as JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from graph_system.models import DomainConfig, KnowledgeResults, SearchResults

RunStatus = Literal["running", "completed", "failed", "aborted"]
GraphName = Literal["ConfigExtractionGraph", "DomainConfigGraph"]


class NodeTiming(BaseModel):
    node: str
    started_at: float = Field(description="epoch seconds")
    duration_ms: float = Field(ge=0)
    modelled_s: float = Field(ge=0, description="simulated work, profile seconds")


class WorkflowState(BaseModel):
    workflow_id: str
    graph: GraphName
    status: RunStatus = "running"
    # Only the analyzed head of the content is kept: it is all any node reads, and a 256 KiB
    # body per run would bloat the state database.
    content: str
    domain_hint: str | None = None
    max_results: int = 5
    size: float = Field(ge=0, lt=1)
    created_at: float
    last_node: str | None = None
    domain_config: DomainConfig | None = None
    knowledge: KnowledgeResults | None = None
    search: SearchResults | None = None
    node_timings: list[NodeTiming] = Field(default_factory=list)
    modelled_s: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    sla_violation: bool = False
    error: str | None = None
