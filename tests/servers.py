"""A real server for tests that need real sockets: uvicorn on a free loopback port, in a thread.

Live-sync and browser tests talk to it over TCP exactly as phones and boards do. `restart()` stops
it and starts it again on the same port and database file, as an operator restarting it would.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette

from workshop.config import Settings
from workshop.web.app import create_app
from workshop.web.live import MAX_CLIENT_FRAME


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OnLoopback:
    """A server of the tests' own on a loopback port: its HTTP and websocket base URLs."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


class LiveServer(OnLoopback):
    def __init__(self, database: Path, port: int | None = None, *, ws_ping_interval: float | None = 20.0, **settings: object) -> None:
        self.database = database
        self.ws_ping_interval = ws_ping_interval  # uvicorn's keepalive: a stalled client that cannot answer is dropped
        self.port = port or free_port()
        self.settings = Settings(database=str(database), host="127.0.0.1", port=self.port, **settings)  # type: ignore[arg-type]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app: Starlette | None = None  # the running app, for a test that reaches its store (tests/test_faults.py)

    def start(self) -> LiveServer:
        self.app = create_app(self.settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            ws_max_size=MAX_CLIENT_FRAME,  # as `workshop serve` runs it
            ws_ping_interval=self.ws_ping_interval,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the test server on port {self.port} did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()
