"""REST joins, leaves and ends reach the meeting-event listener after their commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from server_impl.app import create_app
from server_impl.events import RecordingEvents
from tests.conftest import LiveServer, SettingsFactory, register_user

from .helpers import create_meeting, join


class ExplodingEvents(RecordingEvents):
    """A listener that records, then fails."""

    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        await super().participant_joined(meeting_id, user_id)
        raise RuntimeError("listener bug")


@pytest.fixture
def recorded(make_settings: SettingsFactory) -> Iterator[tuple[LiveServer, RecordingEvents]]:
    events = RecordingEvents()
    settings = make_settings()
    server = LiveServer(settings, create_app(settings, events=events)).start()
    yield server, events
    server.stop()


def test_join_leave_end_are_announced_once_each(
    recorded: tuple[LiveServer, RecordingEvents],
) -> None:
    server, events = recorded
    with server.client() as api:
        host, guest = register_user(api), register_user(api)
        meeting = create_meeting(api, host)
        join(api, host, meeting["meeting_number"])
        join(api, guest, meeting["meeting_number"])
        join(api, guest, meeting["meeting_number"])  # idempotent: no second event
        api.post(f"/meetings/{meeting['id']}/leave", headers=guest.headers)
        api.post(f"/meetings/{meeting['id']}/end", headers=host.headers)
        api.post(f"/meetings/{meeting['id']}/end", headers=host.headers)  # 409: no event
        ended_at = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"][
            "ended_at"
        ]
    mid = meeting["id"]
    assert [e[:2] for e in events.events] == [
        ("participant_joined", mid),
        ("participant_joined", mid),
        ("participant_left", mid),
        ("meeting_ended", mid),
    ]
    assert [e[2] for e in events.events[:3]] == [host.id, guest.id, guest.id]
    stamp = events.events[3][2]
    assert isinstance(stamp, datetime)
    assert stamp == datetime.fromisoformat(ended_at.replace("Z", "+00:00"))


def test_a_failing_listener_does_not_fail_the_request(make_settings: SettingsFactory) -> None:
    events = ExplodingEvents()
    settings = make_settings()
    server = LiveServer(settings, create_app(settings, events=events)).start()
    try:
        with server.client() as api:
            host = register_user(api)
            meeting = create_meeting(api, host)
            assert join(api, host, meeting["meeting_number"]).status_code == 200
        assert events.events == [("participant_joined", meeting["id"], host.id)]
    finally:
        server.stop()
