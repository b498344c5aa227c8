"""The operations the API, pages and CLI share: what concurrent requests and edits leave behind."""

from __future__ import annotations

import asyncio

import pytest

from workshop.access import Tokens
from workshop.bus import MemoryBus
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus
from workshop.service import Workshop
from workshop.store import Store


@pytest.fixture
def workshop(store: Store) -> Workshop:
    return Workshop(store, Tokens("test-secret", store), MemoryBus())


async def outcome(call: asyncio.Future[object] | object) -> object:
    """The value of an awaitable, or the code of the rule it broke."""
    try:
        return await call  # type: ignore[misc]
    except RuleError as error:
        return error.code


async def test_a_close_racing_a_reopen_leaves_the_event_closed(workshop: Workshop) -> None:
    for _ in range(5):
        event = (await workshop.create_event(title="Race", theme="Closing")).event
        # Both requests read "draft" before either writes; the store decides, in its transaction.
        results = await asyncio.gather(
            outcome(workshop.update_event(event.id, {"status": "closed"})),
            outcome(workshop.update_event(event.id, {"status": "live"})),
        )
        assert (await workshop.event(event.id)).status == EventStatus.CLOSED
        assert "invalid_status_change" in results or results[1].status == EventStatus.LIVE  # type: ignore[union-attr]


WRITES = {
    "create_note": lambda w, ids: w.post_note(ids["participant"], "Late idea"),
    "create_participant": lambda w, ids: w.join(ids["code"]),
    "create_site": lambda w, ids: w.add_site(ids["event"], name="Late site"),
    "update_note": lambda w, ids: w.edit_note(ids["note"], text="Late edit"),
    "delete_note": lambda w, ids: w.delete_note(ids["note"]),
}


@pytest.mark.parametrize("method", sorted(WRITES))
async def test_a_close_between_check_and_write_refuses_the_write(
    workshop: Workshop, store: Store, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    event = (await workshop.create_event(title="Race", theme="Closing")).event
    site = await workshop.add_site(event.id, name="Aalborg")
    person = (await workshop.join(site.join_code)).participant
    note = (await workshop.post_note(person.id, "Early idea")).note
    ids = {"event": event.id, "code": site.join_code, "participant": person.id, "note": note.id}

    # The host's close commits after the operation has read the event, just before it writes.
    write = getattr(store, method)

    async def closed_first(*args: object, **kwargs: object) -> object:
        await workshop.update_event(event.id, {"status": "closed"})
        return await write(*args, **kwargs)

    monkeypatch.setattr(store, method, closed_first)
    assert await outcome(WRITES[method](workshop, ids)) == "event_closed"
    board = await workshop.board(event.id)
    assert [n.text for n in board.notes] == ["Early idea"] and [s.name for s in board.sites] == ["Aalborg"]
    assert (await store.log_since(event.id, 0))[-1].type == "event.updated"  # the close is the last entry


async def test_a_repeated_close_logs_nothing(workshop: Workshop, store: Store) -> None:
    event = (await workshop.create_event(title="Twice", theme="Closing")).event
    await asyncio.gather(*(workshop.update_event(event.id, {"status": "closed"}) for _ in range(3)))
    types = [e.type for e in await store.log_since(event.id, 0)]
    assert types == ["event.created", "event.updated"]


async def test_a_note_in_its_kinds_colour_follows_a_change_of_kind(workshop: Workshop) -> None:
    event = (await workshop.create_event(title="Colours", theme="Kinds")).event
    site = await workshop.add_site(event.id, name="Riga")
    person = (await workshop.join(site.join_code)).participant
    plain = (await workshop.post_note(person.id, "An idea")).note
    picked = (await workshop.post_note(person.id, "Green idea", colour="green")).note

    assert (await workshop.edit_note(plain.id, kind="question")).colour == Colour.BLUE
    assert (await workshop.edit_note(picked.id, kind="concern")).colour == Colour.GREEN
    assert (await workshop.edit_note(picked.id, kind="concern", colour="")).colour == Colour.PINK
