"""Test helpers for the real signaling socket (this module holds no tests).

`WsClient` wraps a real `websockets` connection and checks every frame it receives:
- against the AsyncAPI contract (plain jsonschema over the IR's message payloads, formats on),
- with the generated `parse_server_message` (strict),
- `seq` strictly increasing per connection, `room_seq` strictly increasing per room.

`Rest` drives the REST side over real HTTP (create, join, leave, end, detail).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft7Validator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from generated.ws.messages import parse_server_message
from generators.build_ir import build_ir
from generators.jsonschema_util import bundle
from generators.loader import load_contracts

ROOT = Path(__file__).resolve().parents[2]
ROOM_EVENTS = {"user_joined", "user_left", "media_state_changed", "chat_message", "meeting_ended"}
Json = dict[str, Any]
ALLOWED_ORIGIN = "https://app.example.com"
#: signaling settings of the suite's shared server: generous heartbeat, a short grace
#: period, no practical rate limit, small snapshots
WS_DEFAULTS: dict[str, Any] = {
    "disconnect_grace_ms": 300,
    "sweep_interval_ms": 50,
    "allowed_origins": (ALLOWED_ORIGIN,),
    "rate_per_second": 10_000.0,
    "rate_burst": 10_000,
    "snapshot_messages": 5,
}
_markers = itertools.count(1)


@cache
def server_validators() -> dict[str, Draft7Validator]:
    """One validator per server message type, straight from the contracts (not `generated/`)."""
    ir = build_ir(
        load_contracts(
            ROOT / "contracts/meeting.openapi.yaml", ROOT / "contracts/meeting.asyncapi.yaml"
        ),
        ROOT,
    )
    return {
        m.type: Draft7Validator(
            bundle(m.payload, ir.definitions()), format_checker=Draft7Validator.FORMAT_CHECKER
        )
        for m in ir.messages_from("server")
    }


def check_server_frame(raw: str | bytes) -> Json:
    """Parse one server frame and assert it conforms to the contract."""
    assert isinstance(raw, str), f"server sent a binary frame: {raw!r:.100}"
    frame = json.loads(raw)
    validator = server_validators().get(frame.get("type"))
    assert validator is not None, f"unknown server message type: {raw:.200}"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(frame)]
    assert not errors, f"{raw:.300} violates the contract: {errors}"
    parse_server_message(raw)  # the generated models agree
    return dict(frame)


class WsClient:
    """A checked client connection."""

    def __init__(self, ws: ClientConnection, name: str = "") -> None:
        self.ws = ws
        self.name = name
        self.seq = 0  # the client's own counter
        self.last_seq = 0  # last server seq seen
        self.room_seqs: dict[str, int] = {}  # per room, last room_seq seen
        self.received: list[Json] = []

    @classmethod
    async def open(
        cls,
        ws_url: str,
        token: str | None,
        *,
        name: str = "",
        origin: str | None = None,
        compression: str | None = "deflate",
        room_seqs: dict[str, int] | None = None,
    ) -> WsClient:
        """Connect (`?access_token=` when `token` is given)."""
        url = ws_url if token is None else f"{ws_url}?access_token={token}"
        ws = await connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            compression=compression,
            open_timeout=10,
            max_size=2**22,
            ping_interval=None,
        )
        client = cls(ws, name)
        if room_seqs:
            client.room_seqs.update(room_seqs)
        return client

    # ------------------------------------------------------------------ receiving
    async def recv(self, timeout: float = 10) -> Json:
        """The next message, checked."""
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame = check_server_frame(raw)
        assert frame["seq"] > self.last_seq, f"{self.name}: seq went back: {frame}"
        self.last_seq = frame["seq"]
        if frame["type"] in ROOM_EVENTS:
            room, room_seq = frame["data"]["room_id"], frame["data"]["room_seq"]
            previous = self.room_seqs.get(room, 0)
            assert room_seq > previous, f"{self.name}: room_seq not increasing: {frame}"
            self.room_seqs[room] = room_seq
        elif frame["type"] == "room_snapshot":  # (after `resumed`, the replay follows)
            room = frame["data"]["room_id"]
            self.room_seqs[room] = max(self.room_seqs.get(room, 0), frame["data"]["room_seq"])
        self.received.append(frame)
        return frame

    async def next(self, type_: str, **match: Any) -> Json:
        """The very next message, which must be of `type_` (and match `data` fields)."""
        frame = await self.recv()
        assert frame["type"] == type_, f"{self.name}: expected {type_}, got {frame}"
        for key, value in match.items():
            assert frame["data"].get(key) == value, f"{self.name}: {key} != {value!r}: {frame}"
        return frame

    async def until(self, type_: str, pred: Callable[[Json], bool] | None = None) -> Json:
        """Skip messages until one of `type_` (matching `pred`) arrives."""
        while True:
            frame = await self.recv()
            if frame["type"] == type_ and (pred is None or pred(frame)):
                return frame

    async def sync(self) -> list[Json]:
        """Everything the server queued for us before a ping we send now (then its pong)."""
        marker = next(_markers)
        await self.send("ping", {"client_time": marker})
        before: list[Json] = []
        while True:
            frame = await self.recv()
            if frame["type"] == "pong" and frame["data"].get("client_time") == marker:
                return before
            before.append(frame)

    async def closed(self) -> tuple[int | None, str]:
        """Read (and check) what is left until the server closes; its code and reason."""
        try:
            while True:
                await self.recv()
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            return (rcvd.code if rcvd else None), (rcvd.reason if rcvd else "")

    # ------------------------------------------------------------------ sending
    async def send(self, type_: str, data: Json, *, seq: int | None = None) -> int:
        """Send a well-formed envelope; returns its seq."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        await self.ws.send(json.dumps({"type": type_, "seq": seq, "timestamp": 1, "data": data}))
        return seq

    async def send_raw(self, raw: str | bytes) -> None:
        """Send any frame."""
        await self.ws.send(raw)

    async def error_for(self, seq: int | None, code: int) -> Json:
        """The next message must be the `error` answering `seq` with `code`."""
        frame = await self.next("error")
        assert frame["data"]["code"] == code, frame
        assert frame["data"]["request_seq"] == seq, frame
        return frame

    async def join(self, room_id: str) -> Json:
        """`join_room`, returning the snapshot."""
        await self.send("join_room", {"room_id": room_id})
        return await self.next("room_snapshot", room_id=room_id)

    async def close(self) -> None:
        """Close from our side."""
        await self.ws.close()

    def drop(self) -> None:
        """Vanish without a closing handshake (a dropped Wi-Fi link)."""
        transport = self.ws.transport
        transport.abort()


class Rest:
    """The REST calls the WebSocket tests need, over real HTTP."""

    def __init__(self, api_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=api_url, timeout=30)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        resp = await self.http.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json().get("data")

    async def create_meeting(self, token: str, **body: Any) -> Json:
        return dict(await self.call("POST", "/meetings", token, body or {"title": "ws test"}))

    async def join(self, token: str, number: str, **body: Any) -> Json:
        return dict(await self.call("POST", f"/meetings/{number}/join", token, body or None))

    async def leave(self, token: str, meeting_id: str) -> None:
        await self.call("POST", f"/meetings/{meeting_id}/leave", token)

    async def end(self, token: str, meeting_id: str) -> None:
        await self.call("POST", f"/meetings/{meeting_id}/end", token)

    async def detail(self, token: str, meeting_id: str) -> Json:
        return dict(await self.call("GET", f"/meetings/{meeting_id}", token))


def ws_url_of(server: Any) -> str:
    """`ws://host:port/v1/ws` of a LiveServer."""
    return str(server.url).replace("http://", "ws://", 1) + "/v1/ws"


def start_ws_server(start_server: Callable[..., Any], **ws: Any) -> Any:
    """A server whose signaling settings are WS_DEFAULTS overlaid with `ws`."""
    return start_server(extra={"ws": {**WS_DEFAULTS, **ws}})


@dataclass
class User:
    """A registered user."""

    id: str
    nickname: str
    token: str
    refresh_token: str
    email: str = ""
    password: str = ""


@dataclass
class Meeting:
    """A meeting and the users admitted to it over REST (the first one created it)."""

    id: str
    number: str
    users: list[User]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def host(self) -> User:
        return self.users[0]


class World:
    """Users, meetings and socket clients on one server; closes its clients at the end."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.ws_url = ws_url_of(server)
        self.rest = Rest(server.api_url)
        self.clients: list[WsClient] = []

    async def user(self, nickname: str | None = None) -> User:
        nickname = nickname or f"u{secrets.token_hex(3)}"
        body = {
            "email": f"ws{secrets.token_hex(6)}@example.com",
            "password": "Passw0rd" + secrets.token_hex(4),
            "nickname": nickname,
        }
        resp = await self.rest.http.post("/auth/register", json=body)
        assert resp.status_code == 201, resp.text
        data = resp.json()["data"]
        tokens = data["tokens"]
        return User(
            data["user"]["id"],
            nickname,
            tokens["access_token"],
            tokens["refresh_token"],
            body["email"],
            body["password"],
        )

    async def login(self, user: User) -> User:
        """Log in over REST (`POST /auth/login`): the user with fresh tokens."""
        body = {"email": user.email, "password": user.password}
        resp = await self.rest.http.post("/auth/login", json=body)
        assert resp.status_code == 200, resp.text
        tokens = resp.json()["data"]["tokens"]
        user.token, user.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return user

    async def meeting(self, size: int = 2, *, join: bool = True, **join_body: Any) -> Meeting:
        """A meeting created by a new user, with `size` users admitted (when `join`)."""
        users = [await self.user(f"p{i}") for i in range(size)]
        raw = await self.rest.create_meeting(users[0].token, max_participants=max(size, 2))
        if join:
            for user in users:
                await self.rest.join(user.token, raw["meeting_number"], **join_body)
        return Meeting(raw["id"], raw["meeting_number"], users, raw)

    async def connect(self, user: User | None, *, name: str = "", **kwargs: Any) -> WsClient:
        """A checked socket of `user`, its `connected` message already read."""
        client = await self.open(user, name=name, **kwargs)
        connected = await client.next("connected")
        assert user is not None and connected["data"]["user_id"] == user.id
        assert connected["seq"] == 1
        return client

    async def open(self, user: User | None, *, name: str = "", **kwargs: Any) -> WsClient:
        """A socket of `user` (or with `token=` given), nothing read yet."""
        token = kwargs.pop("token", user.token if user is not None else None)
        client = await WsClient.open(
            self.ws_url, token, name=name or (user.nickname if user else ""), **kwargs
        )
        self.clients.append(client)
        return client

    async def in_room(self, meeting: Meeting) -> list[WsClient]:
        """Every user of `meeting` connected and joined, all join announcements consumed."""
        clients = []
        for user in meeting.users:
            client = await self.connect(user)
            await client.join(meeting.id)
            clients.append(client)
        for i, client in enumerate(clients):  # user_joined of everyone who came later
            for later in meeting.users[i + 1 :]:
                await client.next("user_joined", room_id=meeting.id)
                assert client.received[-1]["data"]["user"]["id"] == later.id
        return clients

    async def aclose(self) -> None:
        for client in self.clients:
            await client.close()
        await self.rest.aclose()
