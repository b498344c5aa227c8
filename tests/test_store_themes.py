"""The store's themes (SQLite and PostgreSQL): one theme per note, merge and delete, who may, all logged in the write."""

from __future__ import annotations

import pytest

from tests.test_store import draft, new_event, new_participant, new_site
from tests.test_store_exchange import refused, two_sites
from workshop.domain.models import EventStatus
from workshop.store import NotFound, Store


async def test_a_theme_is_created_logged_and_on_the_board(store: Store) -> None:
    event, *_ = await two_sites(store)
    theme, entry = await store.create_theme(event.id, "Mobility")
    assert entry.type == "theme.created" and entry.seq == theme.seq and entry.data["theme"]["name"] == "Mobility"
    assert (await store.board(event.id)).themes == [theme]
    assert await store.list_themes(event.id) == [theme]


async def test_two_themes_of_one_event_cannot_share_a_name(store: Store) -> None:
    event, *_ = await two_sites(store)
    await store.create_theme(event.id, "Data and privacy")
    assert await refused(store.create_theme(event.id, "data  AND privacy")) == "theme_exists"
    other = await new_event(store)
    await store.create_theme(other.id, "Data and privacy")  # another event's themes are its own


async def test_a_note_is_in_one_theme_at_a_time(store: Store) -> None:
    event, aalborg, _, _, _, note = await two_sites(store)
    mobility, _ = await store.create_theme(event.id, "Mobility")
    climate, _ = await store.create_theme(event.id, "Climate")
    placed, entry = await store.place_note(note.id, mobility.id, by_site=aalborg.id)
    assert placed.theme_id == mobility.id and entry is not None and entry.type == "note.placed"
    moved, entry = await store.place_note(note.id, climate.id, by_site=None)
    assert moved.theme_id == climate.id and entry is not None and entry.data["from_theme_id"] == mobility.id
    assert [n.theme_id for n in (await store.board(event.id)).notes] == [climate.id]
    again, entry = await store.place_note(note.id, climate.id, by_site=None)
    assert entry is None and again.theme_id == climate.id  # nothing changed, nothing logged
    out, entry = await store.place_note(note.id, None, by_site=aalborg.id)
    assert out.theme_id is None and entry is not None and entry.data["from_theme_id"] == climate.id


async def test_a_facilitator_places_only_their_own_sites_notes(store: Store) -> None:
    event, _, odense, _, _, note = await two_sites(store)
    theme, _ = await store.create_theme(event.id, "Mobility")
    assert await refused(store.place_note(note.id, theme.id, by_site=odense.id)) == "not_your_note"
    other_event = await new_event(store)
    elsewhere, _ = await store.create_theme(other_event.id, "Mobility")
    with pytest.raises(NotFound):
        await store.place_note(note.id, elsewhere.id, by_site=None)


async def test_deleting_a_theme_returns_its_notes_to_unplaced(store: Store) -> None:
    event, aalborg, _, ana, _, note = await two_sites(store)
    second = (await store.create_note(ana, draft("Bike lanes"))).note
    theme, _ = await store.create_theme(event.id, "Mobility")
    for each in (note, second):
        await store.place_note(each.id, theme.id, by_site=aalborg.id)
    entry = await store.delete_theme(theme.id, by_site=aalborg.id)
    assert entry.type == "theme.deleted" and [n["id"] for n in entry.data["notes"]] == [note.id, second.id]
    board = await store.board(event.id)
    assert board.themes == [] and all(n.theme_id is None for n in board.notes) and len(board.notes) == 2


async def test_merging_moves_every_note_to_the_kept_theme(store: Store) -> None:
    event, aalborg, _, _, _, note = await two_sites(store)
    cars, _ = await store.create_theme(event.id, "Cars")
    mobility, _ = await store.create_theme(event.id, "Mobility")
    await store.place_note(note.id, cars.id, by_site=None)
    kept, entry = await store.merge_themes(cars.id, mobility.id, by_site=aalborg.id)
    assert kept == mobility and entry.type == "theme.merged" and entry.data["notes"] == [{"id": note.id, "site_id": aalborg.id}]
    board = await store.board(event.id)
    assert board.themes == [mobility] and board.notes[0].theme_id == mobility.id
    assert await refused(store.merge_themes(mobility.id, mobility.id, by_site=None)) == "invalid_merge"


async def test_only_the_host_merges_or_deletes_a_theme_another_site_has_notes_in(store: Store) -> None:
    event, aalborg, odense, _, ole, note = await two_sites(store)
    theirs = (await store.create_note(ole, draft("Trams"))).note
    shared, _ = await store.create_theme(event.id, "Mobility")
    other, _ = await store.create_theme(event.id, "Transport")
    await store.place_note(note.id, shared.id, by_site=aalborg.id)
    await store.place_note(theirs.id, shared.id, by_site=odense.id)
    assert await refused(store.delete_theme(shared.id, by_site=aalborg.id)) == "theme_shared"
    assert await refused(store.merge_themes(shared.id, other.id, by_site=odense.id)) == "theme_shared"
    await store.merge_themes(shared.id, other.id, by_site=None)
    assert {n.theme_id for n in (await store.board(event.id)).notes} == {other.id}


async def test_a_closed_event_keeps_its_themes_as_they_are(store: Store) -> None:
    event, aalborg, _, _, _, note = await two_sites(store)
    theme, _ = await store.create_theme(event.id, "Mobility")
    await store.update_event(event.id, status=EventStatus.CLOSED)
    last = await store.last_seq(event.id)
    assert await refused(store.create_theme(event.id, "Climate")) == "event_closed"
    assert await refused(store.rename_theme(theme.id, "Climate")) == "event_closed"
    assert await refused(store.place_note(note.id, theme.id, by_site=aalborg.id)) == "event_closed"
    assert await refused(store.delete_theme(theme.id, by_site=None)) == "event_closed"
    assert await store.last_seq(event.id) == last


async def test_a_hidden_note_is_not_placed_and_keeps_its_theme_when_restored(store: Store) -> None:
    event, aalborg, _, _, _, note = await two_sites(store)
    theme, _ = await store.create_theme(event.id, "Mobility")
    await store.place_note(note.id, theme.id, by_site=aalborg.id)
    await store.update_note(note.id, visible=False, hidden_by="moderator")
    assert await refused(store.place_note(note.id, None, by_site=aalborg.id)) == "not_shown_here"
    restored = (await store.update_note(note.id, visible=True, hidden_by=None)).note
    assert restored.theme_id == theme.id


async def test_renaming_logs_the_new_name_and_not_a_repeat(store: Store) -> None:
    event, *_ = await two_sites(store)
    theme, _ = await store.create_theme(event.id, "Mobilty")
    renamed, entry = await store.rename_theme(theme.id, "Mobility")
    assert renamed.name == "Mobility" and entry is not None and entry.data["theme"]["name"] == "Mobility"
    assert (await store.rename_theme(theme.id, "Mobility"))[1] is None
    await store.create_theme(event.id, "Climate")
    assert await refused(store.rename_theme(theme.id, "CLIMATE")) == "theme_exists"
    # A rename that only changes case is the same theme's name: allowed.
    assert (await store.rename_theme(theme.id, "mobility"))[0].name == "mobility"
