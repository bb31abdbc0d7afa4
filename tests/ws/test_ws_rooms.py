"""Rooms and presence: REST admission, snapshots, user_joined/user_left with counts, leave,
disconnect grace, REST leave and REST end (meeting_ended, then 4010)."""

from __future__ import annotations

from tests.ws.live_ws import World, WsClient


async def test_only_users_admitted_over_rest_may_enter(world: World) -> None:
    meeting = await world.meeting(1, join=False)  # the creator has not joined yet
    creator = await world.connect(meeting.host)
    seq = await creator.send("join_room", {"room_id": meeting.id})
    await creator.error_for(seq, 40303)  # sees the meeting, not admitted
    stranger = await world.connect(await world.user())
    for room_id in (meeting.id, "meeting_" + "0" * 24, "x", "meeting_\u0000"):
        seq = await stranger.send("join_room", {"room_id": room_id})
        await stranger.error_for(seq, 40402)  # no hint whether it exists
    await world.rest.join(meeting.host.token, meeting.number)
    snapshot = await creator.join(meeting.id)
    assert [p["user_id"] for p in snapshot["data"]["participants"]] == [meeting.host.id]


async def test_four_users_see_each_other_join_with_counts_and_mute_states(world: World) -> None:
    users = [await world.user(f"n{i}") for i in range(4)]
    meeting = await world.rest.create_meeting(users[0].token, max_participants=4)
    for i, user in enumerate(users):
        await world.rest.join(user.token, meeting["meeting_number"], audio_muted=i == 2)
    clients: list[WsClient] = []
    for i, user in enumerate(users):
        client = await world.connect(user)
        snapshot = (await client.join(meeting["id"]))["data"]
        assert snapshot["participant_count"] == i + 1
        assert [p["user_id"] for p in snapshot["participants"]] == [u.id for u in users[: i + 1]]
        assert [p["audio_muted"] for p in snapshot["participants"]] == [
            j == 2 for j in range(i + 1)
        ]
        for earlier in clients:
            joined = await earlier.next("user_joined", participant_count=i + 1)
            assert joined["data"]["user"] == {
                "id": user.id,
                "nickname": user.nickname,
                "avatar": None,
            }
            assert joined["data"]["audio_muted"] is (i == 2)
            assert joined["data"]["room_seq"] == snapshot["room_seq"]
        clients.append(client)
    for client in clients:
        assert await client.sync() == []


async def test_joining_twice_only_refreshes_the_snapshot(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    again = await a.join(meeting.id)
    assert again["data"]["participant_count"] == 2
    assert await b.sync() == []


async def test_leave_room_tells_everyone_including_the_leaver(world: World) -> None:
    meeting = await world.meeting(3)
    a, b, c = await world.in_room(meeting)
    await b.send("leave_room", {"room_id": meeting.id})
    for client in (a, b, c):
        left = await client.next("user_left", user_id=meeting.users[1].id, reason="left")
        assert left["data"]["participant_count"] == 2
    seq = await b.send("leave_room", {"room_id": meeting.id})
    await b.error_for(seq, 40303)
    seq = await b.send("chat_message", {"room_id": meeting.id, "content": "still here?"})
    await b.error_for(seq, 40303)
    assert await a.sync() == []
    snapshot = await b.join(meeting.id)  # may come back: still admitted over REST
    assert snapshot["data"]["participant_count"] == 3
    await a.next("user_joined", participant_count=3)


async def test_a_dropped_connection_leaves_after_the_grace_period(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    a.drop()
    left = await b.next("user_left", user_id=meeting.users[0].id, reason="disconnected")
    assert left["data"]["participant_count"] == 1


async def test_rest_leave_removes_the_user_from_the_room(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    await world.rest.leave(meeting.users[1].token, meeting.id)
    for client in (a, b):
        await client.next("user_left", user_id=meeting.users[1].id, reason="left_meeting")
    seq = await b.send("join_room", {"room_id": meeting.id})
    await b.error_for(seq, 40303)  # no longer admitted
    detail = await world.rest.detail(meeting.host.token, meeting.id)
    assert [p["user_id"] for p in detail["participants"]] == [meeting.host.id]


async def test_ending_the_meeting_over_rest_closes_every_socket_with_4010(world: World) -> None:
    meeting = await world.meeting(3)
    clients = await world.in_room(meeting)
    await world.rest.end(meeting.host.token, meeting.id)
    seqs = set()
    for client in clients:
        ended = await client.next("meeting_ended", room_id=meeting.id)
        seqs.add(ended["data"]["room_seq"])
        assert (await client.closed())[0] == 4010
    assert len(seqs) == 1  # one room event, the same for everyone
    late = await world.connect(meeting.users[1])
    seq = await late.send("join_room", {"room_id": meeting.id})
    await late.error_for(seq, 40903)


async def test_one_socket_in_two_rooms_keeps_them_apart(world: World) -> None:
    first = await world.meeting(2)
    second = await world.meeting(1)
    await world.rest.join(first.users[1].token, second.number)
    a, b = await world.in_room(first)
    other = await world.connect(second.host)
    await other.join(second.id)
    await b.join(second.id)
    await other.next("user_joined", room_id=second.id)
    await b.send("chat_message", {"room_id": second.id, "content": "second room"})
    await b.next("chat_message", room_id=second.id)
    await other.next("chat_message", room_id=second.id, content="second room")
    assert await a.sync() == []  # nothing from the other room
