"""WebSocket settings: one frozen dataclass, read from `CONTRACTKIT_WS_*` variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "CONTRACTKIT_WS_"


@dataclass(frozen=True, slots=True)
class WsSettings:
    """Limits and timers of the signaling socket (documented in docs/ws.md)."""

    #: ping interval the server suggests in `connected` (ms)
    heartbeat_interval_ms: int = 30_000
    #: a connection silent for this long is closed with 4008 (ms)
    heartbeat_timeout_ms: int = 60_000
    #: how long a dropped connection keeps its place in a room before `user_left` (ms)
    disconnect_grace_ms: int = 5_000
    #: how long after a drop a `resume` can still replay missed events (ms)
    resume_window_ms: int = 120_000
    #: room events kept per room for resume (older ones: `history_unavailable`)
    history_size: int = 512
    #: chat messages in a `room_snapshot`
    snapshot_messages: int = 50
    #: largest accepted message (bytes); larger ones get 41302 and the socket stays open
    max_message_bytes: int = 64 * 1024
    #: sustained client messages per second, and the burst above it
    rate_per_second: float = 30.0
    rate_burst: int = 60
    #: rate-limited messages tolerated (beyond the burst) before closing with 4029
    rate_flood_tolerance: int = 60
    #: frames queued for one client before it counts as a slow consumer and is closed
    max_outbox_frames: int = 2_048
    #: allowed `Origin` values; "*" allows any; same-origin and absent Origin always pass
    allowed_origins: tuple[str, ...] = ()
    #: housekeeping tick (heartbeat sweep, GC policy) (ms)
    sweep_interval_ms: int = 1_000
    #: manage the garbage collector (freeze after warm-up, raised thresholds)
    gc_policy: bool = True
    #: closed connections (and at least this share of the live ones) before a full
    #: collection (a pause proportional to the live sockets). 0, the default, is off: served
    #: with `server_impl.http.uvicorn_http`'s protocols (contractkit.yaml `serve.uvicorn`) a
    #: closed socket leaves no cyclic garbage. Set it (e.g. 10,000) under plain uvicorn, whose
    #: upgraded HTTP protocols and WebSocket frame parsers stay behind as cycles.
    gc_full_after_closed: int = 0
    gc_full_churn_ratio: float = 1.0

    def replace(self, **changes: Any) -> WsSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> WsSettings:
        """Settings from `CONTRACTKIT_WS_<FIELD>` variables, then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = tuple(o.strip() for o in raw.split(",") if o.strip())
        values.update(overrides)
        return cls(**values)
