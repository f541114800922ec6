"""The shadow-harness command line: a thin layer over the library's functions.

Exit codes (DESIGN.md): 0 ADVANCE (or nothing rolled back), 2 HOLD, 3 ROLLBACK, 4 INVALID,
1 crashed, 64 bad usage or bad input (the message names the file and line, key or URL).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from harness.recording import BUNDLED_RECORDING

app = typer.Typer(
    name="shadow-harness",
    help="Replay recorded traffic against legacy and graph, check exact legacy-format parity, "
    "and gate each step of the migration schedule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_CRASH = 1
EXIT_USAGE = 64

RunDir = Annotated[Path, typer.Argument(help="A run directory (reports/<run-id>).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="harness.toml to use.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ProfileOpt = Annotated[str, typer.Option("--profile", help="Service profile: seed or fast.")]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _echo_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
                                  | orjson.OPT_SERIALIZE_NUMPY).decode() + "\n")
    sys.stdout.flush()


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"shadow-harness: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _bad_input() -> Iterator[None]:
    """Turn the library's input errors into one clear line and exit code 64."""
    from harness.config import ConfigError
    from harness.recording import RecordingError

    try:
        yield
    except (ConfigError, RecordingError, FileNotFoundError, ValueError, KeyError) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise _fail(str(text)) from None


def _config_for(run_dir: Path | None, path: Path | None):
    """--config if given, else the config the run was made with, else harness.toml/defaults."""
    from harness.config import load_config, parse_config
    from harness.rundir import read_run

    if path is not None or run_dir is None:
        return load_config(path)
    recorded = read_run(run_dir).get("config")
    return parse_config(recorded, f"{run_dir}/run.json: config") if recorded else load_config()


def _require_run_dir(run_dir: Path) -> Path:
    if not run_dir.is_dir():
        raise _fail(f"{run_dir}: no such run directory")
    return run_dir


def _print_overview(run_dir: Path) -> None:
    from harness.overview import render_overview
    from harness.rundir import GATE_JSON, SUMMARY_JSON, read_json

    gate_path = run_dir / GATE_JSON
    gate = read_json(gate_path) if gate_path.is_file() else None
    _console().print(render_overview(read_json(run_dir / SUMMARY_JSON), gate, str(run_dir)))


def _gate_exit(run_dir: Path, step: str | None) -> int:
    from harness.gate import exit_code
    from harness.pipeline import run_gate

    report = run_gate(run_dir, _config_for(run_dir, None), step=step)
    return exit_code(report, step)


@app.command(epilog="Example: shadow-harness demo --requests 2000 --profile seed")
def demo(
    requests: Annotated[int, typer.Option("--requests", min=1, help="Requests to replay.")] = 2000,
    concurrency: Annotated[int, typer.Option(min=1, help="Pairs in flight.")] = 200,
    profile: ProfileOpt = "seed",
    out: Annotated[Path | None, typer.Option(help="RUN_DIR (default reports/<run-id>).")] = None,
    recording: Annotated[Path, typer.Option(help="Recording to replay.")] = BUNDLED_RECORDING,
    noise_sample: Annotated[int, typer.Option(
        min=0, help="Ask legacy twice for the first N requests, to learn noise.")] = 200,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start legacy and graph on free loopback ports, replay the bundled recording against
    both, analyze, gate every schedule step, write the reports and stop both services."""
    from harness.demo import run_demo

    if profile not in {"seed", "fast"}:
        raise _fail(f"--profile must be seed or fast, not {profile!r}")
    with _bad_input():
        run_dir = run_demo(requests=requests, concurrency=concurrency, profile=profile,
                           out=out, recording=recording, config=_config_for(None, config),
                           progress=None if not as_json else False,
                           noise_sample=noise_sample)
    if as_json:
        from harness.rundir import GATE_JSON, SUMMARY_JSON, read_json

        _echo_json({"run_dir": str(run_dir), "summary": read_json(run_dir / SUMMARY_JSON),
                    "gate": read_json(run_dir / GATE_JSON)})
    else:
        _print_overview(run_dir)
    raise typer.Exit(_gate_exit(run_dir, None))


@app.command(epilog="Example: shadow-harness serve legacy --port 8001 --profile seed\n"
             "         shadow-harness serve proxy --legacy http://127.0.0.1:8001 "
             "--graph http://127.0.0.1:8002 --mode shadow --port 8000")
def serve(
    kind: Annotated[str, typer.Argument(help="legacy, graph or proxy")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    profile: ProfileOpt = "seed",
    legacy: Annotated[str | None, typer.Option(help="proxy: legacy base URL.")] = None,
    graph: Annotated[str | None, typer.Option(help="proxy: graph base URL.")] = None,
    mode: Annotated[str, typer.Option(help="proxy: shadow or split.")] = "shadow",
    admin_token: Annotated[str | None, typer.Option(
        help="proxy: admin bearer token (default: $SHADOW_ADMIN_TOKEN).")] = None,
    state_db: Annotated[Path | None, typer.Option(help="proxy: SQLite state file.")] = None,
    run_dir: Annotated[Path | None, typer.Option(help="proxy: RUN_DIR for mirrored pairs.")
                       ] = None,
    record_to: Annotated[Path | None, typer.Option(help="proxy: write a recording here.")
                         ] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the legacy stub, the graph service or the shadow/split proxy over HTTP."""
    if kind == "proxy":
        _serve_proxy(legacy, graph, mode, host, port, admin_token, state_db, run_dir,
                     record_to, config)
        return
    import uvicorn

    if profile not in {"seed", "fast"}:
        raise _fail(f"--profile must be seed or fast, not {profile!r}")
    if kind == "legacy":
        from legacy_stub.app import create_app
    elif kind == "graph":
        from graph_system.app import create_app
    else:
        raise _fail(f"unknown service {kind!r}: choose legacy, graph or proxy")
    uvicorn.run(create_app(profile=profile), host=host, port=port, log_level="warning",
                access_log=False)


def _serve_proxy(legacy: str | None, graph: str | None, mode: str, host: str, port: int,
                 admin_token: str | None, state_db: Path | None, run_dir: Path | None,
                 record_to: Path | None, config: Path | None) -> None:
    if not legacy or not graph:
        raise _fail("serve proxy needs --legacy URL and --graph URL")
    if mode not in {"shadow", "split"}:
        raise _fail(f"--mode must be shadow or split, not {mode!r}")
    from graph_system.routing import serve as serve_proxy

    with _bad_input():
        serve_proxy(legacy=legacy, graph=graph, mode=mode, host=host, port=port,
                    admin_token=admin_token or os.environ.get("SHADOW_ADMIN_TOKEN"),
                    state_db=state_db, run_dir=run_dir, record_to=record_to, config=config)


@app.command(epilog="Example: shadow-harness replay recordings/sample.jsonl.gz "
             "--legacy http://127.0.0.1:8001 --graph http://127.0.0.1:8002 --concurrency 64")
def replay(
    recording: Annotated[Path, typer.Argument(help="JSON Lines recording (.jsonl or .jsonl.gz).")],
    legacy: Annotated[str, typer.Option(help="Legacy base URL.")],
    graph: Annotated[str, typer.Option(help="Graph base URL.")],
    secondary: Annotated[str | None, typer.Option(
        help="A second legacy instance, to learn which fields differ by themselves.")] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, help="Closed loop: pairs in flight."
                                                    )] = None,
    rate: Annotated[float | None, typer.Option(min=0.001, help="Open loop: pairs per second.")
                    ] = None,
    speed: Annotated[float | None, typer.Option(
        min=0.001, help="Open loop: recorded timing divided by this (2 = twice as fast).")
    ] = None,
    timeout: Annotated[float | None, typer.Option(min=0.001, help="Per-side timeout, s.")
                       ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Replay only the first N.")] = None,
    noise_sample: Annotated[int, typer.Option(
        min=0, help="Ask legacy twice for the first N requests, to learn noise.")] = 0,
    skip_invalid: Annotated[bool, typer.Option(
        help="Count and list malformed lines instead of stopping.")] = False,
    transport: Annotated[str | None, typer.Option(
        help="HTTP client: lean (default, measured fastest) or aiohttp.")] = None,
    step: Annotated[str | None, typer.Option(help="Exit with this step's decision.")] = None,
    config: ConfigOpt = None,
    out: Annotated[Path | None, typer.Option(help="RUN_DIR (default reports/<run-id>).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay a recording against legacy and graph at once, then analyze, gate and report."""
    from harness.pipeline import ReplayOptions, Targets, replay_run
    from harness.rundir import create_run_dir

    for name, url in (("--legacy", legacy), ("--graph", graph), ("--secondary", secondary)):
        if url is not None and not url.startswith(("http://", "https://")):
            raise _fail(f"{name} {url!r}: not an http(s) URL")
    if transport not in {None, "lean", "aiohttp"}:
        raise _fail(f"--transport must be lean or aiohttp, not {transport!r}")
    with _bad_input():
        cfg = _config_for(None, config)
        if step is not None:
            cfg.schedule.step(step)
        if not recording.is_file():
            raise FileNotFoundError(f"{recording}: recording not found")
        run_dir = create_run_dir(out)
        summary = replay_run(
            run_dir, recording, Targets(legacy, graph, secondary), cfg,
            ReplayOptions(concurrency=concurrency, rate=rate, speed=speed, timeout_s=timeout,
                          limit=limit, skip_invalid=skip_invalid, noise_sample=noise_sample,
                          transport=transport,  # type: ignore[arg-type]
                          progress=False if as_json else None),
        )
    if as_json:
        _echo_json({"run_dir": str(run_dir), "summary": summary})
    else:
        _print_overview(run_dir)
    raise typer.Exit(_gate_exit(run_dir, step))


@app.command(epilog="Example: shadow-harness analyze reports/latest --json\n"
             "         shadow-harness analyze reports/latest --learn-noise harness.toml")
def analyze(
    run_dir: RunDir,
    learn_noise: Annotated[Path | None, typer.Option(
        "--learn-noise", help="Save the fields the run learned to be noise into this "
        "harness.toml as [[parity.learned]] (needs --noise-sample or --secondary).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute summary.json from results.parquet (and run.json)."""
    from harness.analysis import write_summary
    from harness.overview import render_overview

    _require_run_dir(run_dir)
    with _bad_input():
        summary = write_summary(run_dir)
        if learn_noise is not None:
            _save_noise(run_dir, learn_noise)
    if as_json:
        _echo_json(summary)
    else:
        _console().print(render_overview(summary, None, str(run_dir)))


def _save_noise(run_dir: Path, config_path: Path) -> None:
    from harness.parity import learn_noise_from_run, save_learned

    rules = _config_for(run_dir, None).parity
    model = learn_noise_from_run(run_dir, rules)
    if not model.fields:
        raise ValueError(f"{run_dir}: no pairs with a second legacy answer to learn noise "
                         "from (replay with --noise-sample N or --secondary URL)")
    save_learned(model, config_path)
    typer.echo(f"learned noise: {', '.join(model.noisy_paths) or 'no path'} -> {config_path}",
               err=True)


@app.command(epilog="Example: shadow-harness gate reports/latest --step day-9 --json")
def gate(
    run_dir: RunDir,
    step: Annotated[str | None, typer.Option(help="Judge only this step (e.g. day-9).")] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide each schedule step from the run's evidence: ADVANCE (0), HOLD (2),
    ROLLBACK (3), INVALID (4)."""
    from harness.gate import exit_code, render_gate
    from harness.pipeline import run_gate

    _require_run_dir(run_dir)
    with _bad_input():
        cfg = _config_for(run_dir, config)
        if step is not None:
            cfg.schedule.step(step)
        report = run_gate(run_dir, cfg, step=step)
    if as_json:
        _echo_json(report.to_dict())
    else:
        _console().print(render_gate(report))
    raise typer.Exit(exit_code(report, step))


@app.command(epilog="Example: shadow-harness report reports/latest --format html,md")
def report(
    run_dir: RunDir,
    formats: Annotated[str, typer.Option("--format", help="Comma list of html, md, junit, json."
                                         )] = "html,md,junit,json",
) -> None:
    """Regenerate the reports of a RUN_DIR from its results alone."""
    from harness.report import write_reports

    _require_run_dir(run_dir)
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = sorted(set(chosen) - {"html", "md", "junit", "json"})
    if unknown or not chosen:
        raise _fail(f"--format: unknown format(s) {', '.join(unknown) or '(none)'}; "
                    "choose from html, md, junit, json")
    with _bad_input():
        from harness.analysis import write_summary
        from harness.pipeline import run_gate

        write_summary(run_dir)
        run_gate(run_dir, _config_for(run_dir, None))
        for path in write_reports(run_dir, chosen):
            typer.echo(str(path))


@app.command(epilog="Example: shadow-harness mismatches reports/latest --show 3")
def mismatches(
    run_dir: RunDir,
    show: Annotated[str | None, typer.Option(help="Print the full pair of one signature.")
                    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List mismatch signatures (endpoint, path, kind, layer) with counts and examples."""
    from harness.parity import signatures as sig

    _require_run_dir(run_dir)
    with _bad_input():
        if show is not None:
            detail = sig.show_signature(run_dir, show)
            if as_json:
                _echo_json(detail.to_dict() if hasattr(detail, "to_dict") else detail)
            else:
                _console().print(sig.render_signature(detail))
            return
        found = sig.list_signatures(run_dir)
    if as_json:
        _echo_json([s.to_dict() for s in found])
    else:
        _console().print(sig.render_signatures(found))


@app.command(epilog="Example: shadow-harness compare reports/run-a reports/run-b")
def compare(
    run_a: Annotated[Path, typer.Argument(help="The earlier RUN_DIR.")],
    run_b: Annotated[Path, typer.Argument(help="The later RUN_DIR.")],
    as_json: JsonOpt = False,
) -> None:
    """Show what changed between two runs: latency shifts, new and fixed signatures."""
    from harness.report import compare_runs, render_comparison

    _require_run_dir(run_a)
    _require_run_dir(run_b)
    with _bad_input():
        comparison = compare_runs(run_a, run_b)
    if as_json:
        _echo_json(comparison.to_dict())
    else:
        _console().print(render_comparison(comparison))


@app.command(epilog="Example: shadow-harness load --profile fast --users 20 --spawn-rate 10 "
             "--run-time 10s --workers 2")
def load(
    users: Annotated[int, typer.Option(min=1, help="Concurrent Locust users.")],
    spawn_rate: Annotated[float, typer.Option(min=0.001, help="Users started per second.")],
    run_time: Annotated[str, typer.Option(help="How long, e.g. 30s, 2m.")],
    legacy: Annotated[str | None, typer.Option(help="Legacy base URL (else started here).")
                      ] = None,
    graph: Annotated[str | None, typer.Option(help="Graph base URL (else started here).")
                     ] = None,
    profile: ProfileOpt = "fast",
    workers: Annotated[int, typer.Option(min=0, help="Distributed: worker processes.")] = 0,
    recording: Annotated[Path | None, typer.Option(help="Recording to replay.")] = None,
    step: Annotated[str, typer.Option(help="Step whose decision is the exit code.")] = "day-8",
    once: Annotated[bool, typer.Option(help="Replay the recording exactly once, then stop.")
                    ] = False,
    config: ConfigOpt = None,
    out: Annotated[Path | None, typer.Option(help="RUN_DIR (default reports/<run-id>).")] = None,
) -> None:
    """Run Locust headless against legacy and graph (shadow user), then analyze, gate and
    report; the exit code is the gate's."""
    from harness.load import run_load

    if (legacy is None) != (graph is None):
        raise _fail("give both --legacy and --graph, or neither (services are started here)")
    with _bad_input():
        code = run_load(users=users, spawn_rate=spawn_rate, run_time=run_time, workers=workers,
                        out=out, profile=profile, legacy=legacy, graph=graph,
                        recording=recording, step=step, config=config, once=once)
    raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]


if __name__ == "__main__":  # pragma: no cover
    main()
