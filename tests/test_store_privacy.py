"""Deleting an event (SQLite and PostgreSQL): every row of it gone, in every table; and which closed events retention finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stores import Backend, sqlite_only
from tests.test_store import draft, new_event, new_participant, new_site
from workshop.domain import agenda
from workshop.domain.agenda import ClockAction
from workshop.domain.models import Event
from workshop.store import NotFound, Store

SECRET_TEXT = "Zanzibar-pelican-7781 wants a bus to the harbour"


async def busy_event(store: Store, title: str = "Welfare that works") -> tuple[Event, set[str]]:
    """An event with a row in every table an event has; returns it and every id and text of it."""
    event = await new_event(store, title)
    await store.set_agenda(event.id, [agenda.phase_draft("Everything", 30, ["post", "vote", "build"])], kit=None)
    aalborg, odense = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    await store.move_clocks(event.id, ClockAction.NEXT)
    ana, ole = await new_participant(store, aalborg, name="Ana", role="citizen"), await new_participant(store, odense, name="Ole")
    note = (await store.create_note(ana, draft(SECRET_TEXT, client_id="c-1"))).note
    twin = (await store.create_note(ana, draft("A bus to the harbour"))).note
    await store.update_note(note.id, text=SECRET_TEXT + "!")  # the log keeps the text it replaced
    await store.cast_vote(ole, note.id)
    build_on = (await store.create_build_on(ole, note.id, "And on Sundays", client_id=None)).build_on
    send, _, _ = await store.create_send(aalborg.id, note_id=note.id, question=None, to_site_id=odense.id)
    await store.set_spotlight(odense.id, note.id)
    theme, _ = await store.create_theme(event.id, "Mobility")
    await store.place_note(note.id, theme.id, by_site=None)
    await store.merge_note(twin.id, note.id)
    proxy = (await store.create_proxy_note(odense.id, "Table 3", draft("Paper note"))).note
    await store.remove_participant(ole.id, hide_notes=False)
    await store.update_event(event.id, status="live")
    await store.update_event(event.id, status="closed")
    phases = await store.list_phases(event.id)
    ids = {event.id, aalborg.id, odense.id, ana.id, ole.id, note.id, twin.id, build_on.id, send.id, theme.id, proxy.id, proxy.participant_id}
    return event, ids | {phase.id for phase in phases} | {title, SECRET_TEXT, "Table 3"}


async def every_row(backend: Backend) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the database, read around the store."""
    if backend.name == "sqlite":
        tables = [row[0] for row in await backend.sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [row[0] for row in await backend.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
    assert {"events", "sites", "participants", "notes", "votes", "build_ons", "sends", "themes", "phases", "event_log"} <= set(tables)
    return {table: await backend.sql(f"SELECT * FROM {table}") for table in tables}


def mentions(rows: dict[str, list[tuple[object, ...]]], needles: set[str]) -> list[tuple[str, str]]:
    """(table, needle) for each cell of `rows` that contains one of the needles."""
    return [(table, needle) for table, found in rows.items() for row in found for cell in row for needle in needles if needle in str(cell)]


async def test_deleting_an_event_leaves_no_row_of_it_in_any_table(store: Store, backend: Backend) -> None:
    event, traces = await busy_event(store)
    kept, kept_traces = await busy_event(store, title="Another workshop")
    before = await every_row(backend)
    assert mentions(before, {event.id, SECRET_TEXT}), "the fixture should leave traces to delete"
    last = await store.last_seq(event.id)

    entry = await store.delete_event(event.id)

    assert (entry.type, entry.seq, entry.data) == ("event.deleted", last + 1, {"event_id": event.id})
    after = await every_row(backend)
    assert mentions(after, traces - {SECRET_TEXT, "Table 3"} | {event.id}) == []
    assert not any(event.id in str(cell) for rows in after.values() for row in rows for cell in row)
    # The other event is whole: as many rows in each table as it had.
    assert sum(len(rows) for rows in after.values()) < sum(len(rows) for rows in before.values())
    assert (await store.get_event(kept.id)).title == "Another workshop"
    assert len((await store.export_event(kept.id)).log) == await store.last_seq(kept.id)
    assert {table for table, _ in mentions(after, {kept.id})} >= {"events", "sites", "participants", "notes", "event_log"}
    with pytest.raises(NotFound):
        await store.get_event(event.id)
    with pytest.raises(NotFound):
        await store.delete_event(event.id)
    assert await store.log_since(event.id, 0) == []


@sqlite_only
async def test_a_deleted_events_text_is_gone_from_the_sqlite_files(store: Store, db_path: Path) -> None:
    """secure_delete zeroes what was deleted and the WAL is checkpointed: no copy is left in either file."""
    event, _ = await busy_event(store)
    needle = SECRET_TEXT.split()[0].encode()
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    assert any(needle in path.read_bytes() for path in files if path.exists())
    await store.delete_event(event.id)
    assert [path.name for path in files if path.exists() and needle in path.read_bytes()] == []


async def test_retention_finds_events_by_when_they_were_closed(store: Store, backend: Backend) -> None:
    old = await new_event(store, "Closed long ago")
    await store.update_event(old.id, status="live")
    await store.update_event(old.id, status="closed")
    await store.update_event(old.id, title="Closed long ago (renamed since)")  # an edit after closing does not restart the clock
    recent = await new_event(store, "Closed just now")
    await store.update_event(recent.id, status="closed")
    running = await new_event(store, "Still live")
    await store.update_event(running.id, status="live")
    # Back-date the old event's closing, as if it happened in March.
    await backend.sql(
        "UPDATE event_log SET created_at = '2025-03-01T12:00:00.000Z' WHERE event_id = ? AND type = 'event.updated'", old.id
    )

    assert await store.closed_events_before("2025-03-01T12:00:00.000Z") == []
    assert await store.closed_events_before("2025-03-02T00:00:00.000Z") == [old.id]
    assert await store.closed_events_before("2999-01-01T00:00:00.000Z") == [old.id, recent.id]  # longest closed first
