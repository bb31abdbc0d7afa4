"""The pure pieces of the signaling layer: rate limit, frames, origin and token handling."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import UTC

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from server_impl.ws.adapter import parse_iso, sqlite_chat_inserts, sqlite_datetime
from server_impl.ws.endpoint import peek_seq
from server_impl.ws.frames import Frame, iso_now, new_message_id
from server_impl.ws.ratelimit import RateLimiter, Verdict
from server_impl.ws.security import RedactTokens, origin_allowed, take_token


def test_rate_limiter_allows_the_burst_then_limits_then_closes() -> None:
    limiter = RateLimiter(rate=10, burst=5, flood_tolerance=3, now=0.0)
    verdicts = [limiter.check(0.0) for _ in range(10)]
    assert verdicts[:5] == [Verdict.OK] * 5
    assert verdicts[5:8] == [Verdict.LIMITED] * 3
    assert verdicts[8:] == [Verdict.FLOOD] * 2


def test_rate_limiter_recovers_when_the_client_slows_down() -> None:
    limiter = RateLimiter(rate=10, burst=2, flood_tolerance=5, now=0.0)
    for _ in range(4):
        limiter.check(0.0)  # 2 over: a debt of 2
    assert limiter.check(0.0) is Verdict.LIMITED
    assert limiter.check(0.5) is Verdict.OK  # 5 tokens earned pay the debt back
    assert [limiter.check(10.0) for _ in range(2)] == [Verdict.OK, Verdict.OK]  # capped at burst
    assert limiter.check(10.0) is Verdict.LIMITED


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"pong","seq":0,"timestamp":5,"data":{"seq":0,"x":"\\"seq\\":9"}}',
        '{"type": "pong", "seq": 123, "timestamp": 5, "data": {}}',
    ],
)
def test_a_frame_is_the_envelope_with_each_connections_seq(text: str) -> None:
    frame = Frame.from_json("pong", text)
    for seq in (1, 42, 9007199254740991):
        out = json.loads(frame.render(seq))
        assert out["seq"] == seq
        assert out["data"] == json.loads(text)["data"]


def test_timestamps_and_message_ids_have_the_contract_shapes() -> None:
    stamp = iso_now()
    assert len(stamp) == 24 and stamp.endswith("Z") and stamp[19] == "."
    ids = {new_message_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("msg_") and len(i) == 28 for i in ids)


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "ok"),
    [
        (None, "h:1", (), True),
        ("https://app.example.com", "h:1", ("https://app.example.com",), True),
        ("https://APP.example.com/", "h:1", ("https://app.example.com",), True),
        ("https://evil.example.com", "h:1", ("https://app.example.com",), False),
        ("http://h:1", "h:1", (), True),  # same origin
        ("http://h:2", "h:1", (), False),
        ("null", "h:1", (), False),
        ("null", "h:1", ("*",), True),
        ("ftp://h:1", "h:1", (), False),
    ],
)
def test_origin_allow_list(
    origin: str | None, host: str, allowed: tuple[str, ...], ok: bool
) -> None:
    assert origin_allowed(origin, host, allowed) is ok


def test_the_token_is_taken_out_of_the_scope() -> None:
    scope = {"query_string": b"x=1&access_token=abc.def.ghi&y=2"}
    assert take_token(scope) == "abc.def.ghi"
    assert scope["query_string"] == b"x=1&access_token=[redacted]&y=2"
    assert take_token({"query_string": b""}) is None
    assert take_token({"query_string": b"access_token="}) is None


def test_the_log_filter_scrubs_tokens() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/v1/ws?access_token=secret.jwt.value"),
        None,
    )
    RedactTokens().filter(record)
    assert "secret" not in record.getMessage()
    assert "access_token=[redacted]" in record.getMessage()


@pytest.mark.parametrize(
    ("raw", "seq"),
    [
        ('{"type":"x","data":{"a":1},"seq":17}', 17),
        (b'{"seq": 3}', 3),
        ('{"seq": -1}', None),
        ('{"seq": 1.5}', None),
        ('{"seq": true}', None),
        ("[1]", None),
        ("not json", None),
    ],
)
def test_peek_seq_reads_only_a_valid_seq(raw: str | bytes, seq: int | None) -> None:
    assert peek_seq(raw) == seq


def test_gc_policy_collects_after_churn_and_restores_the_interpreter() -> None:
    import gc

    from server_impl.ws.gc_policy import GcPolicy

    before = gc.get_threshold()
    policy = GcPolicy(churn_min=3, churn_ratio=0.0, freeze_interval=3600)
    policy.install()
    try:
        assert gc.get_threshold()[0] == policy.gen0_threshold
        assert gc.get_freeze_count() > 0
        policy.tick(live_connections=10)
        assert policy.stats.full_collections == 0
        for _ in range(3):
            policy.connection_closed()
        policy.tick(live_connections=10)
        assert policy.stats.full_collections == 1
    finally:
        policy.uninstall()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    "value", ["2026-02-14T10:00:20.123Z", "2026-12-31T23:59:59.999Z", "2026-02-14T10:00:20+08:00"]
)
def test_chat_rows_use_sqlalchemys_sqlite_datetime_format(value: str) -> None:
    dialect = sqlite.dialect()
    bind = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    expected = bind(parse_iso(value).astimezone(UTC).replace(tzinfo=None))
    assert sqlite_datetime(value) == expected


@pytest.mark.parametrize("count", [0, 1, 3, 255, 256, 257, 700])
def test_chat_batches_become_a_few_multi_row_inserts_that_store_every_row(count: int) -> None:
    rows = [
        (f"msg_{i:04d}", "meeting_1", "usr_1", f"hello {i}", i, "2026-02-14 10:00:20.123000")
        for i in range(count)
    ]
    statements = sqlite_chat_inserts(rows)
    sizes = [len(params) // 6 for _, params in statements]
    assert all(size & (size - 1) == 0 and size <= 256 for size in sizes)  # powers of two
    assert len(statements) == count // 256 + (count % 256).bit_count()
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE chat_messages (id TEXT PRIMARY KEY, meeting_id TEXT, sender_id TEXT, "
        "content TEXT, room_seq INTEGER, created_at TEXT)"
    )
    for sql, params in statements:
        db.execute(sql, params)
    stored = db.execute(
        "SELECT id, meeting_id, sender_id, content, room_seq, created_at FROM chat_messages "
        "ORDER BY room_seq"
    ).fetchall()
    assert stored == rows


def test_gc_policy_without_a_churn_trigger_only_collects_on_its_interval() -> None:
    from server_impl.ws.gc_policy import GcPolicy

    policy = GcPolicy(churn_min=0, freeze_interval=3600, full_interval=3600)
    policy.install()
    try:
        for _ in range(50_000):
            policy.connection_closed()
        policy.tick(live_connections=10, now=time.monotonic() + 10)
        assert policy.stats.full_collections == 0
        policy.tick(live_connections=10, now=time.monotonic() + 3601)
        assert policy.stats.full_collections == 1
    finally:
        policy.uninstall()


def test_gc_policy_trims_the_heap_after_churn() -> None:
    from server_impl.ws.gc_policy import GcPolicy

    policy = GcPolicy(trim_after_closed=3, freeze_interval=3600, full_interval=3600)
    policy.install()
    try:
        policy.connection_closed()
        policy.connection_closed()
        policy.tick(live_connections=10)
        assert policy.stats.trims == 0
        policy.connection_closed()
        policy.tick(live_connections=10)
        assert policy.stats.trims == 1
        assert policy.stats.full_collections == 0  # the frozen generation is never walked
    finally:
        policy.uninstall()


def test_gc_policy_freezes_what_survives_a_young_collection() -> None:
    import gc

    from server_impl.ws.gc_policy import GcPolicy

    policy = GcPolicy(freeze_interval=3600, full_interval=3600, freeze_young_from=100)
    policy.install()
    gc.disable()  # only the collections below run (their callbacks still do)
    try:
        policy.tick(live_connections=99)
        few: list[object] = [object()]
        gc.collect(0)
        assert any(o is few for o in gc.get_objects())  # few sockets: promoted, not frozen
        policy.tick(live_connections=100)
        survivor: list[object] = [object()]
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert any(o is survivor for o in gc.get_objects(0))
        assert gc.collect(0) >= 1  # young cyclic garbage is still collected
        assert not any(o is survivor for o in gc.get_objects())  # frozen: walked by none
        assert gc.is_tracked(survivor)
        assert policy.stats.collections[0] >= 1
    finally:
        gc.enable()
        policy.uninstall()
    assert any(o is survivor for o in gc.get_objects())


def test_gc_policy_runs_a_full_collection_when_rss_doubles() -> None:
    from server_impl.ws.gc_policy import GcPolicy

    mb = 2**20
    rss = [100 * mb]
    policy = GcPolicy(freeze_interval=3600, full_interval=3600, rss_bytes=lambda: rss[0])
    policy.install()
    try:
        rss[0] = 300 * mb  # tripled, but by less than 512 MB
        policy.tick(live_connections=10)
        assert policy.stats.full_collections == 0
        rss[0] = 700 * mb
        policy.tick(live_connections=10)
        assert policy.stats.full_collections == 1
        policy.tick(live_connections=10)  # measured from the RSS after that collection
        assert policy.stats.full_collections == 1
        rss[0] = 1400 * mb
        policy.tick(live_connections=10)
        assert policy.stats.full_collections == 2
    finally:
        policy.uninstall()


def test_direct_sender_only_for_uvicorns_own_send() -> None:
    from server_impl.ws.direct_send import DirectSender

    async def asgi_send(message: dict[str, object]) -> None:
        return None

    assert DirectSender.for_send(asgi_send) is None  # any other server: the ASGI path
