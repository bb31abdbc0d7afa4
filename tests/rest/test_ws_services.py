"""The service API the WebSocket relies on (docs/rest.md), on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from generated.errors import ApiError
from server_impl.db.migrate import upgrade
from server_impl.services import Services, build_services
from server_impl.services.chat import ChatInput
from tests.conftest import SettingsFactory


@pytest.fixture
async def services(make_settings: SettingsFactory) -> AsyncIterator[Services]:
    settings = make_settings()
    built = build_services(settings)
    await upgrade(built.db, settings.database_schema)
    yield built
    await built.close()


async def _user(services: Services, name: str) -> str:
    result = await services.accounts.register(f"{name}@example.com", "Password123", name, "ip")
    return result.user.id


async def test_authenticate_shared_with_rest(services: Services) -> None:
    user_id = await _user(services, "alice")
    tokens = services.tokens.issue(user_id, 0)
    principal = await services.tokens.authenticate(tokens.access_token)
    assert principal.user_id == user_id and principal.claims["typ"] == "access"
    with pytest.raises(ApiError) as refused:
        await services.tokens.authenticate(tokens.refresh_token)
    assert refused.value.code == 40103


async def test_membership_participant_view_and_media_state(services: Services) -> None:
    host, guest, stranger = [await _user(services, n) for n in ("host", "guest", "stranger")]
    meetings = services.meetings
    meeting = await meetings.create(host, "t", None, 4)
    assert (await meetings.membership(meeting.id, host)).participant is None
    assert (await meetings.membership(meeting.id, stranger)).meeting is None
    assert (await meetings.membership("meeting_bad", host)).meeting is None

    await meetings.join(guest, meeting.meeting_number, None, False, True, "ws://x/v1/ws")
    member = await meetings.membership(meeting.id, guest)
    assert member.meeting is not None and member.meeting.status.value == "active"
    assert member.participant is not None and member.participant.video_muted is True
    assert await meetings.is_active_participant(meeting.id, guest)
    assert not await meetings.is_active_participant(meeting.id, host)

    view = await meetings.set_media_state(meeting.id, guest, True, None)
    assert (view.audio_muted, view.video_muted) == (True, True)
    assert (await meetings.get_participant_view(meeting.id, guest)).audio_muted is True
    with pytest.raises(ApiError) as absent:
        await meetings.get_participant_view(meeting.id, stranger)
    assert absent.value.code == 40303
    assert [p.user_id for p in await meetings.present_participants(meeting.id)] == [guest]
    summary = await meetings.get_user_summary(guest)
    assert summary.id == guest and summary.nickname == "guest"

    await meetings.end(host, meeting.id)
    ended = await meetings.membership(meeting.id, guest)
    assert ended.meeting is not None and ended.meeting.status.value == "ended"
    assert ended.participant is None


async def test_chat_store_orders_and_rejects_duplicate_seqs(services: Services) -> None:
    host = await _user(services, "chatter")
    meeting = await services.meetings.create(host, None, None, 4)
    meetings = services.meetings
    assert await meetings.last_room_seq(meeting.id) == 0
    first = await meetings.save_chat_message(meeting.id, host, "你好", 3)
    assert first.message_id.startswith("msg_") and first.sender.id == host
    batch = [
        ChatInput(meeting.id, host, f"m{seq}", seq, f"msg_custom{seq}", datetime.now(UTC))
        for seq in (5, 4)
    ]
    saved = await meetings.save_chat_messages(batch)
    assert [r.message_id for r in saved] == ["msg_custom5", "msg_custom4"]
    recent = await meetings.recent_chat_messages(meeting.id, 2)
    assert [r.room_seq for r in recent] == [4, 5]
    assert [r.content for r in await meetings.recent_chat_messages(meeting.id, 10)] == [
        "你好",
        "m4",
        "m5",
    ]
    assert [r.room_seq for r in await meetings.chat.after(meeting.id, 3)] == [4, 5]
    assert await meetings.last_room_seq(meeting.id) == 5
    with pytest.raises(IntegrityError):
        await meetings.save_chat_message(meeting.id, host, "dup", 4)
    assert await meetings.last_room_seq(meeting.id) == 5
