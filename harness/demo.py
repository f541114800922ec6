"""demo: the main job on an embedded default. Both services start on free loopback ports,
the bundled recording is replayed against them, and the run is analyzed, gated and reported.
The services are stopped on every way out: success, crash or Ctrl-C."""

from __future__ import annotations

from pathlib import Path

from harness.config import HarnessConfig
from harness.pipeline import ReplayOptions, Targets, replay_run
from harness.recording import BUNDLED_RECORDING
from harness.rundir import create_run_dir
from harness.services import running_services


def run_demo(
    requests: int = 2000,
    concurrency: int = 200,
    profile: str = "seed",
    out: Path | None = None,
    recording: Path | None = None,
    config: HarnessConfig | None = None,
    progress: bool | None = None,
    noise_sample: int = 200,
) -> Path:
    """Replay ``requests`` recorded requests against freshly started services; returns
    the complete RUN_DIR. Legacy is asked twice for the first ``noise_sample`` requests, so
    the report can show which fields differ by themselves."""
    recording = Path(recording or BUNDLED_RECORDING)
    if not recording.is_file():
        raise FileNotFoundError(f"{recording}: recording not found")
    config = config or HarnessConfig()
    run_dir = create_run_dir(out)
    with running_services(("legacy", "graph"), profile=profile,
                          log_dir=run_dir / "services") as services:
        replay_run(
            run_dir,
            recording,
            Targets(services["legacy"].url, services["graph"].url),
            config,
            ReplayOptions(concurrency=concurrency, limit=requests, progress=progress,
                          noise_sample=min(noise_sample, requests)),
            command="demo",
            extra={"profile": profile},
        )
    return run_dir
