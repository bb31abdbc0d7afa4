"""uvicorn's protocols, minus the reference cycles a WebSocket leaves behind when it closes.

- HTTP: uvicorn's HTTP protocol and its parser point at each other (the parser calls the
  protocol's `on_*` methods). uvicorn breaks that cycle in `connection_lost`, but a connection
  upgraded to a WebSocket hands its transport to the WebSocket protocol, so the HTTP protocol
  never hears `connection_lost`: its protocol/parser/flow-control cluster (about 12 KB) stays
  behind as cyclic garbage. Dropping the parser after the upgrade makes it plain garbage.
- WebSocket: the `websockets` sans-I/O protocol keeps its frame parser as a generator
  (`self.parser = self.parse()`) whose frame holds the protocol, and the generator never
  finishes (even `discard()` ends suspended at a last `yield`). Protocol, parser, reader and
  permessage-deflate's zlib states (about 45 KB a socket) are a cycle only a collection of
  their generation frees; once the GC policy has frozen a long-lived socket, only a full
  collection. Closing the parser when the connection is lost frees it all at once.
- WebSocket receive: uvicorn queues every text message for the app's `receive()`, pauses
  reading, and resumes it when the app takes the message: a future, a task wake-up and two
  `epoll_ctl` calls per message. An app may instead install a `text_sink` after `accept`:
  while the app is waiting in `receive()` with nothing queued, a text message goes straight
  to the sink inside `data_received`. The sink returns None when it is done with the message,
  or an ASGI-style message to queue for the app (then everything behind it queues too, in
  order, exactly as without a sink).

Serve with `http=HttpToolsProtocol, ws=WebSocketsSansIOProtocol` (`serve.uvicorn` in
contractkit.yaml).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.websockets import websockets_sansio_impl


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """`uvicorn.protocols.http.httptools_impl.HttpToolsProtocol` without the upgrade cycle."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        self.parser = None  # type: ignore[assignment]  # as uvicorn's own connection_lost does


#: a text sink: None when the message is handled, else a message to queue for `receive()`
TextSink = Callable[[str], "MutableMapping[str, Any] | None"]


class WebSocketsSansIOProtocol(websockets_sansio_impl.WebSocketsSansIOProtocol):
    """uvicorn's `websockets-sansio` protocol without the parser cycle after the close, and
    with an optional synchronous `text_sink`."""

    text_sink: TextSink | None = None  # the app's, between its accept and its last receive
    app_waiting = False  # the app is suspended in `receive()`

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.text_sink = None
        self.conn.parser.close()  # the generator lets go of the protocol: no cycle is left

    async def receive(self) -> Any:
        self.app_waiting = True
        try:
            return await super().receive()
        finally:
            self.app_waiting = False

    def send_receive_event_to_app(self) -> None:
        sink = self.text_sink
        if (
            sink is None
            or not self.app_waiting  # the app is busy with an earlier message: keep the order
            or not self.queue.empty()
            or self.close_sent
            or self.curr_msg_data_type != "text"
        ):
            super().send_receive_event_to_app()
            return
        frames = self.frames
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            super().send_receive_event_to_app()  # uvicorn closes with 1007
            return
        self.frames = []
        queued = sink(text)
        if queued is not None:
            self.queue.put_nowait(queued)  # type: ignore[arg-type]
            if not self.read_paused:
                self.read_paused = True
                self.transport.pause_reading()


#: uvicorn options the service is meant to run with (also in contractkit.yaml `serve.uvicorn`)
UVICORN_OPTIONS = {
    "http": HttpToolsProtocol,
    "ws": WebSocketsSansIOProtocol,
    "ws_max_size": 1_048_576,  # the AsyncAPI contract's frame cap: refused before buffering
}
