"""Parity engine: does the graph answer exactly as legacy does, as a legacy client sees it?

Three layers, reported separately (protocol, semantic, format); noise learned from legacy
answered twice, which must still keep its shape; mismatch signatures for triage.
"""

from __future__ import annotations

from harness.parity.comparator import Comparator
from harness.parity.examples import ExampleSink
from harness.parity.noise import (
    NoiseField,
    NoiseModel,
    learn_noise,
    learn_noise_from_run,
    save_learned,
)
from harness.parity.paths import PathSyntaxError, wildcard
from harness.parity.signatures import (
    Signature,
    SignatureKey,
    list_signatures,
    render_signature,
    render_signatures,
    show_signature,
)

__all__ = [
    "Comparator",
    "ExampleSink",
    "NoiseField",
    "NoiseModel",
    "PathSyntaxError",
    "Signature",
    "SignatureKey",
    "learn_noise",
    "learn_noise_from_run",
    "list_signatures",
    "render_signature",
    "render_signatures",
    "save_learned",
    "show_signature",
    "wildcard",
]
