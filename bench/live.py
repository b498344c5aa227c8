"""Benchmark of the live path: phones and boards on websockets, notes posted over the public API.

    .venv/bin/python bench/live.py                      # the issue's shape: 1,900 phones over 20 sites + 100 boards, 50 notes/s
    .venv/bin/python bench/live.py --phones 200 --boards 10 --duration 10          # a quick run (about half a minute)
    .venv/bin/python bench/live.py --backend postgres --processes 2                # PostgreSQL + Redis, two app processes
    ... --json                                           # one JSON object instead of the table

What it does, all on loopback, bounded in time, stopping by itself:

- Starts the app (`python -m workshop serve`) on a fresh SQLite file with the in-process bus, or
  (`--backend postgres`) `--processes` of them on a fresh schema of PostgreSQL at 127.0.0.1:5432
  sharing Redis at 127.0.0.1:6379 (the schema is dropped afterwards). Sets up one event through the
  API: `--sites` sites, one participant per phone (`POST /api/v1/join`).
- Opens the sockets from `--clients` load-client processes (asyncio, the `websockets` sans-I/O
  client): each phone the JSON stream with `?site=` and its participant token (its own site live,
  the others may ride along up to a second later); each board the JSON stream of the whole event
  with the event board's viewer token, as a projector shows it. Sockets are spread over the processes.
- Posts notes at `--rate` for `--duration` seconds, open loop (each note is due at its time, whether
  or not earlier ones were answered), `POST /api/v1/sites/{id}/notes` with a phone's token, over
  keep-alive HTTP/1.1 connections. Each note's text carries its number, site and due time; every
  socket checks that it got every note once and times it: post-to-board, post-to-phone of the same
  site, other sites' notes on phones (the latency counts from the due time, so a slow answer counts).
- The yardstick: a bare broadcast server on the `websockets` library alone (one frame per note to
  every socket, `websockets.broadcast`), with the same clients and rate; notes reach it over one
  websocket (it has no HTTP or database to post to), each a message of the app's `note.created` size.
- The search: steps of `--step` seconds over rates, for the app and for the yardstick with the same
  sockets, for the highest rate whose p99 post-to-board stays under 150 ms with nothing lost.

Server CPU is read from /proc/<pid>/stat of the server processes (the share of one core while
posting), memory as their peak resident size (VmHWM). The load clients share the machine's cores with
the server; their CPU is printed too, so a starved client can be told from a slow server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOARD_TARGET_MS = 150.0  # p99 post-to-board (the target, and the search's criterion)
PHONE_TARGET_MS = 250.0  # p99 post-to-phone, same site
OTHER_TARGET_MS = 2000.0  # other sites' notes on phones
MEMORY_TARGET_MB = 500.0
BUCKET = 0.0005  # seconds: latency histograms in half-milliseconds ...
BUCKETS = 60_000  # ... up to 30 s (anything later lands in the last bucket)
POSTGRES_URL = os.environ.get("WORKSHOP_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WORKSHOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# What every socket looks for in a frame: a note's number, its site's index and when it was due.
MARK = re.compile(rb'"text":"b(\d+) s(\d+) t(\d+\.\d+)')
FILLER = "an idea about greener streets, safer crossings and more trees along the school route"
KINDS = ("board", "same", "other")  # the latency histograms: boards, phones' own site, phones' other sites


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def note_text(number: int, site: int, due: float) -> str:
    return f"b{number} s{site} t{due:.6f} {FILLER}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ------------------------------------------------------------------------------------------------
# The load client (a subprocess: `bench/live.py --worker`), driven by JSON lines on stdin.
# ------------------------------------------------------------------------------------------------

class Tally:
    """What one client process counted in the current step."""

    def __init__(self) -> None:
        self.histograms = {kind: [0] * BUCKETS for kind in KINDS}
        self.frames = 0
        self.deliveries = 0
        self.duplicates = 0


class Socket(asyncio.Protocol):
    """One phone or board: the `websockets` sans-I/O client over an asyncio transport (no task per
    socket, no future per message: the cheapest way to read thousands of sockets from Python)."""

    def __init__(self, url: str, headers: dict[str, str], kind: str, site: int, first_payload: bool, client: Client) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self.headers = headers
        self.kind = kind  # "board" or "phone"
        self.site = site
        self.client = client
        self.first_payload = first_payload  # the app sends a snapshot first; the yardstick nothing
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.seen = bytearray()
        self.parts: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (uvloop's transports are not asyncio.Transport subclasses)
        request = self.protocol.connect()
        for name, value in self.headers.items():
            request.headers[name] = value
        self.protocol.send_request(request)
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                self.transport.close()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Frame, Opcode
        from websockets.http11 import Response

        self.protocol.receive_data(data)
        events = self.protocol.events_received()
        self._flush()  # pongs and closing handshakes
        now = time.time()
        for event in events:
            if isinstance(event, Frame):
                if event.opcode in (Opcode.TEXT, Opcode.CONT):
                    self.parts.append(event.data)
                    if event.fin:
                        self.text(b"".join(self.parts), now)
                        self.parts = []
            elif isinstance(event, Response):
                if event.status_code != 101:
                    self._fail(f"handshake answered {event.status_code}")
                elif not self.first_payload and not self.ready.done():
                    self.ready.set_result(None)

    def text(self, data: bytes, now: float) -> None:
        if not self.ready.done():
            self.ready.set_result(None)  # the snapshot: the state before the bench's notes
            return
        tally = self.client.tally
        tally.frames += 1
        seen = self.seen
        for match in MARK.finditer(data):
            number = int(match[1])
            if number >= len(seen):
                seen.extend(bytes(number + 4096 - len(seen)))
            if seen[number]:
                tally.duplicates += 1
                continue
            seen[number] = 1
            tally.deliveries += 1
            kind = "board" if self.kind == "board" else "same" if int(match[2]) == self.site else "other"
            bucket = int((now - float(match[3])) / BUCKET)
            tally.histograms[kind][min(max(bucket, 0), BUCKETS - 1)] += 1

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before its first payload ({exc})"))

    def missing(self, first: int, last: int) -> int:
        return (last - first) - self.seen[first:last].count(1)


class Client:
    def __init__(self) -> None:
        self.sockets: list[Socket] = []
        self.tally = Tally()

    async def connect(self, specs: list[dict[str, Any]], first_payload: bool) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(64)  # handshakes at once: the server's accept queue stays short

        async def one(spec: dict[str, Any]) -> None:
            async with gate:
                made = Socket(spec["url"], spec["headers"], spec["kind"], spec["site"], first_payload, self)
                await loop.create_connection(lambda: made, spec["host"], spec["port"])
                self.sockets.append(made)
                await asyncio.wait_for(made.ready, 30)

        results = await asyncio.gather(*(one(spec) for spec in specs), return_exceptions=True)
        failed = [repr(result) for result in results if isinstance(result, BaseException)]
        return {"connected": len(specs) - len(failed), "failed": len(failed), "errors": failed[:3]}

    def step(self) -> dict[str, Any]:
        self.tally = Tally()
        return {}

    def count(self, first: int, last: int) -> dict[str, Any]:
        tally = self.tally
        return {
            "missing": sum(s.missing(first, last) for s in self.sockets if not s.closed),
            "closed": sum(s.closed for s in self.sockets),
            "frames": tally.frames,
            "deliveries": tally.deliveries,
            "duplicates": tally.duplicates,
            "histograms": {kind: {i: n for i, n in enumerate(h) if n} for kind, h in tally.histograms.items()},
        }

    def close(self) -> dict[str, Any]:
        for made in self.sockets:
            if made.transport is not None:
                made.transport.close()
        return {}


async def obey(answer: Callable[[str, dict[str, Any]], Awaitable[object]]) -> None:
    """A load client's loop: one JSON command a line on stdin (`do` names it), one JSON answer a line
    on stdout; an answer of None ends the loop (after answering `{}`)."""
    raise_fd_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        answered = await answer(command.pop("do"), command)
        print(json.dumps({} if answered is None else answered), flush=True)
        if answered is None:
            return


async def worker() -> None:
    """The load client of this bench."""
    client = Client()

    async def answer(name: str, command: dict[str, Any]) -> object:
        if name == "connect":
            return await client.connect(command["sockets"], command["first_payload"])
        if name == "step":
            return client.step()
        if name == "count":
            return client.count(command["first"], command["last"])
        client.close()
        await asyncio.sleep(0.2)
        return None

    await obey(answer)


class Worker:
    """The orchestrator's handle on one load-client process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=1 << 26,
        )
        return cls(process)

    async def ask(self, do: str, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps({"do": do, **command}) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("a load client died")
        return dict(json.loads(line))

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask("close"), 10)
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


# ------------------------------------------------------------------------------------------------
# The servers under test.
# ------------------------------------------------------------------------------------------------

@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def wait_ready(server: Server, check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{server.log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(Exception):
            if await check():
                return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not start in 60 s (see {server.log})")


async def start_app(folder: Path, index: int, database: str, redis_url: str) -> Server:
    import httpx

    port = free_port()
    log = folder / f"app-{index}.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")}
    env.update({"WORKSHOP_DATABASE_URL": database, "WORKSHOP_SECRET_KEY": "bench-live-key"})
    # Every phone joins from 127.0.0.1 and posts far past a person's pace: the bench measures the live
    # path, so the rate limits (workshop/web/throttle.py, tested in tests/test_floods.py) are off.
    env["WORKSHOP_RATE_LIMITS"] = "off"
    if redis_url:
        env["WORKSHOP_REDIS_URL"] = redis_url
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workshop", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)

    async def healthy() -> bool:
        async with httpx.AsyncClient(timeout=1) as http:
            return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200

    await wait_ready(server, healthy, f"the app on port {port}")
    return server


async def start_yardstick(folder: Path) -> Server:
    port = free_port()
    log = folder / "yardstick.log"
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, __file__, "--yardstick-serve", str(port)], stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, port, log)

    async def listening() -> bool:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
        return True

    await wait_ready(server, listening, "the yardstick")
    return server


async def yardstick_serve(port: int) -> None:
    """The yardstick: a bare broadcast server on `websockets` alone, one frame per note to every socket.

    A socket on /post is the poster: each message it sends goes to every other socket as it is."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    raise_fd_limit()
    listeners: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path.startswith("/post"):
            async for message in connection:
                broadcast(listeners, message)
            return
        listeners.add(connection)
        try:
            await connection.wait_closed()
        finally:
            listeners.discard(connection)

    # No keepalive pings: a saturated yardstick would time its own sockets out (the app's are 20 s apart).
    async with serve(handler, "127.0.0.1", port, compression=None, backlog=4096, ping_interval=None) as server:
        await server.serve_forever()


@asynccontextmanager
async def database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema (migrated, then dropped afterwards)."""
    if backend == "sqlite":
        yield str(folder / "bench.db")
        return
    import asyncpg

    from workshop.store import open_store

    schema = f"ow_bench_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(POSTGRES_URL, timeout=5)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}search_path={schema}"
    try:
        store = open_store(url)
        await store.open()  # migrate once, before the processes start
        await store.close()
        yield url
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


# ------------------------------------------------------------------------------------------------
# Posting.
# ------------------------------------------------------------------------------------------------

class HttpPool:
    """Keep-alive HTTP/1.1 connections to one server: a few lines of asyncio instead of an HTTP
    client library, so the poster costs little next to the server it measures."""

    IDLE = 3.0  # seconds: uvicorn closes a keep-alive connection idle for 5

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        now = asyncio.get_running_loop().time()
        while self.idle:
            reader, writer, used = self.idle.pop()
            if now - used < self.IDLE:
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, path: str, token: str, body: bytes) -> int:
        reader, writer = await self._connection()
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])  # type: ignore[index]
        await reader.readexactly(length)
        self.idle.append((reader, writer, asyncio.get_running_loop().time()))
        return int(head[9:12])

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()


@dataclass
class Event:
    id: str
    sites: list[str]  # site ids; a note's site index is its place here
    phones: list[tuple[int, str]]  # (site index, participant token)
    viewer: str
    host: str = ""  # the host token (bench/soak.py exports, votes and themes with it)
    facilitators: list[str] = field(default_factory=list)  # each site's facilitator token, in `sites` order


async def set_up(port: int, sites: int, phones: int) -> Event:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        made = (await http.post("/api/v1/events", json={"title": "Bench", "theme": "The live path"})).json()
        host = {"Authorization": f"Bearer {made['host_token']}"}
        (await http.patch(f"/api/v1/events/{made['id']}", json={"status": "live"}, headers=host)).raise_for_status()
        site_rows = [(await http.post(f"/api/v1/events/{made['id']}/sites", json={"name": f"Site {n}"}, headers=host)).json()
                     for n in range(sites)]
        gate = asyncio.Semaphore(16)

        async def join(number: int) -> tuple[int, str]:
            async with gate:
                response = await http.post("/api/v1/join", json={"code": site_rows[number % sites]["join_code"]})
                response.raise_for_status()
                return number % sites, str(response.json()["participant_token"])

        joined = await asyncio.gather(*(join(n) for n in range(phones)))
        viewer = str(httpx.URL(made["board_url"]).params["token"])
        return Event(made["id"], [row["id"] for row in site_rows], list(joined), viewer, made["host_token"],
                     [row["facilitator_token"] for row in site_rows])


# ------------------------------------------------------------------------------------------------
# One target (the app, or the yardstick): its sockets, its steps.
# ------------------------------------------------------------------------------------------------

def percentiles(histogram: dict[int, int]) -> dict[str, float | None]:
    total = sum(histogram.values())
    if not total:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    out: dict[str, float | None] = {"n": total}
    ordered = sorted(histogram.items())
    for name, share in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        wanted, running = share * total, 0
        for bucket, count in ordered:
            running += count
            if running >= wanted:
                out[name] = round((bucket + 1) * BUCKET * 1000, 1)
                break
    out["max"] = round((ordered[-1][0] + 1) * BUCKET * 1000, 1)
    return out


@dataclass
class Target:
    name: str  # "app" or "yardstick"
    servers: list[Server]
    workers: list[Worker]
    post: Callable[[int, float], Awaitable[int]]  # post note `number` due at wall time `due`; the HTTP status
    next_number: int = 0
    highest: float | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    async def run_step(self, rate: float, seconds: float, drain: float) -> dict[str, Any]:
        count = max(1, round(rate * seconds))
        first, last = self.next_number, self.next_number + count
        self.next_number = last
        await asyncio.gather(*(w.ask("step") for w in self.workers))
        pids = [s.process.pid for s in self.servers] + [w.process.pid for w in self.workers]
        cpu_before = [cpu_seconds(pid) for pid in pids]
        own_before = time.process_time()
        loop = asyncio.get_running_loop()
        started_loop, started_wall = loop.time() + 0.05, time.time() + 0.05
        answers: list[asyncio.Task[tuple[int, float]]] = []

        async def timed(number: int, due: float) -> tuple[int, float]:
            status = await self.post(number, due)
            return status, time.time() - due

        for i in range(count):
            delay = started_loop + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            answers.append(asyncio.create_task(timed(first + i, started_wall + i / rate)))
        posting = loop.time() - started_loop
        cpu_after = [cpu_seconds(pid) for pid in pids]
        own_cpu = time.process_time() - own_before
        done = await asyncio.gather(*answers)
        deadline = loop.time() + drain
        while True:  # wait until every socket has every note (other sites' may ride a second late)
            counts = await asyncio.gather(*(w.ask("count", first=first, last=last) for w in self.workers))
            if sum(c["missing"] for c in counts) == 0 or loop.time() > deadline:
                break
            await asyncio.sleep(0.1)
        if sum(c["missing"] for c in counts):
            await self.settle(first, last)
        merged: dict[str, dict[int, int]] = {kind: {} for kind in KINDS}
        for c in counts:
            for kind in KINDS:
                for bucket, n in c["histograms"][kind].items():
                    merged[kind][int(bucket)] = merged[kind].get(int(bucket), 0) + n
        n_servers = len(self.servers)
        server_cpu = sum(a - b for a, b in zip(cpu_after[:n_servers], cpu_before[:n_servers]))
        client_cpu = sum(a - b for a, b in zip(cpu_after[n_servers:], cpu_before[n_servers:])) + own_cpu
        deliveries = sum(c["deliveries"] for c in counts)
        post_ms = sorted(latency * 1000 for _, latency in done)
        step = {
            "rate": rate,
            "seconds": round(posting, 2),
            "notes": count,
            "board_ms": percentiles(merged["board"]),
            "phone_same_site_ms": percentiles(merged["same"]),
            "phone_other_sites_ms": percentiles(merged["other"]),
            "post_answer_ms": {"p50": round(post_ms[len(post_ms) // 2], 1), "p99": round(post_ms[int(len(post_ms) * 0.99) - 1 if len(post_ms) > 1 else 0], 1)},
            "post_errors": sum(status >= 300 for status, _ in done),
            "deliveries": deliveries,
            "deliveries_per_s": round(deliveries / posting),
            "frames_per_s": round(sum(c["frames"] for c in counts) / posting),
            "server_cpu_pct": round(100 * server_cpu / posting, 1),
            "server_cpu_us_per_delivery": round(1e6 * server_cpu / deliveries, 1) if deliveries else None,
            "client_cpu_pct": round(100 * client_cpu / posting, 1),
            "server_peak_rss_mb": round(sum(peak_rss_mb(s.process.pid) for s in self.servers), 1),
            "lost": sum(c["missing"] for c in counts),
            "duplicates": sum(c["duplicates"] for c in counts),
            "closed_sockets": sum(c["closed"] for c in counts),
            "load_average": load_average(),
        }
        step["meets_board_target"] = meets(step)
        self.steps.append(step)
        return step


    async def settle(self, first: int, last: int, longest: float = 90.0) -> None:
        """After a saturated step, wait (bounded) until the backlog is delivered or deliveries stop,
        so the next step, of either server, starts on a quiet machine."""
        before, deadline = -1, time.monotonic() + longest
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            counts = await asyncio.gather(*(w.ask("count", first=first, last=last) for w in self.workers))
            delivered = sum(c["deliveries"] for c in counts)
            if delivered == before or not sum(c["missing"] for c in counts):
                return
            before = delivered


def meets(step: dict[str, Any]) -> bool:
    p99 = step["board_ms"]["p99"]
    return p99 is not None and p99 < BOARD_TARGET_MS and step["lost"] == 0 and step["post_errors"] == 0 and step["closed_sockets"] == 0


class Search:
    """The highest rate (notes/s) whose step meets the board target: doubling while it holds,
    halving while it does not, then splitting the bracket until it is within 15%. At most `limit`
    steps after the first (the measured step at --rate)."""

    def __init__(self, start: float, limit: int) -> None:
        self.rate: float | None = start  # the next rate to try; None when done
        self.left = limit
        self.good: float | None = None
        self.bad: float | None = None

    def record(self, rate: float, met: bool) -> None:
        if met:
            self.good = rate if self.good is None else max(self.good, rate)
        else:
            self.bad = rate if self.bad is None else min(self.bad, rate)
        self.left -= 1
        if self.bad is None:
            upcoming: float | None = rate * 2
        elif self.good is None:
            upcoming = rate / 2
        elif self.bad / self.good > 1.15:
            upcoming = (self.good + self.bad) / 2
        else:
            upcoming = None
        self.rate = round(upcoming, 1) if upcoming is not None and self.left > 0 else None


async def search_both(targets: list[Target], seconds: float, drain: float, limit: int, log: Callable[[str], None]) -> None:
    """Search every target's highest rate from its measured step, their steps taken in turn, so
    that load from elsewhere on a shared machine falls on both alike."""
    searches = {target.name: Search(target.steps[0]["rate"], limit + 1) for target in targets}
    for target in targets:
        searches[target.name].record(target.steps[0]["rate"], target.steps[0]["meets_board_target"])
    while any(search.rate is not None for search in searches.values()):
        for target in targets:
            search = searches[target.name]
            if search.rate is None:
                continue
            rate = search.rate
            step = await target.run_step(rate, seconds, drain)
            log(f"  {target.name:>9} search {rate:6.1f} notes/s: board p99 {step['board_ms']['p99']} ms, lost {step['lost']}, "
                f"server CPU {step['server_cpu_pct']}%, clients {step['client_cpu_pct']}% -> "
                f"{'meets' if step['meets_board_target'] else 'misses'} (load {step['load_average']})")
            search.record(rate, step["meets_board_target"])
    for target in targets:
        target.highest = searches[target.name].good


async def open_sockets(target: Target, specs: list[dict[str, Any]], first_payload: bool) -> dict[str, Any]:
    shares: list[list[dict[str, Any]]] = [[] for _ in target.workers]
    for number, spec in enumerate(specs):
        shares[number % len(target.workers)].append(spec)
    answers = await asyncio.gather(*(w.ask("connect", sockets=share, first_payload=first_payload) for w, share in zip(target.workers, shares)))
    connected = sum(a["connected"] for a in answers)
    errors = [e for a in answers for e in a["errors"]]
    if connected < len(specs):
        raise RuntimeError(f"{target.name}: only {connected} of {len(specs)} sockets opened: {errors}")
    return {"sockets": connected}


def socket_specs(event: Event | None, servers: list[Server], boards: int, phone_sites: list[int], tokens: list[str], app: bool) -> list[dict[str, Any]]:
    """Boards and phones, interleaved, spread over the servers."""
    specs = []
    kinds = ["board"] * boards + ["phone"] * len(phone_sites)
    for number in range(len(kinds)):
        server = servers[number % len(servers)]
        kind = kinds[number]
        site = -1 if kind == "board" else phone_sites[number - boards]
        if app:
            assert event is not None
            query = "" if kind == "board" else f"?site={event.sites[site]}"
            token = event.viewer if kind == "board" else tokens[number - boards]
            url = f"ws://127.0.0.1:{server.port}/api/v1/events/{event.id}/live{query}"
            headers = {"Authorization": f"Bearer {token}"}
        else:
            url, headers = f"ws://127.0.0.1:{server.port}/", {}
        specs.append({"url": url, "headers": headers, "kind": kind, "site": site, "host": "127.0.0.1", "port": server.port})
    return specs


# ------------------------------------------------------------------------------------------------
# The run.
# ------------------------------------------------------------------------------------------------

async def bench(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    log: Callable[[str], None] = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (lambda line: print(line, flush=True))
    processes = args.processes if args.backend == "postgres" else 1
    result: dict[str, Any] = {
        "backend": args.backend, "processes": processes, "phones": args.phones, "sites": args.sites, "boards": args.boards,
        "sockets": args.phones + args.boards, "rate": args.rate, "duration": args.duration, "clients": args.clients,
        "cpus": os.cpu_count(), "load_average_before": load_average(),
    }
    log(f"live bench: {args.backend}, {processes} app process(es); {args.phones} phones over {args.sites} sites + "
        f"{args.boards} boards = {args.phones + args.boards} sockets; {args.rate} notes/s for {args.duration} s; "
        f"{args.clients} load client(s) per server; load average {result['load_average_before']}")
    with tempfile.TemporaryDirectory(prefix="ow-bench-") as tmp:
        folder = Path(tmp)
        async with database(args.backend, folder) as url, contextlib.AsyncExitStack() as stack:
            servers = [await start_app(folder, n, url, REDIS_URL if args.backend == "postgres" else "") for n in range(processes)]
            for server in servers:
                stack.callback(server.stop)
            targets = [await prepare_app(args, servers, stack, log)]
            if not args.no_yardstick:
                yard = await start_yardstick(folder)
                stack.callback(yard.stop)
                targets.append(await prepare_yardstick(args, yard, stack, log))
            for target in targets:
                step = await target.run_step(args.rate, args.duration, args.drain)
                result[target.name] = {"measured": step}
                show_step(target.name, step, log)
            if not args.no_search:
                await search_both(targets, args.step or max(2.0, args.duration / 5), args.drain, args.search_steps, log)
                for target in targets:
                    result[target.name].update(highest_rate=target.highest, search=target.steps)
    if "yardstick" in result and result["app"].get("highest_rate") and result["yardstick"].get("highest_rate"):
        result["ratio"] = round(result["app"]["highest_rate"] / result["yardstick"]["highest_rate"], 2)
    result["load_average_after"] = load_average()
    return result


async def prepare_app(args: argparse.Namespace, servers: list[Server], stack: contextlib.AsyncExitStack, log: Callable[[str], None]) -> Target:
    began = time.monotonic()
    event = await set_up(servers[0].port, args.sites, args.phones)
    log(f"app: event set up with {args.phones} participants in {time.monotonic() - began:.1f} s")
    pools = [HttpPool(server.port) for server in servers]
    for pool in pools:
        stack.callback(pool.close)
    paths = [f"/api/v1/sites/{site}/notes" for site in event.sites]

    async def post(number: int, due: float) -> int:
        site, token = event.phones[number % len(event.phones)]
        body = json.dumps({"text": note_text(number, site, due), "client_id": f"bench-{number}"}).encode()
        return await pools[number % len(pools)].post(paths[site], token, body)

    workers = [await Worker.start() for _ in range(args.clients)]
    for w in workers:
        stack.push_async_callback(w.stop)
    target = Target("app", servers, workers, post)
    began = time.monotonic()
    specs = socket_specs(event, servers, args.boards, [site for site, _ in event.phones], [t for _, t in event.phones], app=True)
    await open_sockets(target, specs, first_payload=True)
    log(f"app: {len(specs)} sockets open in {time.monotonic() - began:.1f} s")
    return target


async def prepare_yardstick(args: argparse.Namespace, yard: Server, stack: contextlib.AsyncExitStack, log: Callable[[str], None]) -> Target:
    from websockets.asyncio.client import connect

    sites = args.sites
    phone_sites = [n % sites for n in range(args.phones)]
    # A message the size of the app's note.created (ids, timestamps, flags), with the same marked text.
    shape: dict[str, Any] = {
        "seq": 0, "type": "note.created", "at": "2026-05-01T10:00:00.000000+00:00",
        "note": {"id": "n_" + "x" * 22, "event_id": "e_" + "x" * 22, "site_id": "s_" + "x" * 22, "participant_id": "p_" + "x" * 22,
                 "seq": 0, "text": "", "kind": "idea", "colour": "yellow", "visible": True, "merged_into": None, "hidden_by": None,
                 "on_behalf_of": None, "theme_id": None, "client_id": "bench-0", "created_at": "2026-05-01T10:00:00.000000+00:00",
                 "updated_at": "2026-05-01T10:00:00.000000+00:00"},
    }
    workers = [await Worker.start() for _ in range(args.clients)]
    for w in workers:
        stack.push_async_callback(w.stop)
    poster = await connect(f"ws://127.0.0.1:{yard.port}/post", compression=None, ping_interval=None)
    stack.push_async_callback(poster.close)

    async def post(number: int, due: float) -> int:
        shape["seq"] = shape["note"]["seq"] = number + 1
        shape["note"]["text"] = note_text(number, phone_sites[number % len(phone_sites)] if phone_sites else 0, due)
        await poster.send(json.dumps(shape, separators=(",", ":")))
        return 201

    target = Target("yardstick", [yard], workers, post)
    began = time.monotonic()
    specs = socket_specs(None, [yard], args.boards, phone_sites, [], app=False)
    await open_sockets(target, specs, first_payload=False)
    log(f"yardstick: {len(specs)} sockets open in {time.monotonic() - began:.1f} s")
    return target


def show_step(name: str, step: dict[str, Any], log: Callable[[str], None]) -> None:
    log(f"{name}: {step['rate']} notes/s for {step['seconds']} s: board p99 {step['board_ms']['p99']} ms, "
        f"server CPU {step['server_cpu_pct']}%, lost {step['lost']} (load {step['load_average']})")


def ms(figures: dict[str, Any]) -> str:
    return "/".join("-" if figures[key] is None else f"{figures[key]:g}" for key in ("p50", "p95", "p99", "max"))


def report(result: dict[str, Any]) -> str:
    app = result["app"]["measured"]
    yard = result.get("yardstick", {}).get("measured")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("notes posted (rate x s)", lambda s: f"{s['notes']} ({s['rate']:g}/s x {s['seconds']:g})"),
        ("post-to-board ms p50/p95/p99/max", lambda s: ms(s["board_ms"])),
        ("post-to-phone, same site ms", lambda s: ms(s["phone_same_site_ms"])),
        ("post-to-phone, other sites ms", lambda s: ms(s["phone_other_sites_ms"])),
        ("post answered ms p50/p99", lambda s: f"{s['post_answer_ms']['p50']:g}/{s['post_answer_ms']['p99']:g}"),
        ("deliveries/s", lambda s: f"{s['deliveries_per_s']:,}"),
        ("frames/s", lambda s: f"{s['frames_per_s']:,}"),
        ("server CPU % of a core", lambda s: f"{s['server_cpu_pct']:g}"),
        ("server CPU us/delivery", lambda s: f"{s['server_cpu_us_per_delivery']}"),
        ("server peak RSS MB", lambda s: f"{s['server_peak_rss_mb']:g}"),
        ("load clients' CPU %", lambda s: f"{s['client_cpu_pct']:g}"),
        ("undelivered after --drain / dup / closed", lambda s: f"{s['lost']} / {s['duplicates']} / {s['closed_sockets']}"),
        ("load average (1/5/15 min)", lambda s: s["load_average"]),
    ]
    lines = [
        f"Open Workshop live bench: {result['backend']}, {result['processes']} app process(es), {result['cpus']} CPUs",
        f"{result['phones']} phones over {result['sites']} sites + {result['boards']} boards = {result['sockets']} sockets; "
        f"{result['clients']} load client process(es); load average before {result['load_average_before']}",
        "",
        f"{'':34} {'app':>24} {'yardstick':>24}",
    ]
    for label, cell in rows:
        lines.append(f"{label:34} {cell(app):>24} {cell(yard) if yard else '':>24}")
    lines.append("")
    checks = [
        ("p99 post-to-board < 150 ms", app["board_ms"]["p99"] is not None and app["board_ms"]["p99"] < BOARD_TARGET_MS),
        ("p99 post-to-phone (same site) < 250 ms", app["phone_same_site_ms"]["p99"] is not None and app["phone_same_site_ms"]["p99"] < PHONE_TARGET_MS),
        ("other sites on phones within 2 s (max)", app["phone_other_sites_ms"]["max"] is None or app["phone_other_sites_ms"]["max"] < OTHER_TARGET_MS),
        ("nothing lost", app["lost"] == 0 and app["closed_sockets"] == 0),
        ("server memory < 500 MB", app["server_peak_rss_mb"] < MEMORY_TARGET_MB),
    ]
    lines.append("targets (app, at the measured rate): " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks))
    if "highest_rate" in result["app"]:
        def steps(which: str) -> str:
            return ", ".join(f"{s['rate']:g}{'+' if s['meets_board_target'] else '-'}" for s in result[which].get("search", []))

        lines.append("highest rate with p99 post-to-board < 150 ms and nothing lost (notes/s; steps tried, + met, - missed):")
        lines.append(f"  app       {result['app']['highest_rate']}   ({steps('app')})")
        if "yardstick" in result:
            lines.append(f"  yardstick {result['yardstick'].get('highest_rate')}   ({steps('yardstick')})")
        if "ratio" in result:
            lines.append(f"  ratio app / yardstick: {result['ratio']:g} (aim: at least 1.5)")
    lines.append(f"load average after {result['load_average_after']}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        run(worker())
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--yardstick-serve":
        run(yardstick_serve(int(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=2, help="app processes with --backend postgres (default 2)")
    parser.add_argument("--phones", type=int, default=1900)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--boards", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50.0, help="notes per second (default 50); also where the search starts")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting at --rate (default 20)")
    parser.add_argument("--step", type=float, default=None, help="seconds of posting per search step (default: a fifth of --duration, at least 2)")
    parser.add_argument("--search-steps", type=int, default=5, help="search steps per server after the measured one (default 5)")
    parser.add_argument("--drain", type=float, default=8.0, help="seconds a step waits for late deliveries before counting them lost")
    parser.add_argument("--clients", type=int, default=2, help="load-client processes (default 2)")
    parser.add_argument("--no-search", action="store_true", help="measure --rate only")
    parser.add_argument("--no-yardstick", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    args = parser.parse_args()
    result = run(bench(args))
    print(json.dumps(result) if args.json else report(result))


def run(work: Awaitable[Any]) -> Any:
    """uvloop when installed, as uvicorn uses it for the app: both servers and the clients on the same loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)  # type: ignore[arg-type]
    return uvloop.run(work)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
