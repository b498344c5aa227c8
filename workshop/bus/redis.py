"""The bus between app processes: Redis pub/sub, one channel per event.

Each process keeps one connection that listens (subscribed to the channels of the events it has
listeners for: the first local listener of an event subscribes, the last one leaving unsubscribes)
and one that publishes. A message is the log entry as JSON, with the id of the process that sent
it, so a process skips its own messages when they come back: it delivered them to its own
listeners the moment it published, without a round trip through Redis.

Redis is never on a post's path. `publish` hands the message to a sender task and returns; while
Redis is away the sender keeps only the newest message of each event and retries with back-off
(the listeners elsewhere see a seq gap in it and read the rest from the log). The listening
connection reconnects with back-off, and every time it (re)subscribes, and every retry while Redis
stays away, it tells the event's listeners that entries may have been missed (`on_gap`), so rooms
read the log past their last seq: clients get every entry once and in order across a restart.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from workshop.bus import Bus, GapListener, Listener, Listeners
from workshop.domain.models import LogEntry

log = logging.getLogger("workshop.bus")

PREFIX = "workshop:event:"  # + the event's id: one channel per event
OWN_PREFIX = "workshop:process:"  # + the process's id: a channel no one publishes on
TIMEOUT = 1.0  # seconds to connect or send: a Redis that takes longer counts as away
HEARTBEAT = 5.0  # seconds of silence after which the listener pings; no answer in as long again = lost
RETRY_FIRST = 0.1  # seconds before the first reconnect; doubled on every failure ...
RETRY_MAX = 2.0  # ... up to this, which is also how often rooms read their log while Redis is away
OUTBOX_LIMIT = 10_000  # messages waiting for Redis; past this the oldest go (the log has them)
START_WAIT = 1.0  # seconds `connect` waits for the first subscription before serving anyway


def channel(event_id: str) -> str:
    return PREFIX + event_id


def _unexpected(exc: Exception) -> bool:
    """Not Redis being away (which is expected now and then) but a bug: worth a traceback."""
    return not isinstance(exc, RedisError | OSError)


class RedisBus(Bus):
    def __init__(self, url: str) -> None:
        self.url = url
        self.origin = uuid.uuid4().hex  # this process, in every message it sends
        self.local = Listeners()
        self._client: Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._outbox: collections.deque[tuple[str, str]] = collections.deque(maxlen=OUTBOX_LIMIT)
        self._in_flight = 0
        self._outbox_ready = asyncio.Event()
        self._channels_changed = asyncio.Event()
        self._listening = asyncio.Event()
        self._retry = RETRY_FIRST

    @property
    def listening(self) -> bool:
        """Whether the listening connection is up and subscribed."""
        return self._listening.is_set()

    # -- the Bus interface ----------------------------------------------------------------------
    async def connect(self) -> None:
        self._client = Redis.from_url(
            self.url,
            socket_connect_timeout=TIMEOUT,
            socket_timeout=TIMEOUT,
            socket_keepalive=True,
            retry=Retry(NoBackoff(), 0),  # this bus retries itself, with back-off, off the post's path
        )
        self._listener = asyncio.create_task(self._listen_forever())
        self._sender = asyncio.create_task(self._send_forever())
        # Serve even when Redis is away (the app works alone, and catches up when it is back), but
        # give it a moment, so a healthy start is subscribed before the first request.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(START_WAIT):
                await self._listening.wait()
        if not self.listening:
            log.warning("Redis at %s is not answering; serving anyway, retrying in the background", self.url)

    async def disconnect(self) -> None:
        # Let what this process published last reach the others, for a moment at most.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(TIMEOUT):
                while (self._outbox or self._in_flight) and self._sender is not None and not self._sender.done():
                    await asyncio.sleep(0.01)
        tasks = [task for task in (self._listener, self._sender) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._listener = self._sender = None
        if self._client is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._client.aclose()
            self._client = None

    async def publish(self, entry: LogEntry) -> None:
        self.local.deliver(entry)  # this process's own rooms: at once, no round trip
        message = {
            "origin": self.origin, "event_id": entry.event_id, "seq": entry.seq, "type": entry.type,
            "data": entry.data, "created_at": entry.created_at,
        }
        self._outbox.append((channel(entry.event_id), json.dumps(message, ensure_ascii=False, separators=(",", ":"))))
        self._outbox_ready.set()

    def subscribe(self, event_id: str, listener: Listener, *, on_gap: GapListener | None = None) -> Callable[[], None]:
        remove = self.local.add(event_id, listener, on_gap)
        self._channels_changed.set()

        def unsubscribe() -> None:
            remove()
            self._channels_changed.set()

        return unsubscribe

    # -- sending ----------------------------------------------------------------------------------
    async def _send_forever(self) -> None:
        """Publish what is queued, in order, as one pipeline per wake-up; retry with back-off."""
        retry = RETRY_FIRST
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox:
                batch = list(self._outbox)
                self._outbox.clear()
                self._in_flight = len(batch)
                try:
                    await self._publish_batch(batch)
                except Exception as exc:  # whatever it is, the sender must live on: the next entry may pass
                    if retry == RETRY_FIRST:
                        log.warning("cannot publish to Redis (%r); the others will read the log", exc, exc_info=_unexpected(exc))
                    # The newest entry of each event is enough: whoever gets it reads the rest by seq.
                    newest = dict([*batch, *self._outbox])
                    self._outbox.clear()
                    self._outbox.extend(newest.items())
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, RETRY_MAX)
                else:
                    if retry != RETRY_FIRST:
                        log.info("publishing to Redis again")
                    retry = RETRY_FIRST
                finally:
                    self._in_flight = 0

    async def _publish_batch(self, batch: list[tuple[str, str]]) -> None:
        assert self._client is not None
        async with self._client.pipeline(transaction=False) as pipe:
            for name, text in batch:
                pipe.publish(name, text)
            await pipe.execute()

    # -- listening --------------------------------------------------------------------------------
    async def _listen_forever(self) -> None:
        assert self._client is not None
        while True:
            pubsub = self._client.pubsub()
            try:
                await self._listen(pubsub)
            except Exception as exc:  # whatever it is, keep trying: a process that stops listening is cut off
                if self.listening:
                    log.warning("lost Redis (%r); reconnecting, reading the log meanwhile", exc, exc_info=_unexpected(exc))
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            # Whatever went by while nobody listened is in the log: rooms read it now, and on every
            # retry while Redis stays away, so boards fall seconds behind at most, not the whole outage.
            self._gap(self.local.events())
            await asyncio.sleep(self._retry)
            self._retry = min(self._retry * 2, RETRY_MAX)

    async def _listen(self, pubsub: PubSub) -> None:
        # A channel of its own keeps the connection subscribed (and so readable) with no event open.
        await pubsub.subscribe(OWN_PREFIX + self.origin)
        tasks = [asyncio.create_task(self._follow_listeners(pubsub)), asyncio.create_task(self._receive(pubsub))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # both run until the connection fails: raise why
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _follow_listeners(self, pubsub: PubSub) -> None:
        """Keep the subscribed channels those of the events that have local listeners."""
        subscribed: set[str] = set()
        while True:
            wanted = {channel(event_id) for event_id in self.local.events()}
            if wanted - subscribed:
                await pubsub.subscribe(*(wanted - subscribed))
            if subscribed - wanted:
                await pubsub.unsubscribe(*(subscribed - wanted))
            subscribed = wanted
            await self._channels_changed.wait()
            self._channels_changed.clear()

    async def _receive(self, pubsub: PubSub) -> None:
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=HEARTBEAT)
            if message is None:
                if pinged:  # a connection can die without a word (a cable, a firewall): ask, then give up
                    raise ConnectionError("Redis did not answer a ping")
                await pubsub.ping()
                pinged = True
                continue
            pinged = False
            if message["type"] == "message":
                self._deliver(message["data"])
            elif message["type"] == "subscribe":
                self._listening.set()
                self._retry = RETRY_FIRST
                # Entries committed before the subscription took effect went by unseen.
                name = message["channel"].decode()
                if name.startswith(PREFIX):
                    self._gap({name.removeprefix(PREFIX)})

    def _deliver(self, data: bytes) -> None:
        try:
            fields: dict[str, Any] = json.loads(data)
            if fields.get("origin") == self.origin:
                return  # delivered when it was published
            entry = LogEntry(
                str(fields["event_id"]), int(fields["seq"]), str(fields["type"]), dict(fields["data"]), str(fields["created_at"])
            )
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed bus message: %.200r", data)
            return
        try:
            self.local.deliver(entry)
        except Exception:  # a listener's bug must not cut this process off from the others
            log.exception("a listener failed on %s %s", entry.event_id, entry.seq)

    def _gap(self, event_ids: set[str]) -> None:
        for event_id in event_ids:
            try:
                self.local.gap(event_id)
            except Exception:
                log.exception("a gap listener failed on %s", event_id)
