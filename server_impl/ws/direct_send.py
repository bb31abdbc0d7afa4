"""Writing a text frame straight to uvicorn's WebSocket protocol, when that is what serves us.

An ASGI `websocket.send` under uvicorn's `websockets-sansio` protocol is a coroutine that
checks the socket's state, frames (and compresses) the text and writes it to the transport.
For a socket that is open and writable, `DirectSender.try_send` does exactly those steps
without the coroutine and the message dict: at four deliveries per chat message that is a
tenth of the server's CPU. Anything else (a paused transport, a closing socket, another
server) returns False and the caller uses the ASGI `send` as usual.
"""

from __future__ import annotations

from typing import Any

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - uvicorn without the websockets package
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

#: the protocol attributes the fast path reads; all present in the uvicorn versions we pin
_NEEDED = ("conn", "transport", "writable", "close_sent", "disconnected", "handshake_complete")


class DirectSender:
    """Frames text for one uvicorn `WebSocketsSansIOProtocol` and writes it to its transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

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
        conn.send_text(text.encode())
        p.transport.write(b"".join(conn.data_to_send()))
        return True
