"""Load test of the legacy path alone: replays the recording against legacy.

    locust -f locustfiles/legacy.py --headless -u 20 -r 10 -t 30s --legacy-host http://127.0.0.1:8001

Per-request rows go to RUN_DIR/shards/ with the graph columns empty; no gate runs by default
(a single path has no parity evidence): pass --gate-step to gate one anyway.
"""

from __future__ import annotations

from _replay_user import SinglePathUser


class LegacyUser(SinglePathUser):
    sides = ("legacy",)
