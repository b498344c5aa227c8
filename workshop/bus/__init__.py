"""The bus: how a committed log entry reaches every process that has listeners for its event.

The interface is small on purpose (after encode/broadcaster): publish an entry, subscribe a
listener to an event. `MemoryBus` serves one process; other backends implement the same `Bus`.
Listeners are plain callables and must not block: they only hand the entry on (for example to a
live room's queue), so one slow socket can never hold up a publisher.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Callable

from workshop.domain.models import LogEntry

Listener = Callable[[LogEntry], None]


class Bus(abc.ABC):
    async def connect(self) -> None:
        """Open connections the backend needs; the in-process bus needs none."""

    async def disconnect(self) -> None:
        """Close what `connect` opened."""

    @abc.abstractmethod
    async def publish(self, entry: LogEntry) -> None:
        """Hand a committed entry to every listener of its event, in this and other processes."""

    @abc.abstractmethod
    def subscribe(self, event_id: str, listener: Listener) -> Callable[[], None]:
        """Call `listener` with each entry of `event_id` from now on; returns the unsubscribe function."""


class MemoryBus(Bus):
    """One process: entries go straight to the listeners, in the order they were published."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    async def publish(self, entry: LogEntry) -> None:
        for listener in tuple(self._listeners.get(entry.event_id, ())):
            listener(entry)

    def subscribe(self, event_id: str, listener: Listener) -> Callable[[], None]:
        self._listeners[event_id].append(listener)

        def unsubscribe() -> None:
            listeners = self._listeners.get(event_id)
            if listeners and listener in listeners:
                listeners.remove(listener)
                if not listeners:
                    del self._listeners[event_id]

        return unsubscribe
