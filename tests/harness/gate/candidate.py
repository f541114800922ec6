"""A candidate graph service for the gate's scenario tests: a proxy in front of legacy that
is made 40 % slower, fails 8 % of requests, or breaks a critical path, one mode per port.

    python candidate.py UPSTREAM_URL slow:PORT errors:PORT critical:PORT

Faults are counted, not drawn: exactly every 25th pair of requests fails twice (8 %), and
every 50th completed answer says "complete" instead of "completed", so a scenario's evidence
does not depend on luck.
"""

from __future__ import annotations

import asyncio
import sys
from itertools import count

from aiohttp import ClientSession, ClientTimeout, web

DROP = {"host", "content-length", "transfer-encoding", "connection"}
COMPLETED = b'"status": "completed"'


def candidate(upstream: str, mode: str, session: list[ClientSession]) -> web.Application:
    served = count()

    async def handle(request: web.Request) -> web.Response:
        number = next(served)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROP}
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with session[0].request(request.method, upstream + request.path_qs,
                                      data=body, headers=headers) as answer:
            payload = await answer.read()
            status = answer.status
            content_type = answer.headers.get("content-type", "application/json")
        if mode == "slow":
            await asyncio.sleep(0.4 * (loop.time() - started))
        elif mode == "errors" and number % 25 < 2:
            return web.Response(status=500, body=b'{"status": "error"}',
                                content_type="application/json")
        elif mode == "critical" and COMPLETED in payload and number % 50 == 0:
            payload = payload.replace(COMPLETED, b'"status": "complete"', 1)
        return web.Response(status=status, body=payload, headers={"content-type": content_type})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def main(upstream: str, modes: list[tuple[str, int]]) -> None:
    session: list[ClientSession] = []
    runners = []
    for mode, port in modes:
        runner = web.AppRunner(candidate(upstream.rstrip("/"), mode, session),
                               access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    async with ClientSession(timeout=ClientTimeout(total=30)) as client:
        session.append(client)
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    upstream_url, *specs = sys.argv[1:]
    asyncio.run(main(upstream_url, [(m, int(p)) for m, p in (s.split(":") for s in specs)]))
