"""A closed socket leaves nothing for the garbage collector: no reference cycle survives it.

The server runs in this process (tests/conftest.py `LiveServer`), so its garbage is ours to
inspect. Under stock uvicorn every upgraded connection leaves its HTTP protocol, parser and
transport behind in a cycle that only a full collection frees (see
server_impl/http/uvicorn_http.py); at thousands of sockets that full collection pauses the
process for most of a second.
"""

from __future__ import annotations

import asyncio
import gc

from tests.ws.live_ws import World

SOCKETS = 30


async def test_closed_sockets_leave_no_cyclic_garbage(world: World) -> None:
    user = await world.user()
    for _ in range(3):  # warm-up: first-use caches are not garbage
        await (await world.connect(user)).close()
    await asyncio.sleep(0.3)
    gc.collect()
    gc.disable()
    try:
        for _ in range(SOCKETS):
            client = await world.connect(user)
            await client.send("ping", {"client_time": 1})
            await client.next("pong")
            await client.close()
        await asyncio.sleep(0.5)  # the server finishes each close
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        kinds = sorted({type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage})
        servers = [k for k in kinds if k.startswith(("uvicorn", "httptools", "uvloop", "server_"))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert servers == [], f"closed sockets left cycles of: {servers}"
