"""What only the PostgreSQL store has: URLs, placeholders, two processes' pools racing on one event,
a lost or missing server, and the same migrations and records as SQLite's.

The rest of the store's behaviour is tested on both databases by the parametrised `store` fixture
(tests/conftest.py); these tests need the server too (tests/stores.py: skipped without it, failed
under CI).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.stores import Backend, postgres_schema
from tests.test_cli import workshop
from tests.test_store import draft, new_event, new_participant, new_site
from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Participant
from workshop.store import Store, StoreUnavailable, open_store
from workshop.store.postgres import DEFAULT_POOL_SIZE, PostgresStore, translate
from workshop.store.sql import migration_scripts
from workshop.store.sqlite import SQLiteStore

postgres_only = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Store]:
    """A store of its own on the URL: its own pool, as another app process would have."""
    store = open_store(url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def outcome(call: object) -> object:
    try:
        return await call  # type: ignore[misc]
    except RuleError as error:
        return error.code


# -- URLs and SQL ---------------------------------------------------------------------------------


def test_open_store_picks_postgres_by_url_and_keeps_the_pool_size_to_itself() -> None:
    plain = open_store("postgresql://workshop@db.example.org/workshop")
    assert isinstance(plain, PostgresStore) and plain.pool_size == DEFAULT_POOL_SIZE
    tuned = open_store("postgres://workshop:secret@db.example.org:6432/workshop?sslmode=require&pool_size=4&search_path=ow")
    assert isinstance(tuned, PostgresStore) and tuned.pool_size == 4
    assert tuned.url == "postgres://workshop:secret@db.example.org:6432/workshop?sslmode=require&search_path=ow"  # asyncpg's part
    with pytest.raises(ValueError):
        open_store("postgresql://db.example.org/workshop?pool_size=0")


def test_placeholders_are_numbered_once_per_statement_and_strings_are_left_alone() -> None:
    assert translate("SELECT * FROM notes WHERE id = ? AND event_id = ?") == ("SELECT * FROM notes WHERE id = $1 AND event_id = $2", ())
    assert translate("UPDATE votes SET note_id = :kept WHERE note_id = :duplicate OR note_id = :kept") == (
        "UPDATE votes SET note_id = $1 WHERE note_id = $2 OR note_id = $1", ("kept", "duplicate"),
    )
    assert translate("SELECT '?', ':x', \"a?\", 1::text WHERE a = ?") == ("SELECT '?', ':x', \"a?\", 1::text WHERE a = $1", ())


def test_every_dialect_has_the_same_migrations() -> None:
    """`applied_migrations()` means the same on either database: one file per number in each folder."""
    assert [version for version, _ in migration_scripts("postgres")] == [version for version, _ in migration_scripts("sqlite")]


# -- two processes on one database ----------------------------------------------------------------


@postgres_only
async def test_two_processes_posting_to_one_event_keep_its_log_gap_free(backend: Backend) -> None:
    async with opened(backend.url) as one, opened(backend.url) as two:
        event = await new_event(one)
        site = await new_site(two, event.id)
        people = [await new_participant(store, site) for store in (one, two) for _ in range(3)]
        before = await one.last_seq(event.id)

        written = await asyncio.gather(*(
            (one, two)[n % 2].create_note(people[n % len(people)], draft(f"note {n}")) for n in range(60)
        ))

        assert sorted(w.entry.seq for w in written) == list(range(before + 1, before + 61))
        assert all(w.note.seq == w.entry.seq for w in written)
        assert [entry.seq for entry in await two.log_since(event.id, 0, limit=1000)] == list(range(1, before + 61))
        # A phone's retry reaching the other process gets the first note back, not a second one.
        retries = await asyncio.gather(*((one, two)[n % 2].create_note(people[0], draft("Once", client_id="c-1")) for n in range(10)))
        assert len({r.note.id for r in retries}) == 1 and sum(r.created for r in retries) == 1


@postgres_only
async def test_a_close_in_one_process_refuses_notes_racing_it_in_another(backend: Backend) -> None:
    """The store's close-versus-post rule across pools: every note stored is logged before the close,
    every later one is refused, and the log has no gap, though both processes read "live" first."""
    async with opened(backend.url) as phones, opened(backend.url) as host:
        for _ in range(5):
            event = await new_event(phones)
            await host.update_event(event.id, status=EventStatus.LIVE)
            site = await new_site(phones, event.id)
            people: list[Participant] = [await new_participant(phones, site) for _ in range(8)]

            results = await asyncio.gather(
                *(outcome(phones.create_note(person, draft(f"from {n}"))) for n, person in enumerate(people[:4])),
                host.update_event(event.id, status=EventStatus.CLOSED),
                *(outcome(phones.create_note(person, draft(f"from {n}"))) for n, person in enumerate(people[4:], 4)),
            )
            closed = results[4][1]  # type: ignore[index]
            assert closed is not None
            posts = results[:4] + results[5:]
            assert all(result == "event_closed" or result.entry.seq < closed.seq for result in posts)  # type: ignore[union-attr]
            log = await host.log_since(event.id, 0)
            assert [entry.seq for entry in log] == list(range(1, len(log) + 1))
            assert "note.created" not in [entry.type for entry in log if entry.seq > closed.seq]
            assert len(await phones.list_notes(event.id)) == sum(result != "event_closed" for result in posts)


# -- faults ---------------------------------------------------------------------------------------


async def test_a_server_that_is_not_there_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="Cannot reach PostgreSQL"):
        await open_store("postgresql://postgres@127.0.0.1:1/test").open()


@postgres_only
async def test_a_connection_lost_mid_write_is_unavailable_and_the_next_write_reconnects(backend: Backend) -> None:
    import asyncpg

    name = f"ow_test_{secrets.token_hex(4)}"  # tells this store's connections from everyone else's on the server
    async with opened(f"{backend.url}&application_name={name}") as store:
        event = await new_event(store)
        other = await asyncpg.connect(backend.url)  # holds the event's row, so the store's write waits on it
        try:
            async with other.transaction():
                await other.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
                write = asyncio.create_task(store.update_event(event.id, title="During the outage"))
                while not await other.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
                    await asyncio.sleep(0.01)
                # The server drops the store's connections (a restart, a failover, a network cut).
                await other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", name)
                with pytest.raises(StoreUnavailable):
                    await write
        finally:
            await other.close()
        renamed, _ = await store.update_event(event.id, title="After it")  # the pool connects again
        assert renamed.title == "After it"
        assert [entry.type for entry in await store.log_since(event.id, 0)] == ["event.created", "event.updated"]


# -- the same records in both -------------------------------------------------------------------------


@postgres_only
async def test_a_record_travels_between_the_databases_unchanged(backend: Backend, tmp_path: Path) -> None:
    """PostgreSQL to SQLite to another PostgreSQL: the same record, flags and the log's JSON byte for
    byte, with rows that refer to each other in circles (a spotlight, a merge) checked at COMMIT."""
    async with opened(backend.url) as postgres:
        event = await new_event(postgres)
        await postgres.update_event(event.id, status=EventStatus.LIVE)
        site, other = await new_site(postgres, event.id), await new_site(postgres, event.id, "Odense")
        person, visitor = await new_participant(postgres, site, name="Åse"), await new_participant(postgres, other)
        kept = (await postgres.create_note(person, draft("Bedre cykelstier 🙂"))).note
        duplicate = (await postgres.create_note(person, draft("Flere cykelstier"))).note
        await postgres.create_build_on(visitor, kept.id, "And benches", client_id=None)
        await postgres.merge_note(duplicate.id, kept.id)
        await postgres.set_spotlight(site.id, kept.id)
        theme, _ = await postgres.create_theme(event.id, "Mobility")
        await postgres.place_note(kept.id, theme.id, by_site=None)
        await postgres.update_site(site.id, locked=True)
        await postgres.create_proxy_note(site.id, "Table 3", draft("On paper"))
        record = await postgres.export_event(event.id)
        with pytest.raises(RuleError) as twice:
            await postgres.import_event(record, host_secret_hash="again")
        assert twice.value.code == "event_exists"

    sqlite = SQLiteStore(tmp_path / "copy.db")
    await sqlite.open()
    try:
        await sqlite.import_event(record, host_secret_hash="copy")
        assert await sqlite.export_event(event.id) == record
        board = await sqlite.board(event.id, moderation=True)
    finally:
        await sqlite.close()
    async with postgres_schema(migrated=True) as url, opened(url) as again:
        await again.import_event(record, host_secret_hash="back")
        assert await again.export_event(event.id) == record
        assert await again.board(event.id, moderation=True) == board
        assert (await again.get_site(site.id)).locked and (await again.get_note(duplicate.id)).merged_into == kept.id


async def test_workshop_migrate_works_on_postgres(tmp_path: Path) -> None:
    async with postgres_schema() as url:
        first = workshop("migrate", "--database", url, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert f"Applied migrations {', '.join(str(v) for v, _ in migration_scripts('postgres'))}" in first.stdout
        again = workshop("migrate", cwd=tmp_path, env={"WORKSHOP_DATABASE_URL": url})
        assert again.returncode == 0 and "up to date" in again.stdout, again.stderr
    down = workshop("migrate", "--database", "postgresql://postgres@127.0.0.1:1/test", cwd=tmp_path)
    assert down.returncode != 0 and "Cannot reach PostgreSQL" in down.stderr and "Traceback" not in down.stderr
