"""A Redis server of a test's own, and app processes of their own, for the scale-out tests.

Restart tests kill and restart Redis, so they never touch the shared one on 6379: each starts
`redis-server` on a free loopback port (no persistence). App processes are real `workshop serve`
subprocesses, so one can be killed with SIGKILL as a crashed machine would be.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import OnLoopback, free_port

ROOT = Path(__file__).resolve().parent.parent


def required(missing: str | None) -> None:
    """Skip with the reason on a developer machine; under CI (`CI` set) the test fails instead."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing} (CI must run this test)")
    pytest.skip(missing)


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not come up in {timeout} s")


class RedisServer:
    """`redis-server` on a free port; `kill()` and `start()` again keep the port, as a restart does."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        required(None if binary else "redis-server is not installed (apt-get install redis-server)")
        self.binary = str(binary)
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, f"redis-server on port {self.port}")
        return self

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A `redis-server` of the test's own, killed afterwards."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


class AppProcess(OnLoopback):
    """`workshop serve` in a subprocess on a free port, with its output kept for a failing test."""

    def __init__(self, directory: Path, name: str, *, database: str, redis_url: str) -> None:
        self.port = free_port()
        self.log = directory / f"{name}.log"
        self.command = [
            sys.executable, "-m", "workshop", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--redis-url", redis_url, "--log-level", "warning",
        ]
        # Every process of a deployment shares the key that signs tokens, and the database.
        self.env = {**os.environ, "WORKSHOP_DATABASE_URL": database, "WORKSHOP_SECRET_KEY": "scale-out-test-key"}
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> AppProcess:
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        wait_until(self._healthy, f"the app on port {self.port} (see {self.log})", timeout=30)
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to its sockets, as a crash."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _healthy(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"the app on port {self.port} exited:\n{self.output()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False
