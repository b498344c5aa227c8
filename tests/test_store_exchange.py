"""The store's build-ons, sends and spotlights (SQLite and PostgreSQL): checked inside the write, logged in it, on the board."""

from __future__ import annotations

import asyncio

import pytest

from tests.stores import Backend
from tests.test_store import draft, new_event, new_participant, new_site
from workshop.domain import agenda
from workshop.domain.agenda import ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import Event, EventStatus, Note, Participant, Site
from workshop.store import NotFound, Store, open_store


async def two_sites(store: Store) -> tuple[Event, Site, Site, Participant, Participant, Note]:
    """Aalborg and Odense, a phone at each, and a note of Aalborg's."""
    event = await new_event(store)
    aalborg, odense = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    ana, ole = await new_participant(store, aalborg), await new_participant(store, odense)
    note = (await store.create_note(ana, draft("Car-free Sundays"))).note
    return event, aalborg, odense, ana, ole, note


async def refused(write) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        await write
    return caught.value.code


# -- build-ons ------------------------------------------------------------------------------------


async def test_a_build_on_from_another_site_is_stored_logged_and_on_the_board(store: Store) -> None:
    event, aalborg, odense, _, ole, note = await two_sites(store)
    written = await store.create_build_on(ole, note.id, "And buses for free", client_id=None)
    build_on = written.build_on
    assert written.created and (build_on.site_id, build_on.author_site_id, build_on.participant_id) == (aalborg.id, odense.id, ole.id)
    assert written.entry.type == "build_on.created" and written.entry.seq == build_on.seq
    assert written.entry.data["build_on"]["author_site_id"] == odense.id and written.entry.data["build_on"]["site_id"] == aalborg.id
    assert (await store.log_since(event.id, build_on.seq - 1))[0] == written.entry  # committed with it
    assert await store.list_build_ons(note.id) == [build_on]
    assert (await store.board(event.id)).build_ons == [build_on]


async def test_a_retried_build_on_returns_the_first_even_after_the_close(store: Store) -> None:
    event, _, _, _, ole, note = await two_sites(store)
    first = await store.create_build_on(ole, note.id, "Buses", client_id="b-1")
    await store.update_event(event.id, status=EventStatus.CLOSED)
    last = await store.last_seq(event.id)
    again = await store.create_build_on(ole, note.id, "Buses", client_id="b-1")
    assert (again.created, again.build_on, again.entry) == (False, first.build_on, first.entry)
    assert await refused(store.create_build_on(ole, note.id, "Trams", client_id="b-2")) == "event_closed"
    assert await store.last_seq(event.id) == last  # nothing logged


async def test_concurrent_retries_make_one_build_on(store: Store) -> None:
    _, _, _, _, ole, note = await two_sites(store)
    results = await asyncio.gather(*(store.create_build_on(ole, note.id, "Once", client_id="same") for _ in range(5)))
    assert sum(result.created for result in results) == 1
    assert len(await store.list_build_ons(note.id)) == 1


async def test_the_authors_sites_phase_decides_inside_the_write(store: Store) -> None:
    event, aalborg, odense, ana, ole, note = await two_sites(store)
    phases, _ = await store.set_agenda(event.id, [agenda.phase_draft("Ideas", 10, ["post"]), agenda.phase_draft("Build", 10, ["build"])], kit=None)
    await store.move_clocks(event.id, ClockAction.START, phase_id=phases[0].id)
    await store.move_clocks(event.id, ClockAction.NEXT, site_id=aalborg.id)  # Aalborg builds, Odense still writes ideas
    assert await refused(store.create_build_on(ole, note.id, "Too early", client_id=None)) == "not_in_this_phase"
    assert (await store.create_build_on(ana, note.id, "Right on time", client_id=None)).created
    assert [b.text for b in await store.list_build_ons(note.id)] == ["Right on time"]


async def test_only_shown_notes_of_the_same_event_are_built_on(store: Store) -> None:
    _, _, _, ana, ole, note = await two_sites(store)
    other = await new_event(store, "Another afternoon")
    stranger = await new_participant(store, await new_site(store, other.id))
    with pytest.raises(NotFound):
        await store.create_build_on(stranger, note.id, "Not my event", client_id=None)
    await store.update_note(note.id, visible=False)
    with pytest.raises(NotFound):
        await store.create_build_on(ole, note.id, "Hidden now", client_id=None)
    with pytest.raises(NotFound):
        await store.create_build_on(ana, "no-such-note", "Nothing", client_id=None)


async def test_deleting_a_build_on_is_logged_and_refused_once_closed(store: Store) -> None:
    event, aalborg, odense, _, ole, note = await two_sites(store)
    kept = (await store.create_build_on(ole, note.id, "Kept", client_id=None)).build_on
    gone = (await store.create_build_on(ole, note.id, "Gone", client_id=None)).build_on
    entry = await store.delete_build_on(gone.id)
    assert (entry.type, entry.data) == (
        "build_on.deleted", {"build_on_id": gone.id, "note_id": note.id, "site_id": aalborg.id, "author_site_id": odense.id},
    )
    assert await store.list_build_ons(note.id) == [kept]
    with pytest.raises(NotFound):
        await store.delete_build_on(gone.id)
    await store.update_event(event.id, status=EventStatus.CLOSED)
    assert await refused(store.delete_build_on(kept.id)) == "event_closed"


# -- sends ----------------------------------------------------------------------------------------


async def test_a_site_sends_its_note_or_a_question_to_one_site_or_all(store: Store) -> None:
    event, aalborg, odense, _, _, note = await two_sites(store)
    to_odense, carried, entry = await store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=odense.id)
    assert (to_odense.from_site_id, to_odense.to_site_id, to_odense.note_id, carried) == (aalborg.id, odense.id, note.id, note)
    assert entry.type == "send.created" and entry.seq == to_odense.seq and entry.data["note"]["text"] == "Car-free Sundays"
    to_all, nothing, asked = await store.create_send(odense.id, note_id=None, question=" How do you count bikes? ", to_site_id=None)
    assert (to_all.to_site_id, to_all.question, nothing) == (None, "How do you count bikes?", None) and "note" not in asked.data
    assert await store.list_sends(event.id) == [to_odense, to_all]
    assert (await store.board(event.id)).sends == [to_odense, to_all]


async def test_bad_sends_are_refused_inside_the_write(store: Store) -> None:
    event, aalborg, odense, _, ole, note = await two_sites(store)
    odense_note = (await store.create_note(ole, draft("Odense's own"))).note
    last = await store.last_seq(event.id)
    assert await refused(store.create_send(aalborg.id, note_id=odense_note.id, question=None, to_site_id=None)) == "not_your_note"
    assert await refused(store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=aalborg.id)) == "invalid_send"
    foreign_site = await new_site(store, (await new_event(store, "Elsewhere")).id)
    assert await refused(store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=foreign_site.id)) == "unknown_site"
    with pytest.raises(NotFound):
        await store.create_send("no-such-site", note_id=None, question="Hello?", to_site_id=None)
    await store.update_note(note.id, visible=False)  # hidden by a moderator: it does not travel
    assert await refused(store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=None)) == "not_your_note"
    await store.update_event(event.id, status=EventStatus.CLOSED)
    assert await refused(store.create_send(aalborg.id, note_id=None, question="Late?", to_site_id=None)) == "event_closed"
    assert await store.last_seq(event.id) == last + 2  # the note's hiding and the close; no send


async def test_a_lone_site_has_nowhere_to_send(store: Store) -> None:
    event = await new_event(store)
    lonely = await new_site(store, event.id)
    assert await refused(store.create_send(lonely.id, note_id=None, question="Anyone?", to_site_id=None)) == "no_other_site"


# -- spotlights -----------------------------------------------------------------------------------


async def test_a_site_spotlights_its_own_notes_and_those_sent_to_it(store: Store) -> None:
    event, aalborg, odense, _, _, note = await two_sites(store)
    assert await refused(store.set_spotlight(odense.id, note.id)) == "not_shown_here"  # not sent to Odense yet
    shown, entry = await store.set_spotlight(aalborg.id, note.id)
    assert shown == note and entry is not None and entry.type == "site.spotlight"
    assert entry.data == {"site_id": aalborg.id, "note_id": note.id, "spotlight": entry.data["spotlight"]} and entry.data["spotlight"]["id"] == note.id
    assert (await store.set_spotlight(aalborg.id, note.id))[1] is None  # already so: nothing logged
    await store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=None)
    assert (await store.set_spotlight(odense.id, note.id))[0] == note
    assert (await store.board(event.id)).spotlights == {aalborg.id: note.id, odense.id: note.id}
    cleared, cleared_entry = await store.set_spotlight(aalborg.id, None)
    assert cleared is None and cleared_entry is not None and cleared_entry.data["spotlight"] is None
    assert (await store.board(event.id)).spotlights == {odense.id: note.id}


async def test_a_hidden_note_leaves_the_spotlight_the_lanes_and_the_threads(store: Store) -> None:
    event, aalborg, odense, _, ole, note = await two_sites(store)
    await store.create_build_on(ole, note.id, "More", client_id=None)
    await store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=odense.id)
    question, _, _ = await store.create_send(aalborg.id, note_id=None, question="Why?", to_site_id=odense.id)
    await store.set_spotlight(aalborg.id, note.id)
    await store.update_note(note.id, visible=False)
    board = await store.board(event.id)
    assert (board.build_ons, board.sends, board.spotlights) == ([], [question], {})
    assert await refused(store.set_spotlight(odense.id, note.id)) == "not_shown_here"


async def test_a_note_built_on_stays_and_the_schema_cascades_when_one_goes(store: Store, backend: Backend) -> None:
    event, aalborg, odense, ana, ole, note = await two_sites(store)
    await store.create_build_on(ole, note.id, "More", client_id="x")
    await store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=None)
    await store.set_spotlight(odense.id, note.id)
    with pytest.raises(RuleError) as refused:  # its author may not take Odense's build-on away with it
        await store.delete_note(note.id)
    assert refused.value.code == "note_in_use" and len(await store.list_build_ons(note.id)) == 1
    # Removed another way (an event deleted, say), the schema takes its build-ons, sends and spotlights along.
    await backend.sql("DELETE FROM notes WHERE id = ?", note.id)
    assert await store.list_build_ons(note.id) == [] and await store.list_sends(event.id) == []
    assert await backend.sql("SELECT spotlight_note_id FROM sites WHERE id = ?", odense.id) == [(None,)]


async def test_the_database_refuses_what_the_rules_refuse(store: Store, backend: Backend) -> None:
    """The schema holds on its own: a send of nothing, to itself, or an over-long build-on."""
    event, aalborg, _, _, _, note = await two_sites(store)
    for sql, args in [
        ("INSERT INTO sends (id, event_id, from_site_id, to_site_id, note_id, question, seq, created_at) VALUES ('s', ?, ?, NULL, NULL, NULL, 1, 't')", (event.id, aalborg.id)),
        ("INSERT INTO sends (id, event_id, from_site_id, to_site_id, note_id, question, seq, created_at) VALUES ('s', ?, ?, ?, ?, NULL, 1, 't')", (event.id, aalborg.id, aalborg.id, note.id)),
        ("INSERT INTO build_ons (id, event_id, note_id, site_id, participant_id, author_site_id, seq, text, created_at)"
         " VALUES ('b', ?, ?, ?, ?, ?, 1, ?, 't')", (event.id, note.id, aalborg.id, note.participant_id, aalborg.id, "x" * 281)),
    ]:
        with pytest.raises(backend.integrity_error):
            await backend.sql(sql, *args)


async def test_build_ons_sends_and_spotlights_survive_a_restart(backend: Backend) -> None:
    first = open_store(backend.url)
    await first.open()
    event, aalborg, odense, _, ole, note = await two_sites(first)
    await first.create_build_on(ole, note.id, "More", client_id=None)
    await first.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=odense.id)
    await first.set_spotlight(odense.id, note.id)
    before = await first.board(event.id)
    await first.close()
    again = open_store(backend.url)
    await again.open()
    try:
        after = await again.board(event.id)
        assert (after.build_ons, after.sends, after.spotlights) == (before.build_ons, before.sends, before.spotlights)
        assert after.spotlights == {odense.id: note.id}
    finally:
        await again.close()
