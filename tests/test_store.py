"""The store, through the `Store` interface, on SQLite and PostgreSQL alike: migrations, the event log,
durability, join codes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

import workshop.store.sql as sql_store
import workshop.store.sqlite as sqlite_store
from tests.stores import Backend, sqlite_only
from workshop.domain import agenda, rules
from workshop.domain.agenda import ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, NoteKind, Participant, Role, Site
from workshop.store import NotFound, Store, StoreUnavailable, open_store
from workshop.store.sql import migration_scripts

_hashes = iter(range(1_000_000))


async def new_event(store: Store, title: str = "Welfare that works"):  # type: ignore[no-untyped-def]
    event, _ = await store.create_event(
        title=title, theme="Trying new things", description="", language="en", timezone="Europe/Copenhagen",
        host_secret_hash=f"hash-{next(_hashes)}",
    )
    return event


async def new_site(store: Store, event_id: str, name: str = "Aalborg") -> Site:
    site, _ = await store.create_site(event_id, name=name, angle="")
    return site


async def new_participant(store: Store, site: Site, name: str | None = None, role: str | None = None) -> Participant:
    participant, _ = await store.create_participant(site, name=name, role=role)
    return participant


async def seqs(store: Store, event_id: str) -> list[int]:
    return [entry.seq for entry in await store.log_since(event_id, 0, limit=100_000)]


def draft(text: str, client_id: str | None = None, kind: str | None = None) -> rules.NoteDraft:
    return rules.new_note(text, kind, None, client_id)


# -- opening and migrations ---------------------------------------------------------------------


def test_open_store_picks_sqlite_by_url(tmp_path: Path) -> None:
    for url in (str(tmp_path / "a.db"), f"sqlite:///{tmp_path / 'a.db'}"):
        opened = open_store(url)
        assert isinstance(opened, sqlite_store.SQLiteStore)
        assert opened.path == str(tmp_path / "a.db")
    with pytest.raises(ValueError, match="Unsupported database URL"):
        open_store("mysql://localhost/workshop")


async def test_opening_applies_every_migration(store: Store, backend: Backend) -> None:
    versions = [version for version, _ in migration_scripts(backend.name)]
    assert versions[0] == 1
    assert versions == sorted(set(versions))
    assert await store.applied_migrations() == versions
    assert await store.migrate() == []  # nothing left to apply


async def test_migrations_are_idempotent_across_opens(backend: Backend) -> None:
    first = open_store(backend.url)
    await first.open()
    applied = await first.applied_migrations()
    event = await new_event(first)
    await first.close()

    again = open_store(backend.url)
    await again.open()
    try:
        assert await again.applied_migrations() == applied
        assert await again.migrate() == []
        assert (await again.get_event(event.id)).title == event.title  # reopening kept the data
    finally:
        await again.close()
    assert [row[0] for row in await backend.sql("SELECT version FROM schema_migrations ORDER BY version")] == applied


async def test_migrate_on_a_fresh_file_reports_what_it_applied(backend: Backend) -> None:
    async with backend.fresh() as empty:
        fresh = open_store(empty.url)
        await fresh.open(migrate=False)
        try:
            assert await fresh.applied_migrations() == []
            applied = await fresh.migrate()
            assert applied == [version for version, _ in migration_scripts("sqlite")]  # the same numbers in every dialect
            assert await fresh.migrate() == []
            assert await fresh.applied_migrations() == applied
        finally:
            await fresh.close()


async def test_memory_database_is_refused() -> None:
    with pytest.raises(ValueError):
        await open_store(":memory:").open()


async def test_a_closed_store_says_it_is_unavailable(backend: Backend) -> None:
    closed = open_store(backend.url)
    await closed.open()
    await closed.close()
    with pytest.raises(StoreUnavailable):
        await new_event(closed)


@sqlite_only
async def test_wal_and_foreign_keys_are_on(store: Store, db_path: Path) -> None:
    assert isinstance(store, sqlite_store.SQLiteStore)
    for conn in (store.writer, store.reader):
        async with conn.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
        async with conn.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"
    async with store.writer.execute("PRAGMA synchronous") as cursor:
        assert (await cursor.fetchone())[0] == 2  # FULL
    with sqlite3.connect(db_path) as conn:  # WAL is a property of the file, seen by anyone opening it
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_foreign_keys_refuse_records_of_missing_parents(store: Store, backend: Backend) -> None:
    event = await new_event(store)
    ghost = Site("no-such-site", event.id, "Ghost", "", "BCDFGH", 0, "")
    with pytest.raises(backend.integrity_error):
        await store.create_participant(ghost, name=None, role=None)
    # The refused write left nothing behind: not the participant, not a log entry.
    assert await seqs(store, event.id) == [1]
    assert await store.last_seq(event.id) == 1


# -- records ------------------------------------------------------------------------------------


async def test_records_read_back_as_written(store: Store) -> None:
    event = await new_event(store, "Åbne værksteder")
    assert event.status is EventStatus.DRAFT
    assert await store.get_event(event.id) == event
    assert await store.event_id_for_host_secret("no-such-hash") is None

    first = await new_site(store, event.id, "Aalborg")
    second = await new_site(store, event.id, "Aarhus")
    assert [site.position for site in (first, second)] == [0, 1]
    assert await store.list_sites(event.id) == [first, second]
    assert await store.get_site(second.id) == second

    person = await new_participant(store, first, name="Åse", role="politician")
    assert person.role is Role.POLITICIAN
    assert await store.get_participant(person.id) == person
    anonymous = await new_participant(store, first)
    assert (anonymous.name, anonymous.role) == (None, None)

    written = await store.create_note(person, draft("Bedre cykelstier", kind="concern"))
    assert written.created
    note = written.note
    assert (note.text, note.kind, note.colour, note.visible) == ("Bedre cykelstier", NoteKind.CONCERN, Colour.PINK, True)
    assert (note.event_id, note.site_id, note.participant_id) == (event.id, first.id, person.id)
    assert await store.get_note(note.id) == note
    assert await store.list_notes(event.id) == [note]


async def test_ids_do_not_collide_or_enumerate(store: Store) -> None:
    events = [await new_event(store) for _ in range(5)]
    ids = [event.id for event in events]
    assert len(set(ids)) == 5
    assert all(len(event_id) >= 10 for event_id in ids)


async def test_setting_keeps_the_first_value(store: Store, backend: Backend) -> None:
    assert await store.setting("secret_key", "first") == "first"
    assert await store.setting("secret_key", "second") == "first"
    await store.close()
    reopened = open_store(backend.url)
    await reopened.open()
    try:
        assert await reopened.setting("secret_key", "third") == "first"
    finally:
        await reopened.close()


async def test_update_event_changes_fields_and_logs(store: Store) -> None:
    event = await new_event(store)
    changed, entry = await store.update_event(event.id, title="New title", status=EventStatus.LIVE)
    assert (changed.title, changed.status) == ("New title", EventStatus.LIVE)
    assert await store.get_event(event.id) == changed
    assert entry.type == "event.updated"
    assert entry.data["changed"] == ["status", "title"]
    assert entry.data["event"]["status"] == "live"
    with pytest.raises(ValueError):
        await store.update_event(event.id, host_secret_hash="x")


# -- the event log ------------------------------------------------------------------------------


async def test_every_change_is_logged_in_order_without_gaps(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    note = (await store.create_note(person, draft("one"))).note
    await store.create_note(person, draft("two"))
    await store.update_note(note.id, text="one, edited")
    await store.delete_note(note.id)
    await store.update_event(event.id, status=EventStatus.LIVE)

    log = await store.log_since(event.id, 0)
    assert [entry.type for entry in log] == [
        "event.created", "site.created", "participant.joined", "note.created", "note.created",
        "note.updated", "note.deleted", "event.updated",
    ]
    assert [entry.seq for entry in log] == list(range(1, 9))
    assert all(entry.event_id == event.id for entry in log)
    assert await store.last_seq(event.id) == 8
    assert (await store.board(event.id)).seq == 8


async def test_log_entries_carry_the_records(store: Store) -> None:
    event = await new_event(store)
    site, site_entry = await store.create_site(event.id, name="Riga", angle="What next?")
    person, joined = await store.create_participant(site, name="Ilze", role="staff")
    written = await store.create_note(person, draft("Hello"))
    log = await store.log_since(event.id, 0)
    assert log[0].data["event"]["id"] == event.id
    assert log[1] == site_entry
    assert site_entry.data["site"]["id"] == site.id
    assert (site_entry.data["site"]["name"], site_entry.data["site"]["angle"]) == ("Riga", "What next?")
    assert site_entry.data["site"]["join_code"] == site.join_code
    assert log[2] == joined and joined.data["participant"]["role"] == "staff"
    assert log[3] == written.entry
    assert written.entry.data["note"]["text"] == "Hello"
    assert written.note.seq == written.entry.seq == 4


async def test_each_event_has_its_own_sequence(store: Store) -> None:
    one = await new_event(store)
    two = await new_event(store)
    await new_site(store, one.id)
    await new_site(store, one.id)
    await new_site(store, two.id)
    assert await seqs(store, one.id) == [1, 2, 3]
    assert await seqs(store, two.id) == [1, 2]


async def test_concurrent_notes_get_distinct_gap_free_seqs(store: Store) -> None:
    event = await new_event(store)
    sites = [await new_site(store, event.id, f"Site {n}") for n in range(3)]
    people = [await new_participant(store, site) for site in sites for _ in range(2)]
    before = await store.last_seq(event.id)

    written = await asyncio.gather(*(store.create_note(people[n % len(people)], draft(f"note {n}")) for n in range(60)))

    note_seqs = sorted(w.note.seq for w in written)
    assert note_seqs == list(range(before + 1, before + 61))
    assert all(w.note.seq == w.entry.seq for w in written)
    assert await seqs(store, event.id) == list(range(1, before + 61))
    assert await store.last_seq(event.id) == before + 60
    # The log says which note each seq announced.
    by_seq = {entry.seq: entry for entry in await store.log_since(event.id, before)}
    for w in written:
        assert by_seq[w.note.seq].data["note"]["id"] == w.note.id
    assert len(await store.list_notes(event.id)) == 60


async def test_concurrent_writes_to_several_events_keep_each_sequence(store: Store) -> None:
    events = [await new_event(store, f"Event {n}") for n in range(3)]
    sites = [await new_site(store, event.id) for event in events]
    people = [await new_participant(store, site) for site in sites]

    async def busy(index: int) -> None:
        for n in range(10):
            await store.create_note(people[index], draft(f"{index}/{n}"))

    await asyncio.gather(*(busy(index) for index in range(3)), *(new_site(store, events[0].id, f"Extra {n}") for n in range(5)))
    assert await seqs(store, events[0].id) == list(range(1, 3 + 10 + 5 + 1))
    for event in events[1:]:
        assert await seqs(store, event.id) == list(range(1, 3 + 10 + 1))


async def test_log_since_and_limit(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    for n in range(5):
        await store.create_note(person, draft(f"n{n}"))
    assert await store.last_seq(event.id) == 8
    assert [e.seq for e in await store.log_since(event.id, 5)] == [6, 7, 8]
    assert [e.seq for e in await store.log_since(event.id, 2, limit=3)] == [3, 4, 5]
    assert await store.log_since(event.id, 8) == []
    assert await store.log_since(event.id, 100) == []
    other = await new_event(store)
    assert [e.seq for e in await store.log_since(other.id, 0)] == [1]  # never another event's entries


async def test_log_and_data_survive_close_and_reopen(backend: Backend) -> None:
    first = open_store(backend.url)
    await first.open()
    event = await new_event(first)
    site = await new_site(first, event.id)
    person = await new_participant(first, site, name="Mette")
    notes = [(await first.create_note(person, draft(f"note {n}", client_id=f"c{n}"))).note for n in range(3)]
    log_before = await first.log_since(event.id, 0)
    board_before = await first.board(event.id)
    await first.close()

    second = open_store(backend.url)
    await second.open()
    try:
        assert await second.log_since(event.id, 0) == log_before
        assert await second.board(event.id) == board_before
        assert await second.list_notes(event.id) == notes
        assert await second.get_participant(person.id) == person
        assert await second.site_for_join_code(site.join_code) == site
        # The sequence continues where it stopped, and client ids are still remembered.
        again = await second.create_note(person, draft("note 0", client_id="c0"))
        assert (again.created, again.note.id) == (False, notes[0].id)
        fresh = await second.create_note(person, draft("after restart"))
        assert fresh.entry.seq == log_before[-1].seq + 1
        assert await seqs(second, event.id) == list(range(1, fresh.entry.seq + 1))
    finally:
        await second.close()


# -- notes --------------------------------------------------------------------------------------


async def test_same_client_id_returns_the_first_note(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    first = await store.create_note(person, draft("Once", client_id="phone-1"))
    seq = await store.last_seq(event.id)

    retried = await store.create_note(person, draft("Once, retried", client_id="phone-1"))
    assert retried.created is False
    assert retried.note == first.note
    assert retried.entry == first.entry
    assert await store.last_seq(event.id) == seq  # nothing new was logged
    assert [n.text for n in await store.list_notes(event.id)] == ["Once"]

    # Another participant may use the same client id; so may posts without one.
    other = await new_participant(store, site)
    theirs = await store.create_note(other, draft("Theirs", client_id="phone-1"))
    assert theirs.created and theirs.note.id != first.note.id
    no_ids = [await store.create_note(person, draft("same text")) for _ in range(2)]
    assert all(w.created for w in no_ids) and no_ids[0].note.id != no_ids[1].note.id


async def test_concurrent_retries_make_one_note(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    results = await asyncio.gather(*(store.create_note(person, draft("Hi", client_id="dup")) for _ in range(10)))
    assert len({r.note.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert len(await store.list_notes(event.id)) == 1
    assert await seqs(store, event.id) == [1, 2, 3, 4]


async def test_update_note_logs_the_previous_text(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    note = (await store.create_note(person, draft("Frist draft"))).note

    written = await store.update_note(note.id, text="First draft")
    assert written.note.text == "First draft"
    assert written.note.seq == note.seq  # a note keeps its place in the order
    assert written.entry.type == "note.updated"
    assert written.entry.data["previous_text"] == "Frist draft"
    assert written.entry.data["note"]["text"] == "First draft"
    assert written.entry.data["changed"] == ["text"]
    assert (await store.get_note(note.id)).text == "First draft"

    recoloured = await store.update_note(note.id, kind=NoteKind.QUESTION, colour=Colour.GREEN)
    assert (recoloured.note.kind, recoloured.note.colour) == (NoteKind.QUESTION, Colour.GREEN)
    assert "previous_text" not in recoloured.entry.data
    assert recoloured.entry.data["changed"] == ["colour", "kind"]

    same = await store.update_note(note.id, text="First draft")
    assert "previous_text" not in same.entry.data
    with pytest.raises(ValueError):
        await store.update_note(note.id, participant_id="someone-else")


async def test_hidden_notes_leave_the_board(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    shown = (await store.create_note(person, draft("shown"))).note
    hidden = (await store.create_note(person, draft("hidden"))).note
    written = await store.update_note(hidden.id, visible=False)
    assert written.note.visible is False
    assert [n.id for n in await store.list_notes(event.id)] == [shown.id]
    assert [n.id for n in await store.list_notes(event.id, include_hidden=True)] == [shown.id, hidden.id]
    assert [n.id for n in (await store.board(event.id)).notes] == [shown.id]


async def test_delete_note_is_logged(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    note = (await store.create_note(person, draft("Oops"))).note
    entry = await store.delete_note(note.id)
    assert entry.type == "note.deleted"
    assert entry.data == {"note_id": note.id, "site_id": site.id}
    assert entry.seq == note.seq + 1 == await store.last_seq(event.id)
    assert (await store.log_since(event.id, note.seq))[0] == entry
    with pytest.raises(NotFound):
        await store.get_note(note.id)
    assert await store.list_notes(event.id, include_hidden=True) == []
    with pytest.raises(NotFound):
        await store.delete_note(note.id)
    assert await store.last_seq(event.id) == entry.seq  # the failed delete logged nothing


async def test_board_is_the_whole_current_state(store: Store) -> None:
    event = await new_event(store)
    sites = [await new_site(store, event.id, name) for name in ("A", "B")]
    people = [await new_participant(store, site) for site in sites]
    notes = [(await store.create_note(people[n % 2], draft(f"n{n}"))).note for n in range(4)]
    board = await store.board(event.id)
    assert board.event == await store.get_event(event.id)
    assert board.sites == sites
    assert board.notes == notes
    assert board.seq == await store.last_seq(event.id)


# -- unknown ids --------------------------------------------------------------------------------


async def test_unknown_ids_raise_not_found(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    stray = Participant("no-such-participant", "no-such-event", site.id, None, None, "")
    calls = [
        store.get_event("nope"),
        store.get_site("nope"),
        store.get_participant("nope"),
        store.get_note("nope"),
        store.update_event("nope", title="x"),
        store.create_site("nope", name="x", angle=""),
        store.update_note("nope", text="x"),
        store.delete_note("nope"),
        store.facilitator_nonce("nope"),
        store.board("nope"),
        store.last_seq("nope"),
        store.create_note(stray, draft("x")),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    assert await seqs(store, event.id) == [1, 2, 3]  # nothing that failed was logged
    assert await store.get_participant(person.id) == person


# -- join codes ---------------------------------------------------------------------------------


async def test_join_codes_are_unique_and_find_their_site(store: Store) -> None:
    events = [await new_event(store) for _ in range(4)]
    sites = [await new_site(store, event.id, f"Site {n}") for event in events for n in range(5)]
    assert len({site.join_code for site in sites}) == len(sites)
    for site in sites:
        assert await store.site_for_join_code(site.join_code) == site
    unused = next(code for code in ("BCDFGH", "CDFGHJ") if code not in {site.join_code for site in sites})
    assert await store.site_for_join_code(unused) is None


async def test_closing_an_event_releases_its_codes(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    await store.update_event(event.id, status=EventStatus.LIVE)
    assert await store.site_for_join_code(site.join_code) == site

    await store.update_event(event.id, status=EventStatus.CLOSED)
    assert await store.site_for_join_code(site.join_code) is None
    assert (await store.get_site(site.id)).join_code == site.join_code  # still shown in the record


async def test_the_store_refuses_every_write_to_a_closed_event(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    note = (await store.create_note(person, draft("Before", client_id="c1"))).note
    await store.update_event(event.id, status=EventStatus.CLOSED)
    last = await store.last_seq(event.id)

    writes = [
        store.create_site(event.id, name="Late", angle=""),
        store.create_participant(site, name=None, role=None),
        store.create_note(person, draft("After")),
        store.update_note(note.id, text="Changed"),
        store.delete_note(note.id),
        store.update_event(event.id, status=EventStatus.LIVE),
    ]
    for write in writes:
        with pytest.raises(RuleError) as refused:
            await write
        assert refused.value.code in {"event_closed", "invalid_status_change"}
    # A retry of a post stored before the close still gets its note back.
    retried = await store.create_note(person, draft("Before", client_id="c1"))
    assert (retried.created, retried.note) == (False, note)
    # Closing again changes nothing and logs nothing; other fields can still be corrected.
    assert (await store.update_event(event.id, status=EventStatus.CLOSED))[1] is None
    renamed, entry = await store.update_event(event.id, title="Welfare that worked", status=EventStatus.CLOSED)
    assert entry is not None and entry.data["changed"] == ["title"] and renamed.status == EventStatus.CLOSED
    assert await store.last_seq(event.id) == last + 1


async def test_codes_are_unique_among_open_events_and_reused_after_closing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_store, "new_join_code", lambda: "BCDFGH")
    old = await new_event(store, "Old")
    old_site = await new_site(store, old.id)
    assert old_site.join_code == "BCDFGH"

    new = await new_event(store, "New")
    with pytest.raises(StoreUnavailable):  # every code it tries is taken by an open event
        await new_site(store, new.id)
    assert await store.list_sites(new.id) == []
    assert await seqs(store, new.id) == [1]  # the failed write logged nothing

    await store.update_event(old.id, status=EventStatus.CLOSED)
    new_site_ = await new_site(store, new.id)
    assert new_site_.join_code == "BCDFGH"
    assert await store.site_for_join_code("BCDFGH") == new_site_


async def test_unique_codes_are_enforced_by_the_database(store: Store, backend: Backend) -> None:
    first = await new_event(store)
    site = await new_site(store, first.id)
    with pytest.raises(backend.integrity_error):
        await backend.sql(
            "INSERT INTO sites (id, event_id, name, angle, join_code, open_join_code, facilitator_nonce, position, created_at)"
            " VALUES ('x', ?, 'Copy', '', ?, ?, 'n', 9, 't')",
            first.id, site.join_code, site.join_code,
        )


async def test_note_length_is_counted_in_characters_by_the_database_too(store: Store, backend: Backend) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    longest = await store.create_note(person, draft("ø🙂" * 250))
    assert (await store.get_note(longest.note.id)).text == "ø🙂" * 250
    # A write that skipped the rules is still refused by the schema, and leaves no log entry.
    seq = await store.last_seq(event.id)
    for text in ("", "x" * 501):
        with pytest.raises(backend.integrity_error):
            await store.create_note(person, rules.NoteDraft(text, NoteKind.IDEA, Colour.YELLOW, None))
    assert await store.last_seq(event.id) == seq
    assert len(await store.list_notes(event.id)) == 1


# -- the agenda ---------------------------------------------------------------------------------


async def test_the_agenda_and_clocks_survive_a_restart_and_are_on_the_board(backend: Backend) -> None:
    first = open_store(backend.url)
    await first.open()
    event = await new_event(first)
    sites = [await new_site(first, event.id, name) for name in ("Aalborg", "Odense")]
    drafts = [agenda.phase_draft("Welcome", 5, []), agenda.phase_draft("Ideas", 20, ["post"])]
    phases, entry = await first.set_agenda(event.id, drafts, kit="open-workshop")
    assert entry.type == "agenda.updated" and [p["name"] for p in entry.data["phases"]] == ["Welcome", "Ideas"]
    moved, clock_entry = await first.move_clocks(event.id, ClockAction.NEXT)
    assert clock_entry.type == "clock.changed" and [c.phase_id for c in moved] == [phases[0].id] * 2
    await first.close()

    second = open_store(backend.url)
    await second.open()
    try:
        state = await second.board(event.id)
        assert state.phases == phases and state.event.kit == "open-workshop"
        assert [(c.site_id, c.phase_id) for c in state.clocks] == [(s.id, phases[0].id) for s in sites]
        assert await second.list_clocks(event.id) == state.clocks
    finally:
        await second.close()


async def test_a_phase_change_between_check_and_write_refuses_the_note(store: Store) -> None:
    """The phase a site is in is read inside the note's transaction, like the event's status."""
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    phases, _ = await store.set_agenda(event.id, [agenda.phase_draft("Ideas", 20, ["post"]), agenda.phase_draft("Vote", 5, ["vote"])], kit=None)
    await store.move_clocks(event.id, ClockAction.START, phase_id=phases[0].id)
    assert (await store.create_note(person, draft("In time"))).created
    await store.move_clocks(event.id, ClockAction.NEXT, site_id=site.id)
    with pytest.raises(RuleError) as refused:
        await store.create_note(person, draft("Too late"))
    assert refused.value.code == "not_in_this_phase"
    assert [n.text for n in await store.list_notes(event.id)] == ["In time"]


async def test_a_site_of_another_event_cannot_be_moved(store: Store) -> None:
    ours, theirs = await new_event(store), await new_event(store)
    foreign = await new_site(store, theirs.id)
    await store.set_agenda(ours.id, [agenda.phase_draft("Ideas", 20, ["post"])], kit=None)
    with pytest.raises(NotFound):
        await store.move_clocks(ours.id, ClockAction.NEXT, site_id=foreign.id)
    assert (await store.list_clocks(theirs.id))[0].phase_id is None


async def test_an_event_made_with_a_kit_has_its_agenda_from_the_same_transaction(store: Store) -> None:
    drafts = [agenda.phase_draft("Welcome", 5, []), agenda.phase_draft("Ideas", 20, ["post"])]
    event, entries = await store.create_event(
        title="With a kit", theme="Kits", description="", language="en", timezone="Europe/Copenhagen",
        host_secret_hash="hash-kit", kit=("1-2-4-all", drafts),
    )
    assert event.kit == "1-2-4-all" and [e.type for e in entries] == ["event.created", "agenda.updated"]
    assert [p.name for p in await store.list_phases(event.id)] == ["Welcome", "Ideas"]
    assert await seqs(store, event.id) == [1, 2]
