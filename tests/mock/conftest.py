"""Fixtures: the IR of the repo's contracts and real mock servers (uvicorn on a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from generators.ir import ApiIR
from generators.mock import MockOptions, create_mock_app
from generators.mock.ws_protocol import MAX_FRAME_BYTES
from tests.mock.mock_support import load_ir


@pytest.fixture(scope="session")
def ir() -> ApiIR:
    return load_ir()


def serve(ir: ApiIR, options: MockOptions) -> Iterator[str]:
    """Run the mock with uvicorn in a thread on a free port; yield its origin."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_mock_app(ir, options),
        log_level="warning",
        ws="websockets-sansio",
        ws_max_size=MAX_FRAME_BYTES,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "mock server did not start"
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def origin(ir: ApiIR) -> Iterator[str]:
    """host:port of a mock answering from examples."""
    yield from serve(ir, MockOptions())


@pytest.fixture(scope="session")
def dynamic_origin(ir: ApiIR) -> Iterator[str]:
    """host:port of a mock in --dynamic mode."""
    yield from serve(ir, MockOptions(dynamic=True))
