"""`direct_send.FrameWriter` writes exactly the bytes `websockets` would, and steps aside
whenever it could not.

Two protocols with the same negotiated extension send the same messages, one framed by
`websockets` (`send_text` + `data_to_send`), the other by the writer; the byte streams must
match, and a client protocol must read them back. The last test checks that a live server
frames its broadcasts this way; every real-socket test in this folder goes through it (the
test clients negotiate permessage-deflate).
"""

from __future__ import annotations

import random
import string

from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame
from websockets.protocol import CLIENT, SERVER, Protocol, State

from server_impl.ws.direct_send import FrameWriter
from tests.ws.live_ws import World
from tests.ws.test_ws_direct_receive import server_protocols

MESSAGES = [
    '{"type":"chat_message","seq":1}',
    "x" * 125,
    "y" * 126,
    "chat " * 3_000,  # 15,000 bytes that compress to a few dozen
    "".join(chr(0x4E00 + i % 500) for i in range(40_000)),  # 120,000 bytes of CJK
    "".join(random.Random(7).choices(string.ascii_letters, k=100_000)),  # > 65,535 compressed
    "会议 " * 20,
    "",
]


def deflate() -> PerMessageDeflate:
    """The extension as uvicorn's server negotiates it with a browser (context takeover)."""
    return PerMessageDeflate(False, False, 12, 12, {"memLevel": 5})


def protocol(side: object = SERVER, extension: Extension | None = None) -> Protocol:
    conn = Protocol(side, state=State.OPEN, max_size=None)  # type: ignore[arg-type]
    conn.extensions = [extension] if extension is not None else []
    return conn


def websockets_bytes(conn: Protocol, text: str) -> bytes:
    conn.send_text(text.encode())
    return b"".join(conn.data_to_send())


def read_back(stream: bytes, extension: Extension | None) -> list[str]:
    client = protocol(CLIENT, extension)
    client.receive_data(stream)
    return [event.data.decode() for event in client.events_received() if isinstance(event, Frame)]


def test_compressed_frames_are_the_bytes_websockets_writes() -> None:
    reference, ours = protocol(extension=deflate()), protocol(extension=deflate())
    writer = FrameWriter.for_protocol(ours)
    assert writer is not None
    expected, written = b"", b""
    for text in MESSAGES * 3:  # the compressor's window carries over between messages
        expected += websockets_bytes(reference, text)
        framed = writer.frame(text.encode())
        assert framed is not None
        written += framed
    assert written == expected
    assert read_back(written, deflate()) == MESSAGES * 3


def test_frames_written_either_way_share_one_compressor() -> None:
    """A message framed by `websockets` (say, while output was pending) and the next one
    framed by the writer continue the same deflate stream."""
    reference, ours = protocol(extension=deflate()), protocol(extension=deflate())
    writer = FrameWriter.for_protocol(ours)
    assert writer is not None
    expected = b"".join(websockets_bytes(reference, text) for text in MESSAGES)
    written = b""
    for i, text in enumerate(MESSAGES):
        framed = writer.frame(text.encode()) if i % 2 else None
        written += framed if framed is not None else websockets_bytes(ours, text)
    assert written == expected


def test_uncompressed_frames_are_the_bytes_websockets_writes() -> None:
    reference, ours = protocol(), protocol()
    writer = FrameWriter.for_protocol(ours)
    assert writer is not None
    for text in MESSAGES:
        assert writer.frame(text.encode()) == websockets_bytes(reference, text)


def test_states_it_does_not_frame_are_left_to_websockets() -> None:
    conn = protocol(extension=deflate())
    writer = FrameWriter.for_protocol(conn)
    assert writer is not None
    conn.send_ping(b"")  # unsent output: a frame now would overtake it
    assert writer.frame(b"hi") is None
    conn.data_to_send()
    conn.send_text(b"part", fin=False)  # a fragmented message under way
    assert writer.frame(b"hi") is None
    conn.send_continuation(b"", fin=True)
    conn.data_to_send()
    assert writer.frame(b"hi") is not None
    conn.send_close(1000)
    conn.data_to_send()
    assert conn.state is State.CLOSING
    assert writer.frame(b"hi") is None


def test_extensions_it_does_not_reproduce_are_left_to_websockets() -> None:
    assert FrameWriter.for_protocol(protocol(CLIENT)) is None  # a client masks its frames
    fresh_each_message = PerMessageDeflate(False, True, 12, 12)  # server_no_context_takeover
    assert FrameWriter.for_protocol(protocol(extension=fresh_each_message)) is None

    class Other(Extension):
        name = "x-other"

    assert FrameWriter.for_protocol(protocol(extension=Other())) is None


async def test_a_live_server_frames_its_broadcasts_with_the_writer(world: World) -> None:
    """Over real sockets (the clients negotiate permessage-deflate), the chat frames are
    written by `FrameWriter` with the connection's compressor, and read back intact."""
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    text = "会议 hello " * 50
    for i in range(3):
        await a.send("chat_message", {"room_id": meeting.id, "content": f"{i} {text}"})
        for client in (a, b):
            await client.next("chat_message", content=f"{i} {text}")
    members = {user.id for user in meeting.users}
    writers = []
    for protocol in server_protocols(world.server):
        sink = protocol.text_sink  # a partial of the endpoint's `_take_text` on the connection
        if sink is not None and sink.args[0].user_id in members:
            direct = sink.args[0]._direct
            writers.append(direct._writer if direct is not None else None)
    assert len(writers) == 2
    assert all(w is not None and w._deflate is not None for w in writers)
