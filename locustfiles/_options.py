"""The command-line options the locustfiles add to Locust's, and the settings read from them.

Every option also has a SHADOW_* environment variable, read as its default. The master
forwards custom options to its workers with each spawn message, so workers need only
``--worker`` and the locustfile. Locust already owns ``--config`` and ``--profile``, hence
``--harness-config``.

This module must not import locust or gevent: the tests use it in the pytest process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.recording import BUNDLED_RECORDING

AUTO = "auto"
NO_GATE = "none"


@dataclass(frozen=True, slots=True)
class Option:
    flag: str
    env: str
    help: str
    default: str | None = None
    flag_only: bool = False


OPTIONS: tuple[Option, ...] = (
    Option("--recording", "SHADOW_RECORDING",
           "Recording to replay (JSON Lines, optionally gzip); default the bundled sample.",
           default=str(BUNDLED_RECORDING)),
    Option("--legacy-host", "SHADOW_LEGACY_URL",
           "Legacy base URL (shadow.py, legacy.py; legacy.py falls back to --host)."),
    Option("--graph-host", "SHADOW_GRAPH_URL",
           "Graph base URL (shadow.py, graph.py; graph.py falls back to --host)."),
    Option("--run-dir", "SHADOW_RUN_DIR",
           "RUN_DIR for per-request results (shards/) and the gate; "
           "default reports/locust-<run-id>."),
    Option("--gate-step", "SHADOW_GATE_STEP",
           "Schedule step gated when Locust quits; its decision is the exit code. 'auto': "
           "day-8 when shadow users ran, no gate otherwise; 'none': no gate.", default=AUTO),
    Option("--harness-config", "SHADOW_CONFIG",
           "harness.toml for parity rules, timeouts and the schedule (default ./harness.toml "
           "or the plan's numbers)."),
    Option("--request-timeout", "SHADOW_REQUEST_TIMEOUT",
           "Per-request timeout in seconds (default the config's replay.timeout_s)."),
    Option("--once", "SHADOW_ONCE",
           "Replay the recording once and stop when it is done (default: start over until "
           "--run-time ends).", flag_only=True),
)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def add_arguments(parser: Any, environ: dict[str, str] | None = None) -> None:
    """Add the options to ``parser`` (Locust's parser, or a plain argparse one in tests)."""
    environ = dict(os.environ if environ is None else environ)
    group = parser.add_argument_group(
        "shadow-harness", "Replay a recording against legacy, graph or both (shadow).")
    for option in OPTIONS:
        if option.flag_only:
            group.add_argument(option.flag, action="store_true",
                               default=_truthy(environ.get(option.env)),
                               help=f"{option.help} [env {option.env}]")
        else:
            group.add_argument(option.flag, default=environ.get(option.env, option.default),
                               help=f"{option.help} [env {option.env}]")


class OptionError(ValueError):
    """A bad option value; the message names the option."""


@dataclass(frozen=True, slots=True)
class LoadSettings:
    recording: Path
    legacy: str | None
    graph: str | None
    run_dir: Path | None
    gate_step: str
    harness_config: Path | None
    request_timeout: float | None
    once: bool

    def gated_step(self, shadow: bool) -> str | None:
        """The step to gate, or None; 'auto' gates day-8 only when a shadow user ran, since
        a single-path run has no parity evidence for the gate to weigh."""
        if self.gate_step == NO_GATE:
            return None
        if self.gate_step == AUTO:
            return "day-8" if shadow else None
        return self.gate_step


def _url(value: str | None, flag: str) -> str | None:
    if not value:
        return None
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise OptionError(f"{flag}: {value!r} is not an http:// or https:// URL")
    return value


def settings_from(options: Any) -> LoadSettings:
    """Read the options from Locust's parsed options (an argparse Namespace)."""
    timeout = getattr(options, "request_timeout", None)
    if timeout not in (None, ""):
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise OptionError(f"--request-timeout: {timeout!r} is not a number") from None
        if timeout <= 0:
            raise OptionError(f"--request-timeout: must be positive, got {timeout}")
    else:
        timeout = None
    run_dir = getattr(options, "run_dir", None)
    config = getattr(options, "harness_config", None)
    return LoadSettings(
        recording=Path(getattr(options, "recording", None) or BUNDLED_RECORDING),
        legacy=_url(getattr(options, "legacy_host", None), "--legacy-host"),
        graph=_url(getattr(options, "graph_host", None), "--graph-host"),
        run_dir=Path(run_dir) if run_dir else None,
        gate_step=(getattr(options, "gate_step", None) or AUTO).strip(),
        harness_config=Path(config) if config else None,
        request_timeout=timeout,
        once=bool(getattr(options, "once", False)),
    )
