"""Load test of the graph path alone: replays the recording against graph.

    locust -f locustfiles/graph.py --headless -u 20 -r 10 -t 30s --graph-host http://127.0.0.1:8002

Per-request rows go to RUN_DIR/shards/ with the legacy columns empty; no gate runs by default
(a single path has no parity evidence): pass --gate-step to gate one anyway.
"""

from __future__ import annotations

from _replay_user import SinglePathUser


class GraphUser(SinglePathUser):
    sides = ("graph",)
