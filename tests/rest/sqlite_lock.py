"""Test helper (no tests here): another connection holds a SQLite file's write lock while a
write of ours waits for it; did the event loop keep running meanwhile?"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path


async def tick_until_stopped(ticks: list[float], stop: asyncio.Event) -> None:
    """Append the time every 10 ms until `stop` is set: gaps show a stalled loop."""
    while not stop.is_set():
        ticks.append(time.monotonic())
        await asyncio.sleep(0.01)


async def wait_behind_another_writer(
    path: Path, write: Callable[[], Awaitable[object]], *, hold: float = 0.5, value: int | None
) -> tuple[float, int]:
    """Run `write` while another connection holds the lock for `hold` s (after inserting
    `value` into `t`, if given); return how long it waited and the loop's ticks meanwhile."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if value is not None:
        other.execute("INSERT INTO t VALUES (?)", (value,))
    threading.Timer(hold, other.execute, args=("COMMIT",)).start()
    ticks: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(tick_until_stopped(ticks, stop))
    started = time.monotonic()
    try:
        await write()
    finally:
        waited = time.monotonic() - started
        stop.set()
        await ticker
        other.close()
    return waited, len([t for t in ticks if t - started < waited])
