"""Faults: a server killed mid-post, a full disk, a failing disk, a read-only database.

What people must be able to count on whatever breaks: a note acknowledged (201) is stored and
survives a crash; a note sent again with its client_id (the phone's outbox does) is stored once; a
write the database cannot make is answered 503 `unavailable` in a sentence (on the phone form, a page
in the event's language that keeps the note), is announced to nobody, leaves every earlier note
intact, and goes through when sent again once the fault is gone, without restarting the server.

How each fault is made, for real wherever that needs no privileges CI may lack:
- a crash: `workshop serve` in a subprocess (tests/processes.py), killed with SIGKILL while eight
  phones post as fast as they can, on SQLite and on PostgreSQL;
- a failing disk: the running server's file size limit (RLIMIT_FSIZE) lowered to 0, so every
  write() to its files fails and SQLite meets the I/O error a dying disk gives (SQLITE_IOERR);
- a full disk: `PRAGMA max_page_count` on the store's write connection, which makes SQLite answer
  SQLITE_FULL exactly as when the disk is full (a small tmpfs would need the right to mount);
- a read-only file: `PRAGMA query_only` on the write connection, SQLITE_READONLY as for a file
  that cannot be written (file modes do not stop root, who runs CI);
- a read-only PostgreSQL: the app's own role set to `default_transaction_read_only` and its
  sessions ended, as a failover to a standby does.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import resource
import secrets
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from tests.api_helpers import check_error
from tests.processes import AppProcess
from tests.servers import LiveServer
from tests.stores import POSTGRES_URL, postgres_missing, postgres_schema, with_search_path
from tests.test_cli import workshop
from tests.test_live import api, auth, live_url, messages, new_event, server  # noqa: F401 (fixtures)
from tests.test_pages import app_settings, browser, create_event, join, other_browser  # noqa: F401 (fixtures)
from workshop.store.sqlite import SQLiteStore

CRASH_AFTER = 40  # notes acknowledged before the server is killed
PHONES = 8  # posting at once, each as a participant of its own


# -- helpers ----------------------------------------------------------------------------------------


def host(event: dict[str, Any]) -> dict[str, str]:
    return auth(event["host_token"])


async def post(api: httpx.AsyncClient, site: dict[str, Any], phone: dict[str, str], text: str, client_id: str) -> httpx.Response:
    return await api.post(f"/api/v1/sites/{site['id']}/notes", json={"text": text, "client_id": client_id}, headers=phone)


async def board_notes(api: httpx.AsyncClient, event: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/events/{event['id']}/board", headers=host(event))
    assert response.status_code == 200, response.text
    return list(response.json()["notes"])


async def whole_log(api: httpx.AsyncClient, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's log, checked whole: seqs 1..last_seq without a gap or a repeat, and every note on
    the board announced by exactly one `note.created`, the entry of its own seq."""
    response = await api.get(f"/api/v1/events/{event['id']}/log", headers=host(event))
    assert response.status_code == 200, response.text
    body = response.json()
    entries = body["entries"]
    assert [entry["seq"] for entry in entries] == list(range(1, body["last_seq"] + 1))
    created = {entry["data"]["note"]["id"]: entry["seq"] for entry in entries if entry["type"] == "note.created"}
    notes = await board_notes(api, event)
    assert len(created) == len([entry for entry in entries if entry["type"] == "note.created"])  # no note announced twice
    assert {note["id"]: note["seq"] for note in notes} == created
    return list(entries)


def sqlite_intact(path: Path) -> None:
    """The file as SQLite itself checks it: every page and index sound, every reference kept."""
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


async def join_phones(api: httpx.AsyncClient, event: dict[str, Any], count: int) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """`count` more participants, over the event's sites in turn: (their site, their Authorization header)."""
    phones = []
    for number in range(count):
        site = event["sites"][number % len(event["sites"])]
        joined = await api.post("/api/v1/join", json={"code": site["join_code"]})
        assert joined.status_code == 201, joined.text
        phones.append((site, auth(joined.json()["participant_token"])))
    return phones


# -- a server killed mid-post ---------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Where the killed server keeps its data: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "workshop.db")
        return
    async with postgres_schema(migrated=True) as url:
        yield url


@dataclass
class Poster:
    """One phone posting as fast as it can: every post it sent, and the ones the server acknowledged."""

    name: str
    site: dict[str, Any]
    phone: dict[str, str]
    sent: dict[str, str] = field(default_factory=dict)  # client_id -> text
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_id -> the note the 201 carried
    unanswered: int = 0  # posts the server died under

    async def post_until_cut_off(self, api: httpx.AsyncClient, acknowledged: Counter[str], enough: asyncio.Event) -> None:
        for number in range(1000):  # a bound, far beyond what a run reaches before the kill
            client_id, text = f"{self.name}-{number}", f"{self.name}: note {number}"
            self.sent[client_id] = text
            try:
                response = await post(api, self.site, self.phone, text, client_id)
            except httpx.TransportError:  # the server died with this post in flight
                self.unanswered += 1
                return
            assert response.status_code == 201, response.text
            self.acknowledged[client_id] = response.json()
            acknowledged["all"] += 1
            if acknowledged["all"] >= CRASH_AFTER:
                enough.set()

    async def retry_everything(self, api: httpx.AsyncClient) -> None:
        """What the phone's outbox does after the crash: every post again, with the same client_id."""
        for client_id, text in self.sent.items():
            response = await post(api, self.site, self.phone, text, client_id)
            assert response.status_code == 201, response.text
            note = response.json()
            assert (note["client_id"], note["text"]) == (client_id, text)
            if client_id in self.acknowledged:  # the same note as the first answer, not a new one
                assert note["id"] == self.acknowledged[client_id]["id"]
                assert response.headers.get("Idempotent-Replayed") == "true"


async def test_a_server_killed_mid_post_keeps_every_acknowledged_note_and_retries_make_no_duplicate(
    tmp_path: Path, database: str
) -> None:
    app = AppProcess(tmp_path, "killed", database=database, redis_url="").start()
    try:
        async with httpx.AsyncClient(base_url=app.url, timeout=10) as api:
            event = await new_event(api)
            posters = [Poster(f"phone{number}", site, phone) for number, (site, phone) in enumerate(await join_phones(api, event, PHONES))]
            acknowledged: Counter[str] = Counter()
            enough = asyncio.Event()

            async def kill_when_enough() -> None:
                await enough.wait()
                await asyncio.to_thread(app.kill)  # SIGKILL: no shutdown, as a crash or the OOM killer

            async with asyncio.timeout(60):
                await asyncio.gather(kill_when_enough(), *(poster.post_until_cut_off(api, acknowledged, enough) for poster in posters))
        assert acknowledged["all"] >= CRASH_AFTER
        assert sum(poster.unanswered for poster in posters) >= 1  # it died with posts in flight

        # Started again on the same database, as systemd restarts it (on a port of its own: the old
        # one may have been taken meanwhile by anything else on the machine).
        app = AppProcess(tmp_path, "restarted", database=database, redis_url="").start()
        async with httpx.AsyncClient(base_url=app.url, timeout=10) as api:
            stored = {note["client_id"]: note for note in await board_notes(api, event)}
            for poster in posters:
                for client_id, note in poster.acknowledged.items():
                    assert stored[client_id]["id"] == note["id"] and stored[client_id]["text"] == note["text"]

            async with asyncio.timeout(60):
                await asyncio.gather(*(poster.retry_everything(api) for poster in posters))
            notes = await board_notes(api, event)
            sent = {client_id: text for poster in posters for client_id, text in poster.sent.items()}
            assert Counter(note["client_id"] for note in notes) == Counter(sent.keys())  # every post once, none twice
            assert {note["client_id"]: note["text"] for note in notes} == sent
            await whole_log(api, event)
    finally:
        app.stop()
    if not database.startswith("postgresql://"):
        sqlite_intact(Path(database))


# -- a full disk, a read-only file (SQLite, in the server's own process) -----------------------------------


def store_of(app: Any) -> SQLiteStore:
    store = app.state.workshop.store
    assert isinstance(store, SQLiteStore)
    return store


async def on_writer(store: SQLiteStore, pragma: str) -> int | None:
    """Run a PRAGMA on the store's write connection (what it sets holds for that connection only)."""
    rows = await store.writer.execute_fetchall(pragma)
    return next((int(row[0]) for row in rows), None)


async def fill_disk(store: SQLiteStore) -> int:
    """From now on the database may not grow by one page: SQLITE_FULL, as on a full disk. Returns the
    limit it had, for `make_room`."""
    room = await on_writer(store, "PRAGMA max_page_count")
    assert room is not None
    await on_writer(store, "PRAGMA max_page_count = 1")  # never below the file's size: exactly as big as it is now
    return room


async def make_room(store: SQLiteStore, room: int) -> None:
    await on_writer(store, f"PRAGMA max_page_count = {room}")


@asynccontextmanager
async def full_disk(store: SQLiteStore) -> AsyncIterator[None]:
    """A full disk until the block ends."""
    room = await fill_disk(store)
    try:
        yield
    finally:
        await make_room(store, room)


async def test_a_full_disk_refuses_a_note_in_words_announces_nothing_and_takes_it_once_there_is_space(
    server: LiveServer, api: httpx.AsyncClient
) -> None:
    store = store_of(server.app)
    event = await new_event(api)
    site, phone = event["sites"][0], event["sites"][0]["phone"]
    earlier = [(await post(api, site, phone, f"Before the disk filled {number}", f"early-{number}")).json() for number in range(3)]
    async with connect(live_url(server, event), additional_headers=host(event)) as board:
        (snapshot,) = await messages(board, 1)
        async with full_disk(store):
            # Notes keep coming until the last free space in the file is gone; the one that does not fit is refused.
            filled: list[dict[str, Any]] = []
            for number in itertools.count():
                assert number < 200, "the disk never filled"
                text = f"Note {number} while the disk fills: " + ", ".join(["shade, water and benches"] * 16)
                response = await post(api, site, phone, text, f"fill-{number}")
                if response.status_code != 201:
                    break
                filled.append(response.json())
            refused_id, refused_text = f"fill-{number}", text
            body = check_error(response, 503, "unavailable", mentions="cannot save")
            assert response.headers["Retry-After"].isdigit()
            assert not re.search(r"/|\.db|SQL|INSERT|disk is full", body["message"])  # no path, no SQL, no raw error
            # The outbox sends it again while the disk is still full: refused again, and nothing half-stored.
            check_error(await post(api, site, phone, refused_text, refused_id), 503, "unavailable")
            # Reading still works: every earlier note is there, whole.
            assert [note["text"] for note in await board_notes(api, event)] == [note["text"] for note in earlier + filled]
        retried = await post(api, site, phone, refused_text, refused_id)  # space is back: no restart
        assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers  # stored now, for the first time
        again = await post(api, site, phone, refused_text, refused_id)
        assert again.status_code == 201 and again.json()["id"] == retried.json()["id"]
        # The board saw every stored note once, in order, and nothing of the refused posts until it was stored.
        live = await messages(board, len(filled) + 1)
    assert [entry["type"] for entry in live] == ["note.created"] * (len(filled) + 1)
    # By id, not text: a refused attempt announced by mistake would carry the same text, but not the stored note's id.
    assert [entry["note"]["id"] for entry in live] == [note["id"] for note in filled] + [retried.json()["id"]]
    assert [entry["seq"] for entry in live] == list(range(snapshot["seq"] + 1, snapshot["seq"] + len(filled) + 2))
    notes = await board_notes(api, event)
    assert [note["client_id"] for note in notes].count(refused_id) == 1
    await whole_log(api, event)
    sqlite_intact(server.database)


async def test_a_read_only_database_refuses_writes_in_words_and_still_serves_reads(server: LiveServer, api: httpx.AsyncClient) -> None:
    store = store_of(server.app)
    event = await new_event(api)
    site, phone = event["sites"][1], event["sites"][1]["phone"]
    before = (await post(api, site, phone, "Written before it went read-only", "before")).json()
    await on_writer(store, "PRAGMA query_only = ON")  # SQLITE_READONLY for every write, as for a file that cannot be written
    try:
        check_error(await post(api, site, phone, "Not now", "refused"), 503, "unavailable", mentions="cannot save")
        renamed = await api.patch(f"/api/v1/events/{event['id']}", json={"title": "Renamed"}, headers=host(event))
        check_error(renamed, 503, "unavailable")  # every kind of write, not only notes
        assert [note["text"] for note in await board_notes(api, event)] == [before["text"]]
        read = await api.get(f"/api/v1/events/{event['id']}", headers=host(event))
        assert read.status_code == 200 and read.json()["title"] == "Live"
    finally:
        await on_writer(store, "PRAGMA query_only = OFF")
    retried = await post(api, site, phone, "Not now", "refused")
    assert retried.status_code == 201
    assert [note["text"] for note in await board_notes(api, event)] == [before["text"], "Not now"]
    await whole_log(api, event)
    sqlite_intact(server.database)


def test_the_phone_form_on_a_full_disk_keeps_the_note_and_says_so_in_the_event_s_language(browser: TestClient) -> None:
    event_id = create_event(browser, language="da")
    added = browser.post(f"/api/v1/events/{event_id}/sites", json={"name": "Aalborg"})  # as the host, by cookie
    assert added.status_code == 201, added.text
    site_id = added.json()["id"]
    phone = other_browser(browser)
    join(phone, added.json()["join_code"])
    store = store_of(browser.app)
    assert browser.portal is not None

    def form_client_id() -> str:
        found = re.search(r'name="client_id" value="([^"]+)"', phone.get(f"/sites/{site_id}/phone").text)
        assert found
        return found.group(1)

    stored: list[str] = []
    room = browser.portal.call(fill_disk, store)
    try:
        for number in itertools.count():
            assert number < 200, "the disk never filled"
            client_id, text = form_client_id(), f"Note {number}: " + ", ".join(["skygge, vand og bænke"] * 16)
            refused = phone.post(f"/sites/{site_id}/notes", data={"text": text, "kind": "idea", "client_id": client_id})
            if refused.status_code != 303:
                break
            stored.append(text)
        assert refused.status_code == 503
        assert "Serveren kan ikke gemme lige nu" in refused.text  # Danish, as the event is
        assert 'role="alert"' in refused.text
        assert f">{text}</textarea>" in refused.text  # the note is kept in the box
        assert f'name="client_id" value="{client_id}"' in refused.text  # sent again, it is the same note
    finally:
        browser.portal.call(make_room, store, room)
    sent = phone.post(f"/sites/{site_id}/notes", data={"text": text, "kind": "idea", "client_id": client_id})
    assert sent.status_code == 303
    page = phone.get(f"/sites/{site_id}/phone").text
    assert page.count(f'<p class="note__text">{text}</p>') == 1
    assert all(page.count(f'<p class="note__text">{earlier}</p>') == 1 for earlier in stored)


def test_a_database_that_cannot_be_opened_is_said_in_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "taken.db").mkdir()  # a directory where the file should be
    result = workshop("migrate", "--database", str(tmp_path / "taken.db"), cwd=tmp_path)
    assert result.returncode != 0
    assert "workshop: The database file cannot be opened (SQLITE_CANTOPEN)." in result.stderr
    assert "Traceback" not in result.stderr


# -- a failing disk under a real process -----------------------------------------------------------


@asynccontextmanager
async def failing_disk(app: AppProcess) -> AsyncIterator[None]:
    """Every write() of the server's to a file fails (EFBIG, past a size limit of 0 bytes) until the block ends."""
    pid = app.pid
    limits = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, limits[1]))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, limits)


async def test_a_failing_disk_is_answered_503_and_the_same_process_writes_again_once_it_is_back(tmp_path: Path) -> None:
    database = tmp_path / "workshop.db"
    app = AppProcess(tmp_path, "disk", database=str(database), redis_url="").start()
    try:
        async with httpx.AsyncClient(base_url=app.url, timeout=10) as api:
            event = await new_event(api)
            site, phone = event["sites"][0], event["sites"][0]["phone"]
            before = [(await post(api, site, phone, f"Safe {number}", f"safe-{number}")).json() for number in range(3)]
            async with failing_disk(app):
                for _ in range(3):  # the outbox tries again: each attempt refused, none half-stored
                    check_error(await post(api, site, phone, "During the fault", "during"), 503, "unavailable")
                assert [note["text"] for note in await board_notes(api, event)] == [note["text"] for note in before]
            retried = await post(api, site, phone, "During the fault", "during")
            assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
            assert [note["text"] for note in await board_notes(api, event)] == [*(note["text"] for note in before), "During the fault"]
            await whole_log(api, event)
    finally:
        app.stop()
    sqlite_intact(database)


# -- PostgreSQL turned read-only under running processes -------------------------------------------------


@dataclass
class OwnRole:
    """A login role of the test's own, owning a schema of its own: `url` connects as it, to that schema."""

    name: str
    url: str

    async def admin(self, *statements: str) -> None:
        conn = await admin_connection()
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def read_only(self, on: bool) -> None:
        """Every new session of the role read-only (or not), and its sessions ended, as in a failover."""
        setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
        await self.admin(
            f"ALTER ROLE {self.name} {setting}",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{self.name}'",
        )


async def admin_connection() -> Any:
    import asyncpg

    try:
        return await asyncpg.connect(POSTGRES_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        postgres_missing(exc)


@pytest.fixture
async def own_role() -> AsyncIterator[OwnRole]:
    """The role and its schema, dropped afterwards (the test server's user must be allowed to create roles)."""
    name, password = f"ow_test_{secrets.token_hex(6)}", secrets.token_hex(16)
    parts = urlsplit(POSTGRES_URL)
    netloc = f"{name}:{password}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    # One connection in the app's pool: once a request after a failover is answered, the next ones
    # all go through the fresh connection that answered it.
    query = "&".join(filter(None, [parts.query, "pool_size=1"]))
    role = OwnRole(name, with_search_path(urlunsplit(parts._replace(netloc=netloc, query=query)), name))
    await role.admin(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'", f"CREATE SCHEMA {name} AUTHORIZATION {name}")
    try:
        yield role
    finally:
        await role.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'",
            f"DROP SCHEMA {name} CASCADE",
            f"DROP ROLE {name}",
        )


async def answered(call: Any, wanted: int, what: str) -> httpx.Response:
    """Ask until the answer is `wanted` (a connection the server ended is found dead on first use), at most 50 times."""
    for _ in range(50):
        response = await call()
        if response.status_code == wanted:
            return response
        check_error(response, 503, "unavailable")  # meanwhile: only "not now", never a 500
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} never answered {wanted}")


async def test_postgres_turned_read_only_refuses_writes_in_words_serves_reads_and_writes_again_after(tmp_path: Path, own_role: OwnRole) -> None:
    app = AppProcess(tmp_path, "standby", database=own_role.url, redis_url="").start()
    try:
        async with httpx.AsyncClient(base_url=app.url, timeout=10) as api:
            event = await new_event(api)
            site, phone = event["sites"][0], event["sites"][0]["phone"]
            before = (await post(api, site, phone, "Before the failover", "before")).json()
            await own_role.read_only(True)
            await answered(lambda: api.get(f"/api/v1/events/{event['id']}/board", headers=host(event)), 200, "a read")
            refused = await post(api, site, phone, "On the standby", "standby")
            check_error(refused, 503, "unavailable", mentions="cannot save")
            assert refused.headers["Retry-After"].isdigit()
            assert [note["text"] for note in await board_notes(api, event)] == [before["text"]]
            await own_role.read_only(False)
            retried = await answered(lambda: post(api, site, phone, "On the standby", "standby"), 201, "the retried post")
            assert "Idempotent-Replayed" not in retried.headers
            assert [note["client_id"] for note in await board_notes(api, event)] == ["before", "standby"]
            await whole_log(api, event)
    finally:
        app.stop()
