"""load: a Locust load test of legacy and graph at once, as one call.

Starts both services (unless their URLs are given), runs Locust headless with the shadow
user from ``locustfiles/shadow.py`` (a master and ``workers`` worker processes when
distributed, each replaying its own shard of the recording), keeps Locust's statistics as
RUN_DIR/locust.json (plus its CSV and HTML report), then analyzes, gates and reports into the
same RUN_DIR like ``replay``. The return value is the gate's exit code for ``step``.

Locust runs in subprocesses: it monkey-patches the standard library with gevent on import,
which must not happen in the harness's own (asyncio) process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.config import HarnessConfig, default_config_path, load_config
from harness.recording import BUNDLED_RECORDING, Recording
from harness.rundir import RUN_JSON, create_run_dir, read_run, write_json

LOCUSTFILES = Path(__file__).resolve().parent.parent / "locustfiles"
EXIT_CRASH = 1
EXIT_USAGE = 64
PROBE_TIMEOUT_S = 5.0
# Locust's own start-up, the master's wait for shards (30 s at most) and the gate.
GRACE_S = 120.0
WORKER_WAIT_MAX_S = 60

_TIMESPAN = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")


class LoadError(ValueError):
    """Bad input to a load test (the CLI's exit code 64); the message names what is wrong."""


def parse_run_time(text: str | float) -> int:
    """Seconds in Locust's spelling: ``45``, ``30s``, ``2m``, ``1h30m``."""
    value = str(text).strip().lower()
    if value.isdigit():
        seconds = int(value)
    else:
        match = _TIMESPAN.match(value)
        if not value or match is None:
            raise LoadError(f"--run-time {text!r}: use seconds or e.g. 30s, 2m, 1h30m")
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds < 1:
        raise LoadError(f"--run-time {text!r}: must be at least one second")
    return seconds


def _probe(side: str, url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise LoadError(f"--{side} {url!r}: not an http(s) URL")
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=PROBE_TIMEOUT_S):
            return
    except urllib.error.HTTPError:
        return  # it answered: reachable
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoadError(f"--{side} {url}: not reachable ({reason})") from None


@dataclass(frozen=True, slots=True)
class LocustPlan:
    """What Locust is asked to do; turned into command lines by :meth:`commands`."""

    run_dir: Path
    legacy: str
    graph: str
    recording: Path
    users: int
    spawn_rate: float
    seconds: int
    workers: int
    config_path: Path | None
    once: bool
    master_port: int | None = None
    locustfile: Path = LOCUSTFILES / "shadow.py"

    def _common(self) -> list[str]:
        return [sys.executable, "-m", "locust", "-f", str(self.locustfile)]

    def master(self) -> list[str]:
        run_dir = self.run_dir
        command = [
            *self._common(), "--headless", "--only-summary",
            "--users", str(self.users), "--spawn-rate", str(self.spawn_rate),
            "--run-time", f"{self.seconds}s", "--stop-timeout", "5",
            "--legacy-host", self.legacy, "--graph-host", self.graph,
            "--recording", str(self.recording), "--run-dir", str(run_dir),
            # run_load gates after its own analysis; a gate in the master would be done twice.
            "--gate-step", "none",
            # Locust adds ".json" to --json-file.
            "--json-file", str(run_dir / "locust"), "--csv", str(run_dir / "locust"),
            "--html", str(run_dir / "locust.html"),
            "--logfile", str(run_dir / "logs" / "locust-master.log"),
        ]
        if self.config_path is not None:
            command += ["--harness-config", str(self.config_path)]
        if self.once:
            command.append("--once")
        if self.workers:
            command += ["--master", "--master-bind-host", "127.0.0.1",
                        "--master-bind-port", str(self.master_port),
                        "--expect-workers", str(self.workers),
                        "--expect-workers-max-wait", str(WORKER_WAIT_MAX_S)]
        return command

    def worker(self, number: int) -> list[str]:
        return [*self._common(), "--worker", "--master-host", "127.0.0.1",
                "--master-port", str(self.master_port),
                "--logfile", str(self.run_dir / "logs" / f"locust-worker-{number}.log")]


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # Locust's SIGTERM handler still writes its statistics
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _spawn(command: list[str], output: Path) -> subprocess.Popen[bytes]:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run_locust(plan: LocustPlan) -> int:
    """Run the master (and workers) to the end; returns the master's exit code."""
    logs = plan.run_dir / "logs"
    master = _spawn(plan.master(), logs / "locust-master.out")
    workers = [_spawn(plan.worker(n), logs / f"locust-worker-{n}.out")
               for n in range(plan.workers)]
    try:
        try:
            return master.wait(timeout=plan.seconds + GRACE_S)
        except subprocess.TimeoutExpired:
            _stop(master, 30.0)
            return master.returncode if master.returncode is not None else EXIT_CRASH
    finally:
        _stop(master, 30.0)
        for worker in workers:
            try:  # the master's quit message ends them; give them time to close shards
                worker.wait(timeout=30.0)
            except subprocess.TimeoutExpired:
                _stop(worker, 10.0)


def _usage_lines(path: Path) -> str:
    text = path.read_text(errors="replace") if path.is_file() else ""
    lines = [line.removeprefix("shadow-harness: ") for line in text.splitlines()
             if line.startswith("shadow-harness: ")]
    return "; ".join(lines) or f"Locust refused its input, see {path}"


@contextmanager
def _targets(legacy: str | None, graph: str | None, profile: str,
             run_dir: Path) -> Iterator[tuple[str, str]]:
    if legacy is not None and graph is not None:
        yield legacy.rstrip("/"), graph.rstrip("/")
        return
    from harness.services import running_services

    with running_services(("legacy", "graph"), profile=profile,
                          log_dir=run_dir / "services") as services:
        yield services["legacy"].url, services["graph"].url


def _config(config: Path | HarnessConfig | None) -> tuple[HarnessConfig, Path | None]:
    if isinstance(config, HarnessConfig):
        raise LoadError("config: give the harness.toml path; the Locust processes read it")
    if config is None:
        config = default_config_path()
    loaded = load_config(config)
    return loaded, (Path(config).resolve() if config is not None else None)


def run_load(
    users: int,
    spawn_rate: float,
    run_time: str | float,
    workers: int = 0,
    out: Path | None = None,
    profile: str = "fast",
    legacy: str | None = None,
    graph: str | None = None,
    recording: Path | None = None,
    step: str | None = "day-8",
    config: Path | None = None,
    once: bool = False,
    echo: Callable[[str], None] | None = None,
) -> int:
    """Load-test legacy and graph with Locust's shadow user, then analyze, gate and report
    into ``out`` (default ``reports/<run-id>``). Returns ``step``'s gate exit code (0 ADVANCE,
    2 HOLD, 3 ROLLBACK, 4 INVALID; None gates every step: 3 or 4 if any step is ROLLBACK
    or INVALID, else 0), or 1 if Locust crashed. Raises LoadError (a ValueError) for bad
    input: nothing is started then."""
    say = echo or (lambda text: print(f"shadow-harness: {text}", file=sys.stderr))
    if users < 1 or spawn_rate <= 0 or workers < 0:
        raise LoadError("--users and --spawn-rate must be positive, --workers not negative")
    if workers > users:
        raise LoadError(f"--workers {workers} > --users {users}: a worker without users "
                        "would leave its shard of the recording unsent")
    if profile not in {"fast", "seed"}:
        raise LoadError(f"--profile must be fast or seed, not {profile!r}")
    if (legacy is None) != (graph is None):
        raise LoadError("give both --legacy and --graph, or neither (services are started)")
    seconds = parse_run_time(run_time)
    recording = Path(recording or BUNDLED_RECORDING).resolve()
    if not recording.is_file():
        raise FileNotFoundError(f"{recording}: recording not found")
    sum(1 for _ in Recording(recording))  # a bad line fails here, with its file and line
    cfg, config_path = _config(config)
    if step is not None:
        cfg.schedule.step(step)  # KeyError naming the known steps
    if legacy is not None and graph is not None:
        _probe("legacy", legacy)
        _probe("graph", graph)
    run_dir = create_run_dir(out).resolve()
    from harness.services import free_port

    with _targets(legacy, graph, profile, run_dir) as (legacy_url, graph_url):
        plan = LocustPlan(run_dir, legacy_url, graph_url, recording, users, spawn_rate,
                          seconds, workers, config_path, once,
                          master_port=free_port() if workers else None)
        say(f"load: {users} users, {workers or 'no'} workers, {seconds} s -> {run_dir}")
        code = run_locust(plan)
    if code == EXIT_USAGE:
        raise LoadError(_usage_lines(run_dir / "logs" / "locust-master.out"))
    if not any((run_dir / "shards").glob("results*.parquet")):
        say(f"Locust exited with code {code} before writing results; see {run_dir / 'logs'}")
        return EXIT_CRASH
    _note_run(run_dir, profile, plan)
    return _finalize(run_dir, cfg, step, say)


def _note_run(run_dir: Path, profile: str, plan: LocustPlan) -> None:
    run = read_run(run_dir)
    run.update(command="load", profile=profile)
    run.setdefault("locust", {}).update(users=plan.users, spawn_rate=plan.spawn_rate,
                                        run_time_s=plan.seconds, workers=plan.workers)
    write_json(run_dir / RUN_JSON, run)


def _finalize(run_dir: Path, config: HarnessConfig, step: str | None,
              say: Callable[[str], None]) -> int:
    try:
        from harness.gate import evaluate, exit_code
        from harness.pipeline import finalize
        from harness.results import read_results
    except ImportError as exc:
        say(f"cannot analyze, gate and report ({exc}); results are in {run_dir}")
        return EXIT_CRASH
    finalize(run_dir, config)  # summary.json, gate.json (every step), reports
    report = evaluate(read_results(run_dir), config, run=read_run(run_dir), step=step)
    code = exit_code(report, step)
    say(f"load: gate {step or 'all steps'} -> exit code {code}; RUN_DIR {run_dir}")
    return code


__all__ = ["LoadError", "LocustPlan", "parse_run_time", "run_load"]
