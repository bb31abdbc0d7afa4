"""A light WebSocket client for load generation: websockets' sans-I/O protocol on a bare
asyncio Protocol (no task, no queue per connection), with permessage-deflate like browsers.

Thousands of these run on one core; each received text message is handed to a callback.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, cast

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

OnMessage = Callable[["WsConn", str], None]


class WsConn(asyncio.Protocol):
    """One client connection; `await opened`, then `send(text)`; messages go to `on_message`."""

    def __init__(self, uri: str, on_message: OnMessage, *, deflate: bool = True) -> None:
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.proto = ClientProtocol(parse_uri(uri), extensions=extensions, max_size=2**22)
        self.on_message = on_message
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int | None] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.state: dict[str, Any] = {}

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        path: str,
        on_message: OnMessage,
        *,
        deflate: bool = True,
        state: dict[str, Any] | None = None,
    ) -> WsConn:
        """Open a connection and complete the handshake (`state` is set before any message)."""
        loop = asyncio.get_running_loop()
        uri = f"ws://{host}:{port}{path}"

        def factory() -> WsConn:
            conn = cls(uri, on_message, deflate=deflate)
            conn.state.update(state or {})
            return conn

        _, conn = await loop.create_connection(factory, host, port)
        await conn.opened
        return conn

    # ------------------------------------------------------------------ asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.proto.send_request(self.proto.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response):
                if self.proto.handshake_exc is not None:
                    self.opened.set_exception(self.proto.handshake_exc)
                else:
                    self.opened.set_result(None)
            elif event.opcode is Opcode.TEXT:
                self.on_message(self, event.data.decode())
            elif event.opcode is Opcode.CLOSE and not self.closed.done():
                self.closed.set_result(
                    self.proto.close_rcvd.code if self.proto.close_rcvd else None
                )
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # ------------------------------------------------------------------ sending
    def send(self, text: str) -> None:
        """Queue one text message (no await: written straight to the transport)."""
        self.proto.send_text(text.encode())
        self._flush()

    def close(self) -> None:
        """Start the closing handshake (the server finishes it)."""
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):  # already closing
                self.proto.send_close(1000)
            self._flush()
            self.transport.close()

    def _flush(self) -> None:
        data = self.proto.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            payload = b"".join(data)
            if payload:
                self.transport.write(payload)
