"""The live room's fan-out, without sockets: entries in log order, one render per view, bounded queues.

A bus may deliver late, out of order or not at all (a Redis blip); the room must still hand every
socket every entry once and in order, filling gaps from the store's log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from pathlib import Path

import pytest

from workshop.access import Tokens
from workshop.bus import MemoryBus
from workshop.domain.models import Board, LogEntry
from workshop.live.connection import Connection, join_json
from workshop.live import room as room_module
from workshop.live.room import Room, Rooms
from workshop.live.state import RoomState
from workshop.service import Workshop
from workshop.store import Store, open_store


class CountingView:
    """A view that renders `seq:type` and counts how often it was asked to render."""

    join = staticmethod(join_json)
    suggests = False

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.renders: list[int] = []

    def first(self, board: Board, state: RoomState) -> str:
        return f"first:{board.seq}"

    def render(self, entry: LogEntry, state: RoomState) -> str | None:
        self.renders.append(entry.seq)
        return f"{entry.seq}:{entry.type}"

    def urgent(self, entry: LogEntry) -> bool:
        return True


class Socket:
    """The sending side of a fake socket: records every frame, optionally never finishing a send."""

    def __init__(self, stalled: bool = False) -> None:
        self.frames: list[str] = []
        self.stalled = stalled

    async def send(self, frame: str) -> None:
        if self.stalled:
            await asyncio.Event().wait()
        self.frames.append(frame)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(str(tmp_path / "room.db"))
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
def bus() -> MemoryBus:
    return MemoryBus()


@pytest.fixture
def workshop(store: Store, bus: MemoryBus) -> Workshop:
    return Workshop(store, Tokens("test-secret", store), bus)


async def new_participant(workshop: Workshop) -> tuple[str, str]:
    """An event with one site and one participant: (event_id, participant_id)."""
    event = (await workshop.create_event(title="Room", theme="Fan-out")).event
    site = await workshop.add_site(event.id, name="Aalborg")
    joined = await workshop.join(site.join_code)
    return event.id, joined.participant.id


def connect(room: Room, view: CountingView, socket: Socket, **limits: int) -> tuple[Connection, asyncio.Task[None]]:
    connection = Connection(socket.send, view.join, **limits)
    room.add(view, connection)
    connection.start(room.last_seq)
    return connection, asyncio.create_task(connection.run())


def seqs(socket: Socket) -> list[int]:
    """The seq of every entry a socket was sent, across frames (a frame may carry several)."""
    found: list[int] = []
    for frame in socket.frames:
        payloads = [frame] if not frame.startswith("[") else frame[1:-1].split(",")
        found.extend(int(payload.split(":")[0]) for payload in payloads)
    return found


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_each_entry_is_rendered_once_per_view_and_sent_to_all_its_sockets(
    workshop: Workshop, store: Store, bus: MemoryBus
) -> None:
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, bus)
    await room.open()
    boards, phones = CountingView("board"), CountingView("phone")
    board_sockets = [Socket() for _ in range(3)]
    phone_sockets = [Socket() for _ in range(2)]
    tasks = [connect(room, boards, socket)[1] for socket in board_sockets]
    tasks += [connect(room, phones, socket)[1] for socket in phone_sockets]

    first = await workshop.post_note(participant_id, "One")
    second = await workshop.post_note(participant_id, "Two")
    await settle()

    assert boards.renders == phones.renders == [first.entry.seq, second.entry.seq]
    for socket in board_sockets + phone_sockets:
        assert seqs(socket) == [first.entry.seq, second.entry.seq]
    for task in tasks:
        task.cancel()
    room.close()


async def test_entries_published_out_of_order_are_delivered_in_order(workshop: Workshop, store: Store) -> None:
    quiet = MemoryBus()  # the room listens here; the test decides what it publishes, and when
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, quiet)
    await room.open()
    view, socket = CountingView("board"), Socket()
    task = connect(room, view, socket)[1]

    first = await workshop.post_note(participant_id, "First")
    second = await workshop.post_note(participant_id, "Second")
    await quiet.publish(second.entry)
    await quiet.publish(first.entry)
    await quiet.publish(first.entry)  # a duplicate delivery, as a reconnecting bus may send
    await settle()

    assert seqs(socket) == [first.entry.seq, second.entry.seq]
    task.cancel()
    room.close()


async def test_an_entry_the_bus_lost_is_filled_in_from_the_store(workshop: Workshop, store: Store) -> None:
    quiet = MemoryBus()
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, quiet)
    await room.open()
    view, socket = CountingView("board"), Socket()
    task = connect(room, view, socket)[1]

    lost = await workshop.post_note(participant_id, "Never published")
    seen = await workshop.post_note(participant_id, "Published")
    await quiet.publish(seen.entry)
    await asyncio.sleep(0.3)  # the room waits a moment for the entry in flight, then reads the log

    assert seqs(socket) == [lost.entry.seq, seen.entry.seq]
    assert view.renders == [lost.entry.seq, seen.entry.seq]
    task.cancel()
    room.close()


async def test_a_gap_signal_from_the_bus_reads_the_log_past_the_last_seq(workshop: Workshop, store: Store) -> None:
    quiet = MemoryBus()  # stands for a Redis that was away: nothing was published, nothing comes after
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, quiet)
    await room.open()
    view, socket = CountingView("board"), Socket()
    task = connect(room, view, socket)[1]

    missed = [await workshop.post_note(participant_id, f"Missed {number}") for number in range(3)]
    quiet.local.gap(event_id)  # what a bus does when it reconnects
    await asyncio.sleep(0.3)
    quiet.local.gap(event_id)  # a second signal with nothing new reads nothing twice
    await asyncio.sleep(0.3)

    assert seqs(socket) == [written.entry.seq for written in missed]
    task.cancel()
    room.close()


async def test_a_stalled_socket_overflows_while_the_others_get_everything(
    workshop: Workshop, store: Store, bus: MemoryBus
) -> None:
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, bus)
    await room.open()
    view = CountingView("board")
    healthy, stalled = Socket(), Socket(stalled=True)
    healthy_task = connect(room, view, healthy, max_pending=5)[1]
    stalled_connection, stalled_task = connect(room, view, stalled, max_pending=5)

    posted = [await workshop.post_note(participant_id, f"Note {number}") for number in range(12)]
    await settle()

    assert seqs(healthy) == [written.entry.seq for written in posted]
    assert stalled_connection.overflow.is_set()
    assert len(view.renders) == 12  # the stalled socket cost no extra rendering
    healthy_task.cancel()
    stalled_task.cancel()
    room.close()


async def test_rooms_share_one_room_per_event_and_close_it_with_the_last_socket(
    workshop: Workshop, store: Store, bus: MemoryBus
) -> None:
    event_id, participant_id = await new_participant(workshop)
    rooms = Rooms(store, bus)
    view, other = CountingView("board"), CountingView("phone")
    first = Connection(Socket().send, view.join)
    second = Connection(Socket().send, other.join)
    room_a, room_b = await asyncio.gather(rooms.enter(event_id, view, first), rooms.enter(event_id, other, second))
    assert room_a is room_b

    rooms.leave(room_a, view, first)
    await workshop.post_note(participant_id, "Still watched")
    assert other.renders and not view.renders

    rooms.leave(room_b, other, second)
    await workshop.post_note(participant_id, "Nobody watching")
    assert len(other.renders) == 1  # the closed room no longer listens to the bus


class SuggestingView(CountingView):
    """A view that shows suggestions: counts how often they were refreshed, and as of which entry."""

    suggests = True
    suggests_for = None

    def __init__(self, key: Hashable) -> None:
        super().__init__(key)
        self.refreshed: list[int] = []

    def suggestions(self, state: RoomState, offer: object, seq: int) -> str:
        self.refreshed.append(seq)
        return f"{seq}:suggestions"


async def test_suggestions_refresh_once_after_a_burst_and_only_for_views_that_show_them(
    workshop: Workshop, store: Store, bus: MemoryBus
) -> None:
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, bus)
    await room.open()
    console, phone = SuggestingView("console"), CountingView("phone")
    console_socket, phone_socket = Socket(), Socket()
    tasks = [connect(room, console, console_socket)[1], connect(room, phone, phone_socket)[1]]

    texts = ["One", "Two", "Three", "Four", "Five", "Six"]
    for text in texts:
        await workshop.post_note(participant_id, text)
    for _ in range(200):  # the engine reads the notes first: wait for a refresh as of the last note
        if console.refreshed and console.refreshed[-1] == room.last_seq and room.suggester.ready:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(room_module.SUGGEST_DELAY + 0.2)  # and for any further one

    assert console.refreshed and console.refreshed[-1] == room.last_seq
    assert len(console.refreshed) < len(texts)  # a burst is refreshed once (plus once while the engine was reading), not per note
    assert console_socket.frames[-1].endswith(f"{room.last_seq}:suggestions")
    assert not any("suggestions" in frame for frame in phone_socket.frames)
    for task in tasks:
        task.cancel()
    room.close()


async def test_a_borrowed_room_stays_open_a_while_without_sockets_then_closes(
    workshop: Workshop, store: Store, bus: MemoryBus
) -> None:
    event_id, participant_id = await new_participant(workshop)
    rooms = Rooms(store, bus, idle=0.2)
    room = await rooms.borrow(event_id)
    posted = await workshop.post_note(participant_id, "Buses to the villages")
    assert posted.note.id in room.state.themes.notes  # current without any socket
    assert await rooms.borrow(event_id) is room
    await asyncio.sleep(0.4)
    await workshop.post_note(participant_id, "After it closed")
    assert room.last_seq == posted.entry.seq  # closed: no longer listening
    assert await rooms.borrow(event_id) is not room


class InstantSuggester:
    """Answers at once, as an engine that has read the notes: the room's pacing alone is measured."""

    ready = True

    async def offers(self, site_ids: set[str | None]) -> dict[str | None, object]:
        return {site_id: None for site_id in site_ids}

    def apply(self, entry: LogEntry) -> None: ...

    def close(self) -> None: ...


async def test_a_steady_stream_of_notes_refreshes_suggestions_at_a_calm_pace(
    workshop: Workshop, store: Store, bus: MemoryBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(room_module, "SUGGEST_EVERY", 2.0)
    event_id, participant_id = await new_participant(workshop)
    room = Room(event_id, store, bus)
    await room.open()
    room.suggester = InstantSuggester()  # type: ignore[assignment]
    console = SuggestingView("console")
    task = connect(room, console, Socket())[1]
    for number in range(10):  # 5 s of a note every 0.5 s: each followed by a lull longer than SUGGEST_DELAY
        await workshop.post_note(participant_id, f"Note {number}")
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.5)

    assert console.refreshed[-1] == room.last_seq  # the last note is offered too
    assert 2 <= len(console.refreshed) <= 5, console.refreshed  # about one every 2 s, not one after each note's lull
    task.cancel()
    room.close()
