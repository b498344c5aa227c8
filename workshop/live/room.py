"""A live room: every socket of one event, fed from the bus in log order.

The room receives each committed entry once (from the bus), puts entries in seq order, fetching any
it missed from the store, and then, for each *view* that has sockets (the JSON stream, a site's
board, the shared board, the phones of a site, each in a language), turns the entry into a payload
once and offers that same string to every socket of the view.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Hashable

from workshop.bus import Bus
from workshop.domain.models import Board, LogEntry
from workshop.live.connection import Connection
from workshop.live.state import RoomState
from workshop.live.suggesting import Suggester
from workshop.live.themes import SUGGESTION_ENTRIES
from workshop.live.views import View
from workshop.store import Store

log = logging.getLogger("workshop.live")

SUGGEST_DELAY = 0.3  # seconds: suggestions refresh once after a burst of notes, not once per note
# Seconds between refreshes while notes keep coming: each refresh costs the suggestion thread a pass
# over the event's notes per site shown (bench/soak.py: most of its time at 3,000 notes and 5 a second).
SUGGEST_EVERY = 2.0
WARMING_POLL = 1.0  # seconds between looks while the suggestion engine is still reading an event's notes
EVENT_DELETED = 4004  # the close code of sockets whose event was deleted: "not found" from now on
ROOM_IDLE = 120.0  # seconds a room opened to answer a request (no socket) stays open for the next


class Room:
    def __init__(self, event_id: str, store: Store, bus: Bus) -> None:
        self.event_id = event_id
        self._store = store
        self._bus = bus
        self.state = RoomState()
        self.last_seq = 0
        self._views: dict[Hashable, View] = {}
        self._sockets: dict[Hashable, set[Connection]] = defaultdict(set)
        self._early: dict[int, LogEntry] = {}  # entries that arrived before one they follow
        self._filling: asyncio.Task[None] | None = None
        self._behind = False  # the bus said entries may have gone by unseen: read the log past last_seq
        self._loaded = asyncio.Event()  # the board the room starts from is read: gaps are measured from it
        self._unsubscribe: Callable[[], None] | None = None
        self.suggester = Suggester()  # the event's suggestion engine, on the suggestion thread
        self._suggesting: asyncio.Task[None] | None = None
        self._suggest_again = False  # entries came in since the last refresh of suggestions began
        self.kept_until = 0.0  # loop time until which the room stays open without sockets (`Rooms.borrow`)

    async def open(self) -> Board:
        # Subscribe first, then read: an entry committed in between arrives twice, never not at all,
        # and the seq check drops the second copy.
        self._unsubscribe = self._bus.subscribe(self.event_id, self.receive, on_gap=self.catch_up)
        board = await self._store.board(self.event_id)
        self.state.load(board)
        self.suggester.load(board)
        self.last_seq = max(self.last_seq, board.seq)
        self._loaded.set()
        self._drain()
        return board

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._filling is not None:
            self._filling.cancel()
        if self._suggesting is not None:
            self._suggesting.cancel()
        self.suggester.close()

    @property
    def empty(self) -> bool:
        return not any(self._sockets.values())

    def add(self, view: View, connection: Connection) -> None:
        self._views.setdefault(view.key, view)
        self._sockets[view.key].add(connection)
        if view.suggests:  # its first suggestions, a moment after its first payload
            self._want_suggestions()

    def remove(self, view: View, connection: Connection) -> None:
        sockets = self._sockets.get(view.key)
        if sockets is not None:
            sockets.discard(connection)
            if not sockets:
                del self._sockets[view.key]
                del self._views[view.key]

    # -- entries in order -----------------------------------------------------------------------
    def receive(self, entry: LogEntry) -> None:
        """Take an entry from the bus (never waits): deliver it in order, or hold it until its turn."""
        if entry.type == "event.deleted":
            self._end_all()  # at once: the entries it may follow are deleted too, and nothing is left to show
            return
        if entry.seq <= self.last_seq:
            return  # already delivered
        if entry.seq > self.last_seq + 1:
            self._early[entry.seq] = entry
            self._fill_gap()
            return
        self._deliver(entry)
        self._drain()

    def _drain(self) -> None:
        """Deliver held entries that are now next in line, and forget those already covered."""
        for seq in [seq for seq in self._early if seq <= self.last_seq]:
            del self._early[seq]
        while self.last_seq + 1 in self._early:
            self._deliver(self._early.pop(self.last_seq + 1))

    def catch_up(self) -> None:
        """The bus may have missed entries (it reconnected, or has just subscribed): read the log."""
        self._behind = True
        self._fill_gap()

    def _fill_gap(self) -> None:
        if self._filling is None or self._filling.done():
            self._filling = asyncio.get_running_loop().create_task(self._fill())

    async def _fill(self) -> None:
        """Read missed entries from the store: the bus may lose or reorder, the log never does."""
        await asyncio.sleep(0.05)  # most gaps close by themselves when the entry in flight arrives
        await self._loaded.wait()
        while self._behind or (self._early and min(self._early) > self.last_seq + 1):
            self._behind = False  # this read covers whatever the bus missed until now
            missing = await self._store.log_since(self.event_id, self.last_seq, limit=1000)
            for entry in missing:
                self.receive(entry)
            if len(missing) == 1000:
                self._behind = True  # a full page: there is more
            elif not missing and not self._behind:
                return

    def _end_all(self) -> None:
        """The event was deleted: close every socket with 4004, which browsers do not reconnect on."""
        self._early.clear()
        for sockets in self._sockets.values():
            for connection in sockets:
                connection.end(EVENT_DELETED, "event deleted")

    def _deliver(self, entry: LogEntry) -> None:
        self.last_seq = entry.seq
        self.state.apply(entry)
        self.suggester.apply(entry)
        for key, sockets in list(self._sockets.items()):
            view = self._views[key]
            try:
                payload = view.render(entry, self.state)
            except Exception:  # one view's bug must not starve the others
                log.exception("rendering %s for %s failed", entry.type, key)
                continue
            if payload is None:
                continue
            urgent = view.urgent(entry)
            for connection in sockets:
                connection.offer(entry.seq, payload, urgent=urgent)
        if entry.type in SUGGESTION_ENTRIES and any(view.suggests for view in self._views.values()):
            self._want_suggestions()

    # -- suggestions ------------------------------------------------------------------------------
    def _want_suggestions(self) -> None:
        self._suggest_again = True
        if self._suggesting is None or self._suggesting.done():
            self._suggesting = asyncio.get_running_loop().create_task(self._suggest())

    async def _suggest(self) -> None:
        """Send the views that show suggestions (a facilitator's console, a JSON stream that asked)
        their refreshed suggestions: once per burst of entries, computed once per site they show."""
        while self._suggest_again:
            await asyncio.sleep(SUGGEST_DELAY)
            self._suggest_again = False
            try:
                await self._send_suggestions()
            except Exception:  # suggestions help; a failure must not take the room down
                log.exception("suggestions for event %s failed", self.event_id)
            if not self.suggester.ready and any(view.suggests for view in self._views.values()):  # still reading the notes
                await asyncio.sleep(WARMING_POLL)
                self._suggest_again = True
            else:  # entries coming in the next moments wait for a calm pace, not a refresh after each lull
                await asyncio.sleep(SUGGEST_EVERY - SUGGEST_DELAY)

    async def _send_suggestions(self) -> None:
        wanted = {view.suggests_for for view in self._views.values() if view.suggests}
        offers = await self.suggester.offers(wanted)
        seq = self.last_seq  # (the offers may lag a few entries behind under a flood: they are hints)
        for key, sockets in list(self._sockets.items()):
            view = self._views[key]
            if view.suggests and view.suggests_for in offers:
                payload = view.suggestions(self.state, offers[view.suggests_for], seq)
                for connection in sockets:
                    connection.offer(seq, payload, entry=False)


class Rooms:
    """The open rooms of this process, one per event that has sockets."""

    def __init__(self, store: Store, bus: Bus, *, idle: float = ROOM_IDLE) -> None:
        self._store = store
        self._bus = bus
        self.idle = idle
        self._rooms: dict[str, Room] = {}
        self._opening: dict[str, asyncio.Future[Room]] = {}

    async def enter(self, event_id: str, view: View, connection: Connection) -> Room:
        room = self._rooms.get(event_id)
        if room is None:
            room = await self._open(event_id)
        room.add(view, connection)
        return room

    async def _open(self, event_id: str) -> Room:
        pending = self._opening.get(event_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._opening[event_id] = future
        room = Room(event_id, self._store, self._bus)
        try:
            await room.open()
        except BaseException as exc:
            room.close()
            future.set_exception(exc)
            future.exception()  # mark retrieved: the waiters, if any, re-raise it
            raise
        finally:
            del self._opening[event_id]
        self._rooms[event_id] = room
        future.set_result(room)
        return room

    async def borrow(self, event_id: str) -> Room:
        """The event's room, to read its live state without a socket (suggestions for the API): kept
        open `idle` seconds after the last borrow, so a facilitator's next ask finds it ready."""
        room = self._rooms.get(event_id) or await self._open(event_id)
        loop = asyncio.get_running_loop()
        room.kept_until = loop.time() + self.idle
        loop.call_later(self.idle, self._close_if_idle, room)
        return room

    def leave(self, room: Room, view: View, connection: Connection) -> None:
        room.remove(view, connection)
        self._close_if_idle(room)

    def _close_if_idle(self, room: Room) -> None:
        # A timer may fire a hair before its time (the loop's clock resolution): allow for it.
        idle = room.empty and asyncio.get_running_loop().time() + 0.01 >= room.kept_until
        if idle and self._rooms.get(room.event_id) is room:
            room.close()
            del self._rooms[room.event_id]

    def close(self) -> None:
        for room in self._rooms.values():
            room.close()
        self._rooms.clear()
