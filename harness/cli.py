"""The shadow-harness command line: a thin layer over the library's functions."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

app = typer.Typer(
    name="shadow-harness",
    help="Replay recorded traffic against legacy and graph, check exact legacy-format parity, "
    "and gate each step of the migration schedule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_CRASH = 1
EXIT_USAGE = 64

Profile = Annotated[str, typer.Option("--profile", help="Latency/fault profile: seed or fast.")]


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"shadow-harness: {message}", err=True)
    return typer.Exit(code)


@app.command(epilog="Example: shadow-harness serve legacy --port 8001 --profile seed")
def serve(
    kind: Annotated[str, typer.Argument(help="legacy, graph or proxy")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    profile: Profile = "seed",
) -> None:
    """Serve the legacy stub, the graph service or the shadow/split proxy over HTTP."""
    import uvicorn

    if profile not in {"seed", "fast"}:
        raise _fail(f"--profile must be seed or fast, not {profile!r}")
    os.environ.setdefault("SHADOW_PROFILE", profile)
    if kind == "legacy":
        from legacy_stub.app import create_app
    elif kind == "graph":
        from graph_system.app import create_app
    else:
        raise _fail(f"unknown service {kind!r}: choose legacy, graph or proxy")
    uvicorn.run(create_app(profile=profile), host=host, port=port, log_level="warning",
                access_log=False, loop="auto", http="auto")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]


if __name__ == "__main__":  # pragma: no cover
    main()
