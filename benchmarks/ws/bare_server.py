"""The ceiling: a bare `websockets` server that broadcasts chat with `websockets.broadcast`.

No authentication, no validation, no persistence, no per-connection seq: a connection joins
the room named in `?room=`; a `chat_message` is parsed, re-serialized once and broadcast to
the room; a `ping` gets a `pong`. permessage-deflate is on (the websockets default).

    taskset -c 0 python -m benchmarks.ws.bare_server --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import orjson
import websockets
from websockets.asyncio.server import ServerConnection, serve

ROOMS: dict[str, set[ServerConnection]] = defaultdict(set)


async def handler(ws: ServerConnection) -> None:
    query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
    room_id = query.get("room", ["lobby"])[0]
    members = ROOMS[room_id]
    members.add(ws)
    await ws.send('{"type":"connected","seq":1,"timestamp":0,"data":{}}')
    try:
        async for raw in ws:
            msg = orjson.loads(raw)
            kind = msg.get("type")
            if kind == "chat_message":
                out = {
                    "type": "chat_message",
                    "seq": 0,
                    "timestamp": time.time_ns() // 1_000_000,
                    "data": {"room_id": room_id, "content": msg["data"]["content"]},
                }
                websockets.broadcast(members, orjson.dumps(out).decode())
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
