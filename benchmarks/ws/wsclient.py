"""A lean WebSocket client for load generation (RFC 6455 + RFC 7692 permessage-deflate).

The load client must stay far from saturating its one core while it receives tens of
thousands of compressed messages per second, so this is a minimal frame codec on a bare
asyncio Protocol: no task, no queue and no generator-based parser per connection. Masking
uses websockets' C speedup; (de)compression is zlib with the negotiated parameters.
"""

from __future__ import annotations

import asyncio
import base64
import os
import zlib
from collections.abc import Callable
from typing import Any, cast

from websockets.speedups import apply_mask

OnMessage = Callable[["WsConn", str], None]
TAIL = b"\x00\x00\xff\xff"
OFFER = "permessage-deflate; client_max_window_bits"


class WsConn(asyncio.Protocol):
    """One client connection; `await opened`, then `send(text)`; messages go to `on_message`."""

    def __init__(self, request: bytes, on_message: OnMessage, *, deflate: bool) -> None:
        self.request = request
        self.on_message = on_message
        self.deflate_offered = deflate
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int | None] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.state: dict[str, Any] = {}
        self.buf = bytearray()
        self.handshaken = False
        self.compress: Any = None
        self.decompress: Any = None
        self.reset_compressor = self.reset_decompressor = False
        self.client_bits = 15
        self.fragments: list[bytes] = []
        self.fragment_compressed = False

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
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if deflate:
            lines.append(f"Sec-WebSocket-Extensions: {OFFER}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode()

        def factory() -> WsConn:
            conn = cls(request, on_message, deflate=deflate)
            conn.state.update(state or {})
            return conn

        _, conn = await asyncio.get_running_loop().create_connection(factory, host, port)
        await conn.opened
        return conn

    # ------------------------------------------------------------------ asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.handshaken and not self._handshake():
            return
        self._frames()

    def _handshake(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        del self.buf[: end + 4]
        if not head[0].startswith("HTTP/1.1 101"):
            self.opened.set_exception(ConnectionError(head[0]))
            return False
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        ext = headers.get("sec-websocket-extensions", "")
        if ext.startswith("permessage-deflate"):
            params = {}
            for param in ext.split(";")[1:]:
                name, _, value = param.strip().partition("=")
                params[name] = value
            self.client_bits = int(params.get("client_max_window_bits") or 15)
            self.reset_compressor = "client_no_context_takeover" in params
            self.reset_decompressor = "server_no_context_takeover" in params
            self.compress = zlib.compressobj(wbits=-self.client_bits)
            self.decompress = zlib.decompressobj(wbits=-15)
        self.handshaken = True
        self.opened.set_result(None)
        return True

    def _frames(self) -> None:
        buf, pos, size = self.buf, 0, len(self.buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._frame(b0, payload)
        del buf[:pos]

    def _frame(self, b0: int, payload: bytes) -> None:
        opcode = b0 & 0x0F
        if opcode in (0, 1, 2):
            if opcode:
                self.fragment_compressed = bool(b0 & 0x40)
            self.fragments.append(payload)
            if not b0 & 0x80:
                return
            data = b"".join(self.fragments)
            self.fragments = []
            if self.fragment_compressed:
                data = self.decompress.decompress(data + TAIL)
                if self.reset_decompressor:
                    self.decompress = zlib.decompressobj(wbits=-15)
            if opcode == 1 or not opcode:
                self.on_message(self, data.decode())
        elif opcode == 9:  # ping -> pong
            self._write(0x8A, payload)
        elif opcode == 8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            if not self.closed.done():
                self.closed.set_result(code)
            self._write(0x88, payload[:2])
            if self.transport is not None:
                self.transport.close()

    # ------------------------------------------------------------------ sending
    def send(self, text: str) -> None:
        """Send one text message (written straight to the transport)."""
        payload = text.encode()
        first = 0x81
        if self.compress is not None:
            data = self.compress.compress(payload) + self.compress.flush(zlib.Z_SYNC_FLUSH)
            payload, first = data[:-4] if data.endswith(TAIL) else data, 0xC1
            if self.reset_compressor:
                self.compress = zlib.compressobj(wbits=-self.client_bits)
        self._write(first, payload)

    def _write(self, first: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        n = len(payload)
        if n < 126:
            header = bytes((first, 0x80 | n))
        elif n < 65536:
            header = bytes((first, 0xFE)) + n.to_bytes(2, "big")
        else:
            header = bytes((first, 0xFF)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        self.transport.write(header + mask + apply_mask(payload, mask))

    def close(self) -> None:
        """Send a close frame (1000); the server completes the handshake."""
        if self.transport is not None and not self.transport.is_closing():
            self._write(0x88, (1000).to_bytes(2, "big"))
