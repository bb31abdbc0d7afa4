"""uvicorn's httptools HTTP protocol, minus the reference cycle an upgraded socket leaves behind.

uvicorn's HTTP protocol and its parser point at each other (the parser calls the protocol's
`on_*` methods). uvicorn breaks that cycle in `connection_lost`, but a connection upgraded to
a WebSocket hands its transport to the WebSocket protocol, so the HTTP protocol never hears
`connection_lost`: its protocol/parser/flow-control cluster (about 12 KB) stays behind as
cyclic garbage that only a full collection frees, one per WebSocket. Dropping the parser
after the upgrade makes it plain garbage, freed at once by reference counting.

Serve with `http=HttpToolsProtocol` (`serve.uvicorn.http` in contractkit.yaml).
"""

from __future__ import annotations

from uvicorn.protocols.http import httptools_impl


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """`uvicorn.protocols.http.httptools_impl.HttpToolsProtocol` without the upgrade cycle."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        self.parser = None  # type: ignore[assignment]  # as uvicorn's own connection_lost does


#: uvicorn options the service is meant to run with (also in contractkit.yaml `serve.uvicorn`)
UVICORN_OPTIONS = {
    "http": HttpToolsProtocol,
    "ws_max_size": 1_048_576,  # the AsyncAPI contract's frame cap: refused before buffering
}
