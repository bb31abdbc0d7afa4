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

Serve with `http=HttpToolsProtocol, ws=WebSocketsSansIOProtocol` (`serve.uvicorn` in
contractkit.yaml).
"""

from __future__ import annotations

from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.websockets import websockets_sansio_impl


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """`uvicorn.protocols.http.httptools_impl.HttpToolsProtocol` without the upgrade cycle."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        self.parser = None  # type: ignore[assignment]  # as uvicorn's own connection_lost does


class WebSocketsSansIOProtocol(websockets_sansio_impl.WebSocketsSansIOProtocol):
    """uvicorn's `websockets-sansio` protocol without the parser cycle after the close."""

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.conn.parser.close()  # the generator lets go of the protocol: no cycle is left


#: uvicorn options the service is meant to run with (also in contractkit.yaml `serve.uvicorn`)
UVICORN_OPTIONS = {
    "http": HttpToolsProtocol,
    "ws": WebSocketsSansIOProtocol,
    "ws_max_size": 1_048_576,  # the AsyncAPI contract's frame cap: refused before buffering
}
