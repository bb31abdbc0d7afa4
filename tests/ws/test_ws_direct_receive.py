"""Messages handled inside the protocol's `data_received` (the text sink) keep the client's
order behind handlers that wait, and the sink lets go of the connection when it closes."""

from __future__ import annotations

import asyncio
from typing import Any

from server_impl.http.uvicorn_http import WebSocketsSansIOProtocol
from server_impl.ws.coroutines import run_until_wait
from tests.ws.live_ws import World


def server_protocols(live: Any) -> list[WebSocketsSansIOProtocol]:
    """The live server's open WebSocket protocols (uvicorn's own connection registry)."""
    return [
        p
        for p in list(live._server.server_state.connections)
        if type(p) is WebSocketsSansIOProtocol
    ]


async def test_a_chat_right_behind_a_join_waits_for_the_join(world: World) -> None:
    meeting = await world.meeting(2)
    host = await world.connect(meeting.host)
    await host.join(meeting.id)
    guest = await world.connect(meeting.users[1])
    join_seq = await guest.send("join_room", {"room_id": meeting.id})  # waits for the database
    chat_seq = await guest.send("chat_message", {"room_id": meeting.id, "content": "first!"})
    await guest.next("room_snapshot", room_id=meeting.id)
    chat = await guest.next("chat_message", content="first!")
    await host.next("user_joined", room_id=meeting.id)
    await host.next("chat_message", content="first!")
    assert join_seq < chat_seq and chat["data"]["sender"]["id"] == meeting.users[1].id


async def test_instant_messages_stay_behind_a_media_change_and_a_leave(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    room = {"room_id": meeting.id}
    await b.send("media_control", {**room, "action": "mute_audio", "value": True})
    await b.send("chat_message", {**room, "content": "muted now"})
    await b.send("ping", {"client_time": 7})
    changed = await a.next("media_state_changed", audio_muted=True)
    chat = await a.next("chat_message", content="muted now")
    assert changed["data"]["room_seq"] < chat["data"]["room_seq"]
    await b.next("media_state_changed")
    await b.next("chat_message")
    await b.next("pong", client_time=7)
    await b.send("leave_room", room)
    late = await b.send("chat_message", {**room, "content": "gone"})
    await b.next("user_left", room_id=meeting.id)  # the leaver hears it too
    await b.error_for(late, 40303)  # the leave came first
    await a.next("user_left", room_id=meeting.id)


async def test_the_sink_is_installed_while_open_and_dropped_at_the_close(world: World) -> None:
    before = {id(p) for p in server_protocols(world.server)}
    client = await world.connect(await world.user())
    await client.send("ping", {"client_time": 1})
    await client.next("pong", client_time=1)
    (mine,) = [p for p in server_protocols(world.server) if id(p) not in before]
    assert mine.text_sink is not None and not mine.read_paused
    await client.close()
    for _ in range(200):
        if mine.text_sink is None:
            break
        await asyncio.sleep(0.01)
    assert mine.text_sink is None  # no reference from the protocol to the connection is left


async def test_run_until_wait_finishes_in_place_or_hands_over_the_rest() -> None:
    trail: list[str] = []

    async def instant() -> None:
        trail.append("instant")

    async def waits(gate: asyncio.Future[str]) -> None:
        trail.append("before")
        trail.append(await gate)

    assert run_until_wait(instant()) is None and trail == ["instant"]
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    rest = run_until_wait(waits(gate))
    assert rest is not None and trail == ["instant", "before"]
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    gate.set_result("after")
    await task
    assert trail == ["instant", "before", "after"]
