"""The legacy API on the graph service: adapter (requests, errors) and formatter (bodies)."""

from graph_system.compatibility.legacy_api_adapter import (
    MAX_BODY_BYTES,
    LegacyAPIAdapter,
    LegacyAPIError,
    parse_request,
    too_large,
)
from graph_system.compatibility.response_formatter import ResponseFormatter

__all__ = [
    "MAX_BODY_BYTES",
    "LegacyAPIAdapter",
    "LegacyAPIError",
    "ResponseFormatter",
    "parse_request",
    "too_large",
]
