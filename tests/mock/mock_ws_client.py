"""A checking WebSocket client for tests: every frame it receives must match its schema."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

from websockets.sync.client import ClientConnection, connect

from generators.ir import ApiIR
from tests.mock.mock_support import validator


class CheckedSocket:
    """Wraps a websockets connection; validates frames and that `seq` strictly increases."""

    def __init__(self, ir: ApiIR, origin: str, token: str | None = "test-token") -> None:
        query = f"?access_token={token}" if token is not None else ""
        url = f"ws://{origin}{ir.base_path}{ir.channel.address}{query}"
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(connect(url, open_timeout=5))
        self.checkers = {m.type: validator(ir, m.payload) for m in ir.messages_from("server")}
        self.last_seq = 0
        self.seq = 0

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        frame = json.loads(self.ws.recv(timeout=timeout))
        errors = [e.message for e in self.checkers[frame["type"]].iter_errors(frame)]
        assert not errors, (frame, errors)
        assert frame["seq"] > self.last_seq, (frame, self.last_seq)
        self.last_seq = frame["seq"]
        return dict(frame)

    def recv_types(self, count: int) -> list[dict[str, Any]]:
        return [self.recv() for _ in range(count)]

    def send(self, type_: str, data: dict[str, Any]) -> int:
        self.seq += 1
        self.ws.send(json.dumps({"type": type_, "seq": self.seq, "timestamp": 1, "data": data}))
        return self.seq

    def send_raw(self, raw: str | bytes) -> None:
        self.ws.send(raw)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> CheckedSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
