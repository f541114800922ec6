"""The load test's life cycle in one Locust process, wired to Locust's events.

- init: the master (or the only process) checks the inputs and fails fast with one clear
  line and exit code 64: a missing or bad recording, an unreachable target, an unknown
  step, a bad config. Workers check nothing yet: the master's options reach them with the
  first spawn message.
- test_start: the master clears old shards, writes run.json and sends every worker its
  shard of the recording (ranked by Locust's worker index); each sending process opens its
  feed and its Parquet shard.
- test_stop: each sending process writes the first lap's unsent requests as skipped and
  closes its shard.
- quitting: the master (or the only process) waits for the shards, completes run.json and
  gates the configured step; the gate's code becomes Locust's exit code.

Imported by every locustfile; Python imports it once, so the listeners are added once however
many locustfiles are loaded together.
"""

from __future__ import annotations

import logging
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from _feed import WHOLE, Item, RecordingFeed, ShardPlan
from _finish import finish_run, start_run
from _options import LoadSettings, OptionError, add_arguments, settings_from
from _rows import unsent_row
from _shards import ShardWriter, clear_shards, examples_path, shard_path
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from harness.config import ConfigError, HarnessConfig, load_config
from harness.parity import Comparator, ExampleSink
from harness.recording import Recording, RecordingError
from harness.rundir import new_run_id

logger = logging.getLogger("shadow-harness")

PLAN_MESSAGE = "shadow_harness_plan"
SHARD_MESSAGE = "shadow_harness_shard"
DRAINED_MESSAGE = "shadow_harness_drained"
FINISH_MESSAGE = "shadow_harness_finish"
FINISHED_MESSAGE = "shadow_harness_finished"
FINISH_WAIT_S = 60.0
EXIT_USAGE = 64
PROBE_TIMEOUT_S = 5.0
# The gate reads reasons starting with "interrupted" as an interrupted run (INVALID).
UNSENT_REASON = "interrupted: the test ended before it was answered"


class ProcessRun:
    """What this process sends and where its rows go, for one test."""

    def __init__(self, settings: LoadSettings, config: HarnessConfig, plan: ShardPlan | None,
                 run_dir: Path) -> None:
        self.plan = plan
        if plan is not None and not settings.recording.is_file():
            # The master checked its own copy; a worker on another machine may lack it.
            logger.error("shadow-harness: %s: recording not found on this worker; it replays "
                         "nothing", settings.recording)
            plan = None
        # A worker with no plan (it joined after the start) replays nothing, so that nothing
        # is sent twice; its empty feed is simply exhausted.
        self.feed = RecordingFeed(settings.recording, plan, loop=not settings.once) \
            if plan else None
        self.writer = ShardWriter(shard_path(run_dir), config.replay.batch_size)
        self.examples = ExampleSink(examples_path(self.writer.path),
                                    config.parity.examples_per_path)
        self.examples.open()
        self.comparator = Comparator(config.parity)
        self.once = settings.once
        self.timeout_s = settings.request_timeout or config.replay.timeout_s
        self.drained_reported = False
        self.closed = False

    def take(self) -> Item | None:
        if self.closed or self.feed is None:
            return None
        return self.feed.take()

    def record(self, item: Item, row: dict[str, Any]) -> None:
        if self.closed:  # a late answer after the stop: its request is already skipped
            return
        self.writer.add(row)
        self.feed.done(item)

    @property
    def drained(self) -> bool:
        return self.feed is None or (self.feed.exhausted and self.feed.in_flight == 0)

    def close(self) -> Path:
        """Account for what was not sent and close the shard (its examples first: a complete
        shard means complete examples). With ``--once`` the recording is the test, so its
        unsent requests are rows, skipped as interrupted (the gate's INVALID, as for an
        interrupted replay); otherwise the run time is the test and the recording a pool."""
        if not self.closed:
            self.closed = True
            if self.feed is not None and self.once:
                for item in self.feed.unsent():
                    self.writer.add(unsent_row(item, UNSENT_REASON))
            self.examples.close()
        return self.writer.close()


@dataclass
class Context:
    """This process's state across the test; one per process."""

    settings: LoadSettings | None = None
    config: HarnessConfig | None = None
    targets: dict[str, str] = field(default_factory=dict)
    plan: ShardPlan | None = None
    run: ProcessRun | None = None
    record: dict[str, Any] | None = None  # run.json, master or local only
    announced: set[str] = field(default_factory=set)  # shard paths, master only
    planned: set[str] = field(default_factory=set)  # worker ids given a shard, master only
    drained: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)  # workers whose shard is closed


CONTEXT = Context()


def _fail(message: str) -> None:
    # Straight to stderr: Locust's log may be going to a --logfile nobody reads.
    sys.stderr.write(f"shadow-harness: {message}\n")
    sys.exit(EXIT_USAGE)


def _probe(side: str, url: str) -> None:
    """Any HTTP answer means reachable; only no answer at all is fatal."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=PROBE_TIMEOUT_S):
            return
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        _fail(f"{side} target {url} is not reachable ({reason})")


def _targets(environment: Environment, settings: LoadSettings) -> dict[str, str]:
    targets: dict[str, str] = {}
    for user_class in environment.user_classes:
        resolve = getattr(user_class, "targets", None)
        if resolve is not None:
            targets.update(resolve(settings, environment.host))
    return targets


def _uses_shadow(environment: Environment) -> bool:
    return any(getattr(cls, "gated", False) for cls in environment.user_classes)


def _load(environment: Environment) -> tuple[LoadSettings, HarnessConfig, dict[str, str]]:
    settings = settings_from(environment.parsed_options)
    config = load_config(settings.harness_config)
    return settings, config, _targets(environment, settings)


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    add_arguments(parser)


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(PLAN_MESSAGE, _on_plan)
        runner.register_message(FINISH_MESSAGE, _on_finish)
        return
    try:
        settings, config, targets = _load(environment)
        step = settings.gated_step(_uses_shadow(environment))
        if step is not None:
            config.schedule.step(step)
        requests = sum(1 for _ in Recording(settings.recording))
    except (OptionError, ConfigError, RecordingError, FileNotFoundError) as exc:
        _fail(str(exc))
    except KeyError as exc:
        _fail(f"--gate-step: {exc.args[0]}")
    for side, url in targets.items():
        _probe(side, url)
    run_dir = settings.run_dir or Path("reports") / f"locust-{new_run_id()}"
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"--run-dir {run_dir}: cannot be created ({exc.strerror})")
    # Written back so the master forwards it to the workers with the spawn message.
    environment.parsed_options.run_dir = str(run_dir)
    CONTEXT.settings, CONTEXT.config, CONTEXT.targets = settings_from(
        environment.parsed_options), config, targets
    logger.info("shadow-harness: %s (%d requests) -> %s; results in %s", settings.recording,
                requests, ", ".join(f"{k} {v}" for k, v in targets.items()), run_dir)
    if isinstance(runner, MasterRunner):
        runner.register_message(SHARD_MESSAGE, _on_shard)
        runner.register_message(DRAINED_MESSAGE, _on_drained)
        runner.register_message(FINISHED_MESSAGE, _on_finished)


def _on_plan(environment: Environment, msg: Any, **_: Any) -> None:
    CONTEXT.plan = ShardPlan(msg.data["index"], msg.data["count"])


def _on_shard(environment: Environment, msg: Any, **_: Any) -> None:
    CONTEXT.announced.add(msg.data["path"])


def _on_finished(environment: Environment, msg: Any, **_: Any) -> None:
    CONTEXT.finished.add(msg.node_id)


def _on_finish(environment: Environment, msg: Any, **_: Any) -> None:
    """On a worker: stop the users (each may finish its pair within --stop-timeout), close
    the shard, and report the last statistics before saying so. Locust itself flushes a
    worker's statistics only after the master has stopped listening, so without this the
    master's locust.json would miss the last seconds of every worker."""
    runner = environment.runner
    runner.stop()
    runner._send_stats()  # private, but the only way to flush before the quit message
    runner.send_message(FINISHED_MESSAGE, {"rows": CONTEXT.run.writer.rows
                                           if CONTEXT.run else 0})


def _finish_workers(runner: MasterRunner) -> None:
    """On the master, as the test stops: have every worker finish and wait until each has,
    so its statistics are merged and its shard is complete before Locust quits."""
    connected = {worker.id for worker in runner.clients.all}
    waiting = (CONTEXT.planned & connected) - CONTEXT.finished
    for worker_id in waiting:
        runner.send_message(FINISH_MESSAGE, None, client_id=worker_id)
    deadline = time.monotonic() + FINISH_WAIT_S + (runner.environment.stop_timeout or 0)
    while waiting - CONTEXT.finished and time.monotonic() < deadline:
        if not {worker.id for worker in runner.clients.all} & waiting:
            break  # they quit on their own; their shards are awaited at the end
        gevent.sleep(0.05)
    late = waiting - CONTEXT.finished
    if late:
        logger.warning("shadow-harness: %d worker(s) did not finish in time", len(late))


def _on_drained(environment: Environment, msg: Any, **_: Any) -> None:
    CONTEXT.drained.add(msg.node_id)
    if CONTEXT.planned and CONTEXT.planned <= CONTEXT.drained:
        _end_test(environment, "every worker replayed its whole shard")


def _end_test(environment: Environment, reason: str) -> None:
    logger.info("shadow-harness: %s, stopping", reason)
    options = environment.parsed_options
    runner = environment.runner
    # Off the calling greenlet: quit() kills the users, possibly the caller itself.
    gevent.spawn(runner.quit if options is not None and options.headless else runner.stop)


def _send_plans(runner: MasterRunner) -> None:
    workers = sorted(runner.clients.ready + runner.clients.running + runner.clients.spawning,
                     key=lambda worker: runner.get_worker_index(worker.id))
    CONTEXT.planned = {worker.id for worker in workers}
    CONTEXT.drained.clear()
    CONTEXT.finished.clear()
    CONTEXT.announced.clear()
    for rank, worker in enumerate(workers):
        runner.send_message(PLAN_MESSAGE, {"index": rank, "count": len(workers)},
                            client_id=worker.id)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        try:
            CONTEXT.settings, CONTEXT.config, CONTEXT.targets = _load(environment)
        except (OptionError, ConfigError) as exc:
            logger.error("shadow-harness: %s; this worker replays nothing", exc)
            return
    settings, config = CONTEXT.settings, CONTEXT.config
    if settings is None or config is None:
        return
    run_dir = Path(environment.parsed_options.run_dir)
    if isinstance(runner, WorkerRunner):
        if CONTEXT.plan is None:
            logger.error("shadow-harness: no shard plan from the master (joined late?); "
                         "this worker replays nothing")
        CONTEXT.run = ProcessRun(settings, config, CONTEXT.plan, run_dir)
        runner.send_message(SHARD_MESSAGE, {"path": str(CONTEXT.run.writer.path.resolve())})
        return
    clear_shards(run_dir)
    workers = 0
    if isinstance(runner, MasterRunner):
        _send_plans(runner)
        workers = len(CONTEXT.planned)
    CONTEXT.record = start_run(
        run_dir, targets=CONTEXT.targets, recording=settings.recording, once=settings.once,
        config=config, timeout_s=settings.request_timeout or config.replay.timeout_s,
        users=[cls.__name__ for cls in environment.user_classes], workers=workers)
    if not isinstance(runner, MasterRunner):
        CONTEXT.run = ProcessRun(settings, config, WHOLE, run_dir)
        CONTEXT.announced = {str(CONTEXT.run.writer.path.resolve())}


def report_drained(environment: Environment) -> None:
    """Called by users when the feed is exhausted: in --once mode the test ends when every
    process has replayed its whole shard."""
    run = CONTEXT.run
    if run is None or run.drained_reported or not run.drained:
        return
    run.drained_reported = True
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(DRAINED_MESSAGE, {"rows": run.writer.rows})
    else:
        _end_test(environment, "the whole recording was replayed")


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner) and CONTEXT.planned:
        _finish_workers(environment.runner)
    if CONTEXT.run is not None and not CONTEXT.run.closed:
        path = CONTEXT.run.close()
        logger.info("shadow-harness: %d rows in %s", CONTEXT.run.writer.rows, path)


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if CONTEXT.run is not None and not CONTEXT.run.closed:
        runner.stop()  # stops the users first, then test_stop closes the shard
    if isinstance(runner, WorkerRunner) or CONTEXT.record is None:
        return
    settings, config = CONTEXT.settings, CONTEXT.config
    assert settings is not None and config is not None
    finish = finish_run(
        Path(environment.parsed_options.run_dir), CONTEXT.record,
        [Path(p) for p in sorted(CONTEXT.announced)],
        settings.gated_step(_uses_shadow(environment)), config)
    for message in finish.messages:
        logger.info("shadow-harness: %s", message)
    if finish.code is not None:
        environment.process_exit_code = finish.code


def context() -> Context:
    return CONTEXT
