"""WAL checkpoints for the embedded SQLite, off the event loop.

SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past 1,000 pages:
it copies pages into the database file and syncs it, which takes milliseconds. Our connections
turn it off (`PRAGMA wal_autocheckpoint=0`) so a COMMIT only appends to the WAL (no sync with
`synchronous=NORMAL`) and can run on the loop's own thread. Instead, `WalCheckpointer` runs a
PASSIVE checkpoint on a worker thread, on its own connection, at most once per `interval`
after a commit: it never blocks readers or writers, and the WAL stays bounded by what the
server writes in about one interval.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)


def checkpoint(database: Path, busy_timeout_s: float) -> tuple[int, int, int]:
    """One PASSIVE checkpoint of `database`: (busy, WAL frames, frames checkpointed)."""
    conn = sqlite3.connect(str(database), timeout=busy_timeout_s, isolation_level=None)
    try:
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        conn.close()


class WalCheckpointer:
    """Checkpoints `database` on a worker thread, at most once per `interval` seconds."""

    def __init__(self, database: Path, *, interval: float = 1.0, busy_timeout_s: float = 5.0):
        self.database = database
        self.interval = interval
        self.busy_timeout_s = busy_timeout_s
        self.runs = 0
        self._last = time.monotonic()
        self._dirty = False
        self._task: asyncio.Task[None] | None = None

    def after_commit(self) -> None:
        """A write transaction committed: checkpoint soon (never on the caller's time)."""
        self._dirty = True
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._dirty:
                wait = self._last + self.interval - time.monotonic()
                if wait > 0:  # (in short steps, so a changed interval applies)
                    await asyncio.sleep(min(wait, 0.25))
                    continue
                self._dirty = False
                self._last = time.monotonic()
                try:
                    await asyncio.to_thread(checkpoint, self.database, self.busy_timeout_s)
                    self.runs += 1
                except sqlite3.Error as exc:  # e.g. the file went away in a test: not fatal
                    log.warning("sqlite: WAL checkpoint of %s failed: %s", self.database, exc)
        finally:
            self._task = None

    async def close(self) -> None:
        """Wait for a checkpoint in progress; the last connection's close does the final one."""
        task = self._task
        if task is not None:
            self._dirty = False
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
