"""Meeting events raised by REST operations, consumed by the WebSocket hub.

The REST services call these after their database transaction has committed. Until the
WebSocket hub is plugged in (`Services.set_events`, or `create_app(..., events=...)`), the
no-op implementation is used. A failing listener never fails the REST request: the error is
logged and the (already committed) result is returned.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


@runtime_checkable
class MeetingEvents(Protocol):
    """What the WebSocket hub implements to hear about REST-side changes."""

    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        """`user_id` joined `meeting_id` through `POST /meetings/{number}/join` (new joins only)."""

    async def participant_left(self, meeting_id: str, user_id: str) -> None:
        """`user_id` left through `POST /meetings/{id}/leave` (WS reason `left_meeting`)."""

    async def meeting_ended(self, meeting_id: str, ended_at: datetime) -> None:
        """The host ended the meeting through `POST /meetings/{id}/end`; everyone is out."""


class NoopEvents:
    """The default listener: ignores everything."""

    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        """Ignore."""

    async def participant_left(self, meeting_id: str, user_id: str) -> None:
        """Ignore."""

    async def meeting_ended(self, meeting_id: str, ended_at: datetime) -> None:
        """Ignore."""


class RecordingEvents:
    """Keeps every event in order; for tests and debugging (`events` attribute)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []

    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        """Record."""
        self.events.append(("participant_joined", meeting_id, user_id))

    async def participant_left(self, meeting_id: str, user_id: str) -> None:
        """Record."""
        self.events.append(("participant_left", meeting_id, user_id))

    async def meeting_ended(self, meeting_id: str, ended_at: datetime) -> None:
        """Record."""
        self.events.append(("meeting_ended", meeting_id, ended_at))


class FanoutEvents:
    """Deliver every event to several listeners, in order (one failing never stops the rest)."""

    def __init__(self, listeners: list[MeetingEvents]) -> None:
        self.listeners = listeners

    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        """Forward."""
        for listener in self.listeners:
            await notify_safely("participant_joined", listener, meeting_id, user_id)

    async def participant_left(self, meeting_id: str, user_id: str) -> None:
        """Forward."""
        for listener in self.listeners:
            await notify_safely("participant_left", listener, meeting_id, user_id)

    async def meeting_ended(self, meeting_id: str, ended_at: datetime) -> None:
        """Forward."""
        for listener in self.listeners:
            await notify_safely("meeting_ended", listener, meeting_id, ended_at)


async def notify_safely(coro_name: str, events: MeetingEvents, *args: object) -> None:
    """Call `events.<coro_name>(*args)`, logging (never raising) a listener failure."""
    try:
        await getattr(events, coro_name)(*args)
    except Exception:
        log.exception("meeting event listener failed: %s%r", coro_name, args)
