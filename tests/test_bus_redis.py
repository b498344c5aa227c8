"""The Redis bus between app processes: two `RedisBus` instances stand for two processes.

Each test runs its own `redis-server` on a free port, so killing and restarting it touches nothing
else. What is proved: entries cross in order and once; a process's own entries are not delivered
twice; the last listener leaving unsubscribes; a post never waits on a Redis that is away; and a
reconnect tells the listeners that entries may have been missed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.processes import RedisServer, redis_server  # noqa: F401 (a fixture)
from workshop.bus import MemoryBus, open_bus
from workshop.bus.redis import RedisBus, channel
from workshop.domain.models import LogEntry


@pytest.fixture
async def buses(redis_server: RedisServer) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    first, second = RedisBus(redis_server.url), RedisBus(redis_server.url)
    await first.connect()
    await second.connect()
    yield first, second
    await first.disconnect()
    await second.disconnect()


def entry(seq: int, event_id: str = "event-1") -> LogEntry:
    return LogEntry(event_id, seq, "note.created", {"note": {"text": f"Note {seq} æøå"}}, "2025-05-01T10:00:00Z")


class Heard:
    """A listener that records entries, and counts the bus's gap signals."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self.gaps = 0
        self._changed = asyncio.Event()

    def __call__(self, entry: LogEntry) -> None:
        self.entries.append(entry)
        self._changed.set()

    def gap(self) -> None:
        self.gaps += 1
        self._changed.set()

    @property
    def seqs(self) -> list[int]:
        return [entry.seq for entry in self.entries]

    async def until(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                self._changed.clear()
                await self._changed.wait()


async def subscribed(bus: RedisBus, event_id: str = "event-1") -> Heard:
    """Subscribe and wait until Redis confirms it: the bus signals a gap for that moment."""
    heard = Heard()
    bus.subscribe(event_id, heard, on_gap=heard.gap)
    await heard.until(lambda: heard.gaps >= 1)
    return heard


async def test_entries_cross_to_the_other_process_in_order_and_once(buses: tuple[RedisBus, RedisBus]) -> None:
    here, there = buses
    mine, theirs = await subscribed(here), await subscribed(there)

    for seq in range(1, 21):
        await here.publish(entry(seq))
    await theirs.until(lambda: len(theirs.entries) >= 20)
    await there.publish(entry(21))
    await mine.until(lambda: len(mine.entries) >= 21)
    await asyncio.sleep(0.2)  # room for a copy of its own coming back through Redis, which must not

    assert theirs.seqs == list(range(1, 22))  # its own 21 at once, locally
    assert mine.seqs == list(range(1, 22))
    assert theirs.entries[0] == entry(1)  # the whole entry, non-ASCII text included


async def test_only_events_with_listeners_arrive_and_the_last_to_leave_unsubscribes(
    buses: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    here, there = buses
    heard, also = Heard(), Heard()
    unsubscribe = there.subscribe("event-1", heard, on_gap=heard.gap)
    unsubscribe_also = there.subscribe("event-1", also)
    await heard.until(lambda: heard.gaps >= 1)
    other = await subscribed(there, "event-2")

    await here.publish(entry(1, "event-2"))
    await here.publish(entry(1))
    await heard.until(lambda: len(heard.entries) == 1)
    await other.until(lambda: len(other.entries) == 1)
    assert heard.entries[0].event_id == "event-1" and other.entries[0].event_id == "event-2"

    unsubscribe()
    await here.publish(entry(2))
    await also.until(lambda: len(also.entries) == 2)  # another listener of the event keeps the channel
    assert heard.seqs == [1]

    async with Redis.from_url(redis_server.url) as client:
        async def listeners() -> int:
            return int(dict(await client.pubsub_numsub(channel("event-1")))[channel("event-1").encode()])

        assert await listeners() == 1
        unsubscribe_also()
        async with asyncio.timeout(5):
            while await listeners() != 0:
                await asyncio.sleep(0.02)


async def test_publishing_with_redis_away_is_immediate_and_local_listeners_still_hear(
    buses: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    here, there = buses
    mine = await subscribed(here)
    redis_server.kill()

    started = time.monotonic()
    for seq in range(1, 51):
        await here.publish(entry(seq))
    took = time.monotonic() - started

    assert took < 0.1, f"50 posts waited {took:.2f} s on a Redis that is away"
    assert mine.seqs == list(range(1, 51))


async def test_a_redis_that_hangs_never_holds_up_a_post() -> None:
    # A server that takes connections and never answers, like a Redis behind a dead link: a post
    # that waited for its reply would wait for a TCP timeout.
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(16)
        bus = RedisBus(f"redis://127.0.0.1:{hanging.getsockname()[1]}/0")
        await bus.connect()
        heard = Heard()
        bus.subscribe("event-1", heard)
        try:
            started = time.monotonic()
            for seq in range(1, 21):
                await bus.publish(entry(seq))
                await asyncio.sleep(0)  # let the sender try
            took = time.monotonic() - started
        finally:
            await bus.disconnect()
    assert took < 0.1, f"20 posts waited {took:.2f} s on a Redis that hangs"
    assert heard.seqs == list(range(1, 21))


async def test_a_reconnect_tells_listeners_entries_may_be_missed_then_entries_flow_again(
    buses: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    here, there = buses
    theirs = await subscribed(there)
    await here.publish(entry(1))
    await theirs.until(lambda: theirs.seqs == [1])

    redis_server.kill()
    await here.publish(entry(2))  # lost to the other process: only the log has it now
    gaps_during = theirs.gaps
    await theirs.until(lambda: theirs.gaps > gaps_during)  # while Redis is away, it says so on every retry
    redis_server.start()
    await theirs.until(lambda: there.listening, timeout=10)
    gaps_after = theirs.gaps
    assert gaps_after > gaps_during

    async with asyncio.timeout(10):  # both ends back: an entry published now arrives
        while here.listening is False:
            await asyncio.sleep(0.02)
        seq = 3
        while not any(found.seq >= 3 for found in theirs.entries):
            await here.publish(entry(seq))
            seq += 1
            await asyncio.sleep(0.1)
    assert theirs.seqs == sorted(set(theirs.seqs))  # in order, none twice


async def test_a_process_that_starts_while_redis_is_away_serves_and_joins_later(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)  # not started yet: its port refuses connections
    late, early = RedisBus(server.url), RedisBus(server.url)
    started = time.monotonic()
    await late.connect()
    assert time.monotonic() - started < 3
    assert not late.listening
    heard = Heard()
    late.subscribe("event-1", heard, on_gap=heard.gap)
    await late.publish(entry(1))
    assert heard.seqs == [1]
    try:
        server.start()
        await early.connect()
        async with asyncio.timeout(10):
            while not late.listening:
                await asyncio.sleep(0.02)
        await heard.until(lambda: heard.gaps >= 1)
        await early.publish(entry(2))
        await heard.until(lambda: heard.seqs == [1, 2])
    finally:
        await late.disconnect()
        await early.disconnect()
        server.kill()


def test_open_bus_picks_the_backend_from_the_url() -> None:
    assert isinstance(open_bus(None), MemoryBus)
    assert isinstance(open_bus(""), MemoryBus)
    assert isinstance(open_bus("redis://127.0.0.1:6379/0"), RedisBus)
    with pytest.raises(ValueError, match="redis://"):
        open_bus("http://127.0.0.1:6379")


def test_serve_takes_the_redis_url_from_a_flag_or_the_environment_and_explains_a_bad_one(tmp_path: Path) -> None:
    def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workshop", "serve", *args], cwd=tmp_path, env={**os.environ, **(env or {})},
            capture_output=True, text=True, timeout=60,
        )

    helped = serve("--help")
    assert "--redis-url" in helped.stdout and "WORKSHOP_REDIS_URL" in helped.stdout
    for refused in (serve("--redis-url", "http://127.0.0.1:6379"), serve(env={"WORKSHOP_REDIS_URL": "memcached://x"})):
        assert refused.returncode == 2
        assert "Unsupported bus URL" in refused.stderr and "Traceback" not in refused.stderr
