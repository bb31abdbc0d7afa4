"""A lean HTTP/1.1 keep-alive client for the timed REST step of the join latency.

httpx costs 4-6 ms of client CPU per request on the benchmark machines (measured side by side
with this client: a re-join took 8-10 ms through httpx and 4 ms through this client against
the same server). The join goal measures the server, and a browser's `fetch` costs nothing
like that, so the timed join uses this client; setup (thousands of registrations) keeps httpx.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class HttpConn:
    """One persistent connection; requests are sent one at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()

    async def post(self, path: str, token: str | None = None, body: Any = None) -> dict[str, Any]:
        """POST `body` as JSON; the response's `data`, or RuntimeError for a non-2xx status."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head.append("Content-Type: application/json")
        head.append(f"Content-Length: {len(payload)}")
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        async with self._lock:
            if self._writer is None or self._writer.is_closing():
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            self._writer.write(request)
            status, headers = _parse_head(await self._reader.readuntil(b"\r\n\r\n"))
            length = headers.get("content-length")
            if length is None:
                raise RuntimeError(f"POST {path}: response without Content-Length")
            raw = await self._reader.readexactly(int(length))
            if headers.get("connection", "").lower() == "close":
                self._writer.close()
        if not 200 <= status < 300:
            raise RuntimeError(f"POST {path}: {status} {raw[:300]!r}")
        data: dict[str, Any] = json.loads(raw).get("data") or {}
        return data

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers
