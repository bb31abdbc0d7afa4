"""Writing a text frame straight to uvicorn's WebSocket protocol, when that is what serves us.

An ASGI `websocket.send` under uvicorn's `websockets-sansio` protocol is a coroutine that
checks the socket's state, frames (and compresses) the text and writes it to the transport.
For a socket that is open and writable, `DirectSender.try_send` does exactly those steps
without the coroutine and the message dict: at four deliveries per chat message that is a
tenth of the server's CPU. Anything else (a paused transport, a closing socket, another
server) returns False and the caller uses the ASGI `send` as usual.

The frame itself is built here too (`FrameWriter`), with the connection's own
permessage-deflate compressor, so the bytes are exactly those `websockets` would write
(`tests/ws/test_ws_direct_send.py` compares them), without its per-frame `Frame` objects,
extension pipeline and `BytesIO`. A connection in any other state (a fragmented message under
way, unsent output, frame logging, an extension other than permessage-deflate with context
takeover) is framed by `websockets`.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import OPEN, SERVER

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - uvicorn without the websockets package
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

#: the end of a sync flush, which permessage-deflate removes (RFC 7692 section 7.2.1)
_EMPTY_BLOCK = b"\x00\x00\xff\xff"
_TEXT, _TEXT_COMPRESSED = 0x81, 0xC1  # FIN + opcode 1, and RSV1 (compressed) with it
#: the `websockets.protocol.Protocol` state `FrameWriter.frame` reads before each frame
_PROTOCOL_STATE = ("_state", "expect_continuation_frame", "writes", "debug", "extensions")


class FrameWriter:
    """Serializes unmasked text frames for one `websockets` protocol, as it would."""

    __slots__ = ("_conn", "_deflate")

    def __init__(self, conn: Any, deflate: PerMessageDeflate | None) -> None:
        self._conn = conn
        self._deflate = deflate

    @classmethod
    def for_protocol(cls, conn: Any) -> FrameWriter | None:
        """A writer for a server-side protocol whose handshake is done, or None when its
        extensions are not ones this writer reproduces."""
        if not all(hasattr(conn, name) for name in _PROTOCOL_STATE):
            return None  # another `websockets` version: let it frame
        if getattr(conn, "side", None) is not SERVER:
            return None  # a client masks its frames
        extensions = list(conn.extensions)
        if not extensions:
            return cls(conn, None)
        deflate = extensions[0]
        if (
            len(extensions) == 1
            and type(deflate) is PerMessageDeflate
            and not deflate.local_no_context_takeover
            and hasattr(deflate, "encoder")
        ):
            return cls(conn, deflate)
        return None

    def frame(self, data: bytes) -> bytes | None:
        """The frame for `data` (UTF-8 text), or None if `websockets` must frame it."""
        conn = self._conn
        if conn._state is not OPEN or conn.expect_continuation_frame or conn.writes or conn.debug:
            return None
        deflate = self._deflate
        if deflate is None:
            return _header(_TEXT, len(data)) + data
        encoder = deflate.encoder
        data = encoder.compress(data) + encoder.flush(zlib.Z_SYNC_FLUSH)
        if data[-4:] != _EMPTY_BLOCK:  # pragma: no cover - every sync flush ends with it
            raise RuntimeError("permessage-deflate: sync flush without an empty block")
        return _header(_TEXT_COMPRESSED, len(data) - 4) + data[:-4]


def _header(head1: int, length: int) -> bytes:
    if length < 126:
        return bytes((head1, length))
    if length < 65536:
        return struct.pack("!BBH", head1, 126, length)
    return struct.pack("!BBQ", head1, 127, length)


#: the protocol attributes the fast path reads; all present in the uvicorn versions we pin
_NEEDED = ("conn", "transport", "writable", "close_sent", "disconnected", "handshake_complete")


class DirectSender:
    """Frames text for one uvicorn `WebSocketsSansIOProtocol` and writes it to its transport."""

    __slots__ = ("_framing", "_protocol", "_writer")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._writer: FrameWriter | None = None
        self._framing = True  # until the negotiated extensions say otherwise

    @classmethod
    def for_send(cls, send: Any) -> DirectSender | None:
        """A sender for the protocol behind the ASGI `send` callable, or None."""
        protocol = getattr(send, "__self__", None)
        if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
            return None
        if getattr(send, "__func__", None) is not WebSocketsSansIOProtocol.send:
            return None  # a subclass with its own send: do not second-guess it
        if not all(hasattr(protocol, name) for name in _NEEDED):
            return None
        return cls(protocol)

    def try_send(self, text: str) -> bool:
        """Write `text` as one frame if the socket is open and writable; else False."""
        p = self._protocol
        if (
            p.disconnected
            or p.close_sent
            or not p.handshake_complete
            or p.initial_response is not None
            or not p.writable.is_set()
        ):
            return False
        conn = p.conn
        data = text.encode()
        writer = self._writer
        if writer is None and self._framing:
            writer = self._writer = FrameWriter.for_protocol(conn)
            self._framing = writer is not None
        framed = writer.frame(data) if writer is not None else None
        if framed is None:
            conn.send_text(data)
            framed = b"".join(conn.data_to_send())
        p.transport.write(framed)
        return True
