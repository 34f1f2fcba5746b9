"""A tiny real HTTP server on 127.0.0.1 for delivery tests (no mocks of httpx).

Each test listens under a path of its own, so a delivery left over by another test that happens
to reach the same port is answered 404 and not counted.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Received], tuple[int, Any]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    """Records what arrives on its path and answers with `respond(request) -> (status, json)`."""

    respond: Responder = lambda _request: (200, {"ok": True})  # noqa: E731
    port: int = field(default_factory=free_port)
    path: str = field(default_factory=lambda: f"/hooks/{uuid.uuid4().hex}")
    requests: list[Received] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                method, target, _ = (await reader.readline()).decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, value = line.decode().split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if target.split("?", 1)[0] != self.path:
                    status, answer = 404, {"error": "not this test's receiver"}
                else:
                    request = Received(method, target, headers, body)
                    self.requests.append(request)
                    status, answer = self.respond(request)
                payload = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                    f"Connection: close\r\n\r\n".encode() + payload
                )
                await writer.drain()
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a half-sent request is the sender's problem; the test sees it as not received
        finally:
            writer.close()
