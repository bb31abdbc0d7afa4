"""Our service, as `contractkit serve` runs it, configured for load: embedded SQLite in a fresh
data directory, cheap password hashing and relaxed REST rate limits (setup registers thousands
of users), a long heartbeat (idle load connections do not ping), 1 MiB protocol frame cap.

    taskset -c 0 python -m benchmarks.ws.serve_ours --port 8766 --data-dir /tmp/ck-bench
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import logging
import signal
from pathlib import Path
from typing import Any

import uvicorn

from server_impl.app import create_app
from server_impl.http.uvicorn_http import UVICORN_OPTIONS
from server_impl.settings import Settings


def _slow_callback_threshold(app: Any, seconds: float) -> Any:
    """Set the running loop's slow-callback threshold on the first ASGI call."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        if not loop.get_debug():
            loop.set_debug(True)
            loop.slow_callback_duration = seconds
        await app(scope, receive, send)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--no-gc-tuning", action="store_true")
    parser.add_argument(
        "--slow-callbacks",
        action="store_true",
        help="asyncio loop in debug mode: log every callback that blocks it for over 20 ms",
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile between SIGUSR1 and SIGUSR2, stats written here"
    )
    args = parser.parse_args()
    settings = Settings.from_env(
        data_dir=args.data_dir,
        bcrypt_rounds=4,
        login_rate_limit=10**9,
        register_rate_limit=10**9,
        swagger_ui=False,
        gc_tuning=not args.no_gc_tuning,
        extra={"ws": {"heartbeat_timeout_ms": 3_600_000}},
    )
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    logging.getLogger("server_impl.ws.gc_policy").setLevel(logging.INFO)
    app = create_app(settings)
    loop_kind = "auto"
    if args.slow_callbacks:
        loop_kind = "asyncio"
        logging.getLogger("asyncio").setLevel(logging.WARNING)
        app = _slow_callback_threshold(app, 0.02)
    run = functools.partial(
        uvicorn.run,
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        **UVICORN_OPTIONS,
        backlog=4096,
        timeout_keep_alive=60,
        loop=loop_kind,
    )
    if args.profile is not None:
        profiler = cProfile.Profile()
        path = args.profile

        def dump(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(path)

        signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
        signal.signal(signal.SIGUSR2, dump)
    run()


if __name__ == "__main__":
    main()
