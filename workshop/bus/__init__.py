"""The bus: how a committed log entry reaches every process that has listeners for its event.

The interface is small on purpose (after encode/broadcaster): publish an entry, subscribe a
listener to an event. `MemoryBus` serves one process; `RedisBus` (`workshop.bus.redis`) several,
and `open_bus(url)` picks one from the configuration. Listeners are plain callables and must not
block: they only hand the entry on (for example to a live room's queue), so one slow socket can
never hold up a publisher.

A bus between processes may lose entries (its server restarts, a connection drops). It never has
to resend them: the store's log has every entry, so the bus only says *that* entries may have been
missed (`on_gap`), and the listener reads them from the log by seq.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from workshop.domain.models import LogEntry

Listener = Callable[[LogEntry], None]
GapListener = Callable[[], None]
T = TypeVar("T")


class Bus(abc.ABC):
    async def connect(self) -> None:
        """Open connections the backend needs; the in-process bus needs none."""

    async def disconnect(self) -> None:
        """Close what `connect` opened."""

    @abc.abstractmethod
    async def publish(self, entry: LogEntry) -> None:
        """Hand a committed entry to every listener of its event, in this and other processes.

        Never fails and never waits on another process: the entry is already committed, and the
        listeners elsewhere can always read it from the log."""

    @abc.abstractmethod
    def subscribe(self, event_id: str, listener: Listener, *, on_gap: GapListener | None = None) -> Callable[[], None]:
        """Call `listener` with each entry of `event_id` from now on, and `on_gap` (never blocking
        either) whenever entries may have been missed: the listener then reads the log past the
        last seq it has. Returns the unsubscribe function."""


class Listeners:
    """This process's listeners, by event: what every bus delivers to in the end."""

    def __init__(self) -> None:
        self._entries: dict[str, list[Listener]] = defaultdict(list)
        self._gaps: dict[str, list[GapListener]] = defaultdict(list)

    def events(self) -> set[str]:
        return set(self._entries)

    def add(self, event_id: str, listener: Listener, on_gap: GapListener | None) -> Callable[[], None]:
        self._entries[event_id].append(listener)
        if on_gap is not None:
            self._gaps[event_id].append(on_gap)

        def remove() -> None:
            _discard(self._entries, event_id, listener)
            if on_gap is not None:
                _discard(self._gaps, event_id, on_gap)

        return remove

    def deliver(self, entry: LogEntry) -> None:
        for listener in tuple(self._entries.get(entry.event_id, ())):
            listener(entry)

    def gap(self, event_id: str) -> None:
        for on_gap in tuple(self._gaps.get(event_id, ())):
            on_gap()


def _discard(registry: dict[str, list[T]], event_id: str, item: T) -> None:
    found = registry.get(event_id)
    if found and item in found:
        found.remove(item)
        if not found:
            del registry[event_id]


class MemoryBus(Bus):
    """One process: entries go straight to the listeners, in the order they were published. Nothing
    is ever missed, so `on_gap` is never called."""

    def __init__(self) -> None:
        self.local = Listeners()

    async def publish(self, entry: LogEntry) -> None:
        self.local.deliver(entry)

    def subscribe(self, event_id: str, listener: Listener, *, on_gap: GapListener | None = None) -> Callable[[], None]:
        return self.local.add(event_id, listener, on_gap)


def open_bus(url: str | None) -> Bus:
    """Return an (unconnected) bus for a URL: none or empty is this process alone (`MemoryBus`),
    `redis://` / `rediss://` / `unix://` a Redis server shared by several processes (`RedisBus`)."""
    if not url:
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from workshop.bus.redis import RedisBus  # imports redis only when it is used

        return RedisBus(url)
    raise ValueError(f"Unsupported bus URL {url!r}: use redis://HOST:PORT[/DB], or nothing for one process.")
