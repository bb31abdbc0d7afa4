"""Our service, as `contractkit serve` runs it, configured for load: embedded SQLite in a fresh
data directory, cheap password hashing and relaxed REST rate limits (setup registers thousands
of users), a long heartbeat (idle load connections do not ping), 1 MiB protocol frame cap.

    taskset -c 0 python -m benchmarks.ws.serve_ours --port 8766 --data-dir /tmp/ck-bench
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import logging
import signal
from pathlib import Path

import uvicorn

from server_impl.app import create_app
from server_impl.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--no-gc-tuning", action="store_true")
    parser.add_argument("--profile", type=Path, help="write cProfile stats here at exit")
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
    run = functools.partial(
        uvicorn.run,
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=1 << 20,
        backlog=4096,
        timeout_keep_alive=60,
    )
    if args.profile is None:
        run()
        return
    profiler = cProfile.Profile()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        profiler.runcall(run)
    except KeyboardInterrupt:
        pass
    finally:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
