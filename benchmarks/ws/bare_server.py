"""The ceiling: a bare `websockets` server that broadcasts chat with `websockets.broadcast`.

No authentication, no validation, no persistence, no per-connection seq: a connection joins
the room named in `?room=`; a `chat_message` is parsed, re-serialized once and broadcast to
the room; a `ping` gets a `pong`. permessage-deflate is on (the websockets default).

The broadcast is the contract's `chat_message` (message id, room, room seq, sender summary,
content, created_at: `chat_frame`), so both servers deliver the same bytes and the ratio
measures what the service costs, not a difference in payload.

    taskset -c 0 python -m benchmarks.ws.bare_server --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import secrets
import time
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import orjson
import websockets
from websockets.asyncio.server import ServerConnection, serve

ROOMS: dict[str, set[ServerConnection]] = defaultdict(set)
_IDS = itertools.count(1)
_ROOM_SEQ: dict[str, int] = defaultdict(int)


def chat_frame(room_id: str, sender: dict[str, object], content: str) -> str:
    """The contract's `chat_message` envelope (seq 0), serialized once."""
    _ROOM_SEQ[room_id] += 1
    now_ns = time.time_ns()
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now_ns // 10**9))
    out = {
        "type": "chat_message",
        "seq": 0,
        "timestamp": now_ns // 1_000_000,
        "data": {
            "message_id": f"msg_{next(_IDS):024x}",
            "room_id": room_id,
            "room_seq": _ROOM_SEQ[room_id],
            "sender": sender,
            "content": content,
            "created_at": f"{created}.{now_ns // 1000 % 10**6:06d}Z",
        },
    }
    return orjson.dumps(out).decode()


async def handler(ws: ServerConnection) -> None:
    query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
    room_id = query.get("room", ["lobby"])[0]
    members = ROOMS[room_id]
    members.add(ws)
    sender = {"id": f"usr_{secrets.token_hex(12)}", "nickname": "bench-user", "avatar": None}
    await ws.send('{"type":"connected","seq":1,"timestamp":0,"data":{}}')
    try:
        async for raw in ws:
            msg = orjson.loads(raw)
            kind = msg.get("type")
            if kind == "chat_message":
                websockets.broadcast(members, chat_frame(room_id, sender, msg["data"]["content"]))
            elif kind == "ping":
                await ws.send('{"type":"pong","seq":0,"timestamp":0,"data":{"server_time":0}}')
    finally:
        members.discard(ws)


async def main(host: str, port: int) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    async with serve(handler, host, port, max_size=1 << 20, ping_interval=None, backlog=4096):
        print(f"bare websockets server on {host}:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.host, args.port))
    except ImportError:  # pragma: no cover
        asyncio.run(main(args.host, args.port))
