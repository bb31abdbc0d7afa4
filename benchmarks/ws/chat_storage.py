"""What storing chat costs per row in SQLite, by schema and batch, side by side in one run.

    .venv/bin/python -m benchmarks.ws.chat_storage [--prefill 200000] [--rounds 3]

The chat writer's batches (`ServicesBackend.save_chat_messages`: multi-row INSERTs of
`sqlite_chat_inserts`, one transaction per batch) into a table with the migration's shape,
prefilled with `--prefill` rows spread over 1,250 meetings (5,000 sockets in rooms of 4), on
a file in WAL mode with the service's pragmas. Batches of 300 rows (50 ms of chat at
6,000 msg/s) and of 1,500 (250 ms); a PASSIVE checkpoint after every 6,000 rows (1 s). Variants,
interleaved round by round: the real schema (`service`), without the `(meeting_id,
room_seq)` unique index (`no-index`), with foreign keys off (`no-fk`), with a 16 MB page
cache (`cache-16mb`), with statement journals in temporary files (`temp-file`: SQLite's
default, which the service overrides with `temp_store=MEMORY`). Prints CPU microseconds per
row: insert + commit, and checkpoint.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict

from server_impl.db.sync_sqlite import PRAGMAS
from server_impl.ws.adapter import sqlite_chat_inserts

MEETINGS = 1_250
VARIANTS = ("service", "no-index", "no-fk", "cache-16mb", "temp-file")
Row = tuple[str, str, str, str, int, str]


def create(variant: str, folder: str) -> sqlite3.Connection:
    """A fresh database file in `folder` with the service's pragmas and the chat table's
    shape."""
    db = sqlite3.connect(os.path.join(folder, "chat.db"), isolation_level=None)
    for pragma in PRAGMAS:
        db.execute(pragma)
    if variant == "cache-16mb":
        db.execute("PRAGMA cache_size=-16384")
    if variant == "temp-file":
        db.execute("PRAGMA temp_store=DEFAULT")
    db.execute("CREATE TABLE users (id VARCHAR(50) PRIMARY KEY)")
    db.execute("CREATE TABLE meetings (id VARCHAR(50) PRIMARY KEY)")
    unique = "" if variant == "no-index" else ", UNIQUE (meeting_id, room_seq)"
    db.execute(
        "CREATE TABLE chat_messages (id VARCHAR(50) NOT NULL PRIMARY KEY,"
        " meeting_id VARCHAR(50) NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,"
        " sender_id VARCHAR(50) NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        f" content TEXT NOT NULL, room_seq BIGINT NOT NULL, created_at DATETIME NOT NULL{unique})"
    )
    db.execute("BEGIN")
    db.executemany("INSERT INTO meetings VALUES (?)", [(meeting(i),) for i in range(MEETINGS)])
    db.executemany("INSERT INTO users VALUES (?)", [(user(i),) for i in range(MEETINGS)])
    db.execute("COMMIT")
    if variant == "no-fk":
        db.execute("PRAGMA foreign_keys=OFF")
    return db


def meeting(i: int) -> str:
    return f"meeting_{i:024x}"


def user(i: int) -> str:
    return f"user_{i:024x}"


class Chat:
    """Messages in random rooms, each with its room's next `room_seq`."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.count = 0
        self.seqs = [1_796_647_056_446_000] * MEETINGS

    def rows(self, n: int) -> list[Row]:
        out = []
        for _ in range(n):
            room = self.random.randrange(MEETINGS)
            self.count += 1
            self.seqs[room] += 1
            content = f"b{self.count} " + "x" * 200
            created = "2026-12-07 10:00:20.123000"
            out.append((f"msg_{self.count:024x}", meeting(room), user(room), content,
                        self.seqs[room], created))  # fmt: skip
        return out


def write(db: sqlite3.Connection, rows: list[Row]) -> None:
    db.execute("BEGIN IMMEDIATE")
    for sql, params in sqlite_chat_inserts(rows):
        db.execute(sql, params)
    db.execute("COMMIT")


def measure(variant: str, batch: int, prefill: int, rows: int) -> tuple[float, float]:
    """(insert + commit, checkpoint) CPU microseconds per row."""
    with tempfile.TemporaryDirectory(prefix="ck-chat-bench-") as folder:  # ~100 MB each
        db = create(variant, folder)
        try:
            return _measure(db, batch, prefill, rows)
        finally:
            db.close()


def _measure(db: sqlite3.Connection, batch: int, prefill: int, rows: int) -> tuple[float, float]:
    chat = Chat(seed=1)
    for _ in range(prefill // 1000):
        write(db, chat.rows(1000))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writing = checkpointing = 0.0
    since_checkpoint = 0
    for _ in range(rows // batch):
        batch_rows = chat.rows(batch)
        started = time.process_time()
        write(db, batch_rows)
        writing += time.process_time() - started
        since_checkpoint += batch
        if since_checkpoint >= 6_000:
            since_checkpoint = 0
            started = time.process_time()
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            checkpointing += time.process_time() - started
    return writing / rows * 1e6, checkpointing / rows * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefill", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=18_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)
    for _ in range(args.rounds):
        for variant in VARIANTS:
            for batch in (300, 1500):
                results[variant, batch].append(measure(variant, batch, args.prefill, args.rows))
    print(f"CPU us per chat row, {args.prefill} rows before, median of {args.rounds} rounds")
    base = statistics.median(w for w, _ in results["service", 300])
    for (variant, batch), samples in results.items():
        write_us = statistics.median(w for w, _ in samples)
        ckpt_us = statistics.median(c for _, c in samples)
        print(
            f"{variant:<11} batch {batch:>5}: insert+commit {write_us:6.2f}"
            f"  checkpoint {ckpt_us:5.2f}  ({write_us / base:.2f}x service@300)"
        )


if __name__ == "__main__":
    main()
