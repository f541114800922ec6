"""The graph service's workflows: the plan's graphs, their budgets, state and runner."""

from graph_system.workflows.config_extraction_graph import (
    build_config_extraction_graph,
    build_domain_config_graph,
)
from graph_system.workflows.runner import UnknownRun, WorkflowRunner
from graph_system.workflows.search_workflow_graph import SearchRun, build_search_workflow_graph
from graph_system.workflows.sla import AgentFailure, SLABudgetExceeded
from graph_system.workflows.state import NodeTiming, WorkflowState
from graph_system.workflows.state_persistence import StateStore, StateStoreError, state_db_path

__all__ = [
    "AgentFailure",
    "NodeTiming",
    "SLABudgetExceeded",
    "SearchRun",
    "StateStore",
    "StateStoreError",
    "UnknownRun",
    "WorkflowRunner",
    "WorkflowState",
    "build_config_extraction_graph",
    "build_domain_config_graph",
    "build_search_workflow_graph",
    "state_db_path",
]
