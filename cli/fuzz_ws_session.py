"""One fuzzing client socket: every frame it receives is checked against the contract.

Checks on every server frame: it is a text frame, valid JSON, of a server message type, valid
against that message's AsyncAPI payload schema (formats included), and its `seq` is greater
than the previous one. The socket must never close unless the fuzzer expects it.
"""

from __future__ import annotations

import itertools
import json
from contextlib import ExitStack
from typing import Any

from jsonschema import Draft7Validator
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from generators.ir import ApiIR
from generators.jsonschema_util import bundle

Json = dict[str, Any]
_markers = itertools.count(10**12)


class FuzzFailure(AssertionError):
    """The server broke a rule; the message says which, with the evidence."""


def server_validators(ir: ApiIR) -> dict[str, Draft7Validator]:
    """One validator per server message type, from the contract."""
    return {
        m.type: Draft7Validator(
            bundle(m.payload, ir.definitions()), format_checker=Draft7Validator.FORMAT_CHECKER
        )
        for m in ir.messages_from("server")
    }


class Session:
    """A checked connection of one user."""

    def __init__(
        self, url: str, token: str, validators: dict[str, Draft7Validator], name: str
    ) -> None:
        self.name = name
        self.validators = validators
        self.last_seq = 0
        self.received: dict[str, int] = {}
        self.rate_limited = False  # the last barrier ping itself was refused with 42901
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(f"{url}?access_token={token}", open_timeout=10, close_timeout=2, max_size=None)
        )
        first = self.recv()
        if first["type"] != "connected":
            raise FuzzFailure(f"{name}: first message is not `connected`: {first}")
        self.user_id = str(first["data"]["user_id"])

    def recv(self, timeout: float = 10) -> Json:
        """The next server frame, checked."""
        try:
            raw = self.ws.recv(timeout=timeout)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise Closed(self.name, code, exc.rcvd.reason if exc.rcvd else "") from None
        except TimeoutError:
            raise FuzzFailure(f"{self.name}: no answer within {timeout} s") from None
        return self.check(raw)

    def check(self, raw: str | bytes) -> Json:
        """Validate one raw server frame."""
        if not isinstance(raw, str):
            raise FuzzFailure(f"{self.name}: binary frame from the server: {raw[:80]!r}")
        try:
            frame = json.loads(raw)
        except ValueError:
            raise FuzzFailure(f"{self.name}: server frame is not JSON: {raw[:200]!r}") from None
        kind = frame.get("type") if isinstance(frame, dict) else None
        validator = self.validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not isinstance(kind, str):
            raise FuzzFailure(f"{self.name}: unknown server message: {raw[:200]}")
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(frame)]
        if problems:
            raise FuzzFailure(f"{self.name}: {kind} violates the contract: {problems[:3]}")
        if frame["seq"] <= self.last_seq:
            raise FuzzFailure(f"{self.name}: seq {frame['seq']} after {self.last_seq}")
        self.last_seq = frame["seq"]
        self.received[kind] = self.received.get(kind, 0) + 1
        return dict(frame)

    def send(self, payload: str | bytes) -> None:
        """Send one frame as is."""
        try:
            self.ws.send(payload)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise Closed(self.name, code, exc.rcvd.reason if exc.rcvd else "") from None

    def sync(self) -> list[Json]:
        """What the server sent us before answering a ping we send now (ordering barrier)."""
        marker = next(_markers)
        ping = {"type": "ping", "seq": marker, "timestamp": 1, "data": {"client_time": marker}}
        self.send(json.dumps(ping))
        self.rate_limited = False
        before: list[Json] = []
        while True:
            frame = self.recv()
            if frame["type"] == "pong" and frame["data"].get("client_time") == marker:
                return before
            if frame["type"] == "error" and frame["data"]["request_seq"] == marker:
                self.rate_limited = True  # refused, but still after everything before it
                return before
            before.append(frame)

    def close(self) -> None:
        """Close politely."""
        self._stack.close()


class Closed(FuzzFailure):
    """The server closed the socket."""

    def __init__(self, name: str, code: int | None, reason: str) -> None:
        super().__init__(f"{name}: server closed the socket with {code} {reason!r}")
        self.code = code
