"""The default store: one SQLite file, through aiosqlite, in WAL mode with foreign keys on.

Two connections: writes go through one, one transaction at a time (SQLite has one writer anyway);
reads go through the other, so a read never sees a write that is not yet committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from workshop.domain import agenda, moderation, rules, themes, votes
from workshop.domain.agenda import Activity, ClockAction, PhaseDraft
from workshop.domain.codes import new_join_code
from workshop.domain.errors import RuleError
from workshop.domain.models import (
    Board,
    Colour,
    Event,
    EventStatus,
    LogEntry,
    Note,
    NoteKind,
    Participant,
    Phase,
    Role,
    Site,
    SiteClock,
    Theme,
    as_json,
)
from workshop.domain.votes import Ballot, VotingSettings
from workshop.store.base import NotFound, NoteWritten, Store, StoreUnavailable, VoteWritten
from workshop.store.ids import new_id, new_secret, utc_now
from workshop.domain import exchange
from workshop.domain.models import BuildOn, Send
from workshop.store.base import BuildOnWritten

EVENT_FIELDS = ("title", "theme", "description", "language", "timezone", "status")
NOTE_FIELDS = ("text", "kind", "colour", "visible", "hidden_by", "merged_into")
# Moderation: the participants a moderator may remove (not removed yet, not a table's proxy), as they joined.
PRESENT_PEOPLE = "removed_at IS NULL AND proxy = 0 ORDER BY created_at, rowid"


def migration_scripts(dialect: str) -> list[tuple[int, str]]:
    """The numbered SQL files of a dialect, in order: `0001_initial.sql` is version 1."""
    folder = resources.files("workshop.store") / "migrations" / dialect
    found = [(int(item.name.split("_", 1)[0]), item.read_text("utf-8")) for item in folder.iterdir() if item.name.endswith(".sql")]
    return sorted(found)


def _event(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        title=row["title"],
        theme=row["theme"],
        description=row["description"],
        language=row["language"],
        timezone=row["timezone"],
        status=EventStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        kit=row["kit"],
        vote_budget=row["vote_budget"],
        votes_several_per_note=bool(row["votes_several_per_note"]),
        votes_hidden=bool(row["votes_hidden"]),
    )


def _site(row: sqlite3.Row) -> Site:
    return Site(
        id=row["id"],
        event_id=row["event_id"],
        name=row["name"],
        angle=row["angle"],
        join_code=row["join_code"],
        position=row["position"],
        created_at=row["created_at"],
        locked=bool(row["locked"]),
        votes_revealed=bool(row["votes_revealed"]),
    )


def _participant(row: sqlite3.Row) -> Participant:
    return Participant(
        id=row["id"],
        event_id=row["event_id"],
        site_id=row["site_id"],
        name=row["name"],
        role=Role(row["role"]) if row["role"] else None,
        created_at=row["created_at"],
        removed_at=row["removed_at"],
        proxy=bool(row["proxy"]),
    )


def _note(row: sqlite3.Row) -> Note:
    return Note(
        id=row["id"],
        event_id=row["event_id"],
        site_id=row["site_id"],
        participant_id=row["participant_id"],
        seq=row["seq"],
        text=row["text"],
        kind=NoteKind(row["kind"]),
        colour=Colour(row["colour"]),
        visible=bool(row["visible"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        client_id=row["client_id"],
        merged_into=row["merged_into"],
        hidden_by=row["hidden_by"],
        on_behalf_of=row["on_behalf_of"],
        theme_id=row["theme_id"],
    )


def _theme(row: sqlite3.Row) -> Theme:
    return Theme(id=row["id"], event_id=row["event_id"], name=row["name"], seq=row["seq"], created_at=row["created_at"])


def _phase(row: sqlite3.Row) -> Phase:
    return Phase(
        id=row["id"],
        event_id=row["event_id"],
        position=row["position"],
        name=row["name"],
        minutes=row["minutes"],
        allows=tuple(activity for activity in row["allows"].split(",") if activity),
        instructions=row["instructions"],
        script=row["script"],
    )


def _clock(site_row: sqlite3.Row) -> SiteClock:
    return SiteClock(
        site_id=site_row["id"],
        phase_id=site_row["phase_id"],
        started_at=site_row["phase_started_at"],
        paused_at=site_row["paused_at"],
        paused_seconds=site_row["paused_seconds"],
        extra_seconds=site_row["extra_seconds"],
    )


def _entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(event_id=row["event_id"], seq=row["seq"], type=row["type"], data=json.loads(row["data"]), created_at=row["created_at"])


def _build_on(row: sqlite3.Row) -> BuildOn:
    return BuildOn(
        id=row["id"], event_id=row["event_id"], note_id=row["note_id"], site_id=row["site_id"], participant_id=row["participant_id"],
        author_site_id=row["author_site_id"], seq=row["seq"], text=row["text"], created_at=row["created_at"], client_id=row["client_id"],
    )


def _send(row: sqlite3.Row) -> Send:
    return Send(
        id=row["id"], event_id=row["event_id"], from_site_id=row["from_site_id"], to_site_id=row["to_site_id"], note_id=row["note_id"],
        question=row["question"], seq=row["seq"], created_at=row["created_at"],
    )


class SQLiteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()

    # -- life cycle -----------------------------------------------------------------------------
    async def _connect(self) -> aiosqlite.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA foreign_keys = ON")
        return conn

    async def open(self, *, migrate: bool = True) -> None:
        if self.path == ":memory:":
            raise ValueError("SQLiteStore needs a file: its reader and writer are two connections.")
        self._writer = await self._connect()
        # WAL lets the reader read while the writer writes; FULL syncs every commit, so a note
        # acknowledged to a phone survives a power cut, not only a crash of the process.
        await self._writer.execute("PRAGMA journal_mode = WAL")
        await self._writer.execute("PRAGMA synchronous = FULL")
        if migrate:
            await self.migrate()
        self._reader = await self._connect()

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StoreUnavailable("The store is not open.")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise StoreUnavailable("The store is not open.")
        return self._reader

    async def applied_migrations(self) -> list[int]:
        conn = self._writer or self._reader
        assert conn is not None
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        async with conn.execute("SELECT version FROM schema_migrations ORDER BY version") as cursor:
            return [row[0] async for row in cursor]

    async def migrate(self) -> list[int]:
        async with self._write_lock:
            done = set(await self.applied_migrations())
            applied = []
            for version, script in migration_scripts("sqlite"):
                if version in done:
                    continue
                # One transaction per migration: a failure leaves the file at the previous version.
                record = f"INSERT INTO schema_migrations (version, applied_at) VALUES ({version:d}, '{utc_now()}');"
                try:
                    await self.writer.executescript(f"BEGIN IMMEDIATE;\n{script}\n{record}\nCOMMIT;")
                except sqlite3.Error:
                    if self.writer.in_transaction:
                        await self.writer.execute("ROLLBACK")
                    raise
                applied.append(version)
            return applied

    # -- transactions ---------------------------------------------------------------------------
    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time, committed on success and rolled back on any error."""
        async with self._write_lock:
            conn = self.writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(str(exc)) from exc
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several reads that see one committed state."""
        async with self._read_lock:
            conn = self.reader
            await conn.execute("BEGIN")
            try:
                yield conn
            finally:
                await conn.execute("COMMIT")

    async def _one(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Row | None:
        async with self._read_lock:
            async with self.reader.execute(sql, args) as cursor:
                return await cursor.fetchone()

    async def _all(self, sql: str, args: tuple[Any, ...], conn: aiosqlite.Connection | None = None) -> list[sqlite3.Row]:
        if conn is not None:
            async with conn.execute(sql, args) as cursor:
                return list(await cursor.fetchall())
        async with self._read_lock:
            async with self.reader.execute(sql, args) as cursor:
                return list(await cursor.fetchall())

    @staticmethod
    async def _append(conn: aiosqlite.Connection, event_id: str, type_: str, data: dict[str, Any], now: str) -> LogEntry:
        """Append to the event's log inside the caller's transaction: the next seq, with no gap."""
        async with conn.execute("UPDATE events SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", (event_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"event {event_id}")
        seq = row[0]
        await conn.execute(
            "INSERT INTO event_log (event_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (event_id, seq, type_, json.dumps(data, ensure_ascii=False, separators=(",", ":")), now),
        )
        return LogEntry(event_id=event_id, seq=seq, type=type_, data=data, created_at=now)

    @staticmethod
    async def _status(conn: aiosqlite.Connection, event_id: str) -> EventStatus:
        """The event's status as this write transaction sees it.

        The rules that depend on the status are checked here, not before the transaction: a
        concurrent close cannot slip in between the check and the write.
        """
        async with conn.execute("SELECT status FROM events WHERE id = ?", (event_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"event {event_id}")
        return EventStatus(row[0])

    async def _phase_at(self, conn: aiosqlite.Connection, site_id: str) -> Phase | None:
        """The phase a site is in, as this write transaction sees it (None: no agenda running)."""
        rows = await self._all("SELECT phases.* FROM sites JOIN phases ON phases.id = sites.phase_id WHERE sites.id = ?", (site_id,), conn)
        return _phase(rows[0]) if rows else None

    async def setting(self, key: str, default: str) -> str:
        async with self._write() as conn:
            await conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, default))
            async with conn.execute("SELECT value FROM settings WHERE key = ?", (key,)) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return str(row[0])

    # -- events ---------------------------------------------------------------------------------
    async def create_event(
        self, *, title: str, theme: str, description: str, language: str, timezone: str, host_secret_hash: str,
        kit: tuple[str, list[PhaseDraft]] | None = None,
    ) -> tuple[Event, list[LogEntry]]:
        now = utc_now()
        event = Event(new_id(), title, theme, description, language, timezone, EventStatus.DRAFT, now, now)
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO events (id, title, theme, description, language, timezone, status, host_secret_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.id, title, theme, description, language, timezone, event.status.value, host_secret_hash, now, now),
            )
            entries = [await self._append(conn, event.id, "event.created", {"event": as_json(event)}, now)]
            if kit is not None:  # in the same transaction: an event never exists without the kit it was made with
                kit_id, drafts = kit
                entries.append((await self._write_agenda(conn, event.id, drafts, kit_id, now))[1])
                event = replace(event, kit=kit_id)
        return event, entries

    async def get_event(self, event_id: str) -> Event:
        row = await self._one("SELECT * FROM events WHERE id = ?", (event_id,))
        if row is None:
            raise NotFound(f"event {event_id}")
        return _event(row)

    async def event_id_for_host_secret(self, host_secret_hash: str) -> str | None:
        row = await self._one("SELECT id FROM events WHERE host_secret_hash = ?", (host_secret_hash,))
        return None if row is None else str(row[0])

    async def update_event(self, event_id: str, **changes: object) -> tuple[Event, LogEntry | None]:
        unknown = set(changes) - set(EVENT_FIELDS)
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        now = utc_now()
        async with self._write() as conn:
            values = {key: value for key, value in changes.items() if key != "status"}
            if "status" in changes:
                current = await self._status(conn, event_id)
                wanted = rules.status_change(current, EventStatus(changes["status"]))
                if wanted != current:
                    values["status"] = wanted.value
            if not values:  # a concurrent request already made the change: nothing to log
                rows = await self._all("SELECT * FROM events WHERE id = ?", (event_id,), conn)
                if not rows:
                    raise NotFound(f"event {event_id}")
                return _event(rows[0]), None
            assignments = ", ".join(f"{key} = ?" for key in values)
            sql = f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ? RETURNING *"
            async with conn.execute(sql, (*values.values(), now, event_id)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFound(f"event {event_id}")
            event = _event(row)
            if event.status == EventStatus.CLOSED:
                await conn.execute("UPDATE sites SET open_join_code = NULL WHERE event_id = ?", (event_id,))
            entry = await self._append(conn, event_id, "event.updated", {"event": as_json(event), "changed": sorted(values)}, now)
        return event, entry

    # -- sites ----------------------------------------------------------------------------------
    async def create_site(self, event_id: str, *, name: str, angle: str) -> tuple[Site, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            rules.can_add_site(await self._status(conn, event_id))
            async with conn.execute("SELECT count(*) FROM sites WHERE event_id = ?", (event_id,)) as cursor:
                (position,) = await cursor.fetchone() or (0,)
            code = await self._unused_join_code(conn)
            site = Site(new_id(), event_id, name, angle, code, position, now)
            await conn.execute(
                "INSERT INTO sites (id, event_id, name, angle, join_code, open_join_code, facilitator_nonce, position, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (site.id, event_id, name, angle, code, code, new_secret(8), position, now),
            )
            entry = await self._append(conn, event_id, "site.created", {"site": as_json(site)}, now)
        return site, entry

    @staticmethod
    async def _unused_join_code(conn: aiosqlite.Connection) -> str:
        for _ in range(50):
            code = new_join_code()
            async with conn.execute("SELECT 1 FROM sites WHERE open_join_code = ?", (code,)) as cursor:
                if await cursor.fetchone() is None:
                    return code
        raise StoreUnavailable("Could not find an unused join code.")

    async def get_site(self, site_id: str) -> Site:
        row = await self._one("SELECT * FROM sites WHERE id = ?", (site_id,))
        if row is None:
            raise NotFound(f"site {site_id}")
        return _site(row)

    async def site_for_join_code(self, code: str) -> Site | None:
        row = await self._one("SELECT * FROM sites WHERE open_join_code = ?", (code,))
        return None if row is None else _site(row)

    async def list_sites(self, event_id: str) -> list[Site]:
        return [_site(row) for row in await self._all("SELECT * FROM sites WHERE event_id = ? ORDER BY position", (event_id,))]

    async def facilitator_nonce(self, site_id: str) -> str:
        row = await self._one("SELECT facilitator_nonce FROM sites WHERE id = ?", (site_id,))
        if row is None:
            raise NotFound(f"site {site_id}")
        return str(row[0])

    # -- participants ---------------------------------------------------------------------------
    async def create_participant(self, site: Site, *, name: str | None, role: str | None) -> tuple[Participant, LogEntry]:
        now = utc_now()
        participant = Participant(new_id(), site.event_id, site.id, name, Role(role) if role else None, now)
        async with self._write() as conn:
            rules.can_join(await self._status(conn, site.event_id))
            await conn.execute(
                "INSERT INTO participants (id, event_id, site_id, name, role, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (participant.id, site.event_id, site.id, name, role, now),
            )
            entry = await self._append(conn, site.event_id, "participant.joined", {"participant": as_json(participant)}, now)
        return participant, entry

    async def get_participant(self, participant_id: str) -> Participant:
        row = await self._one("SELECT * FROM participants WHERE id = ?", (participant_id,))
        if row is None:
            raise NotFound(f"participant {participant_id}")
        return _participant(row)

    # -- notes ----------------------------------------------------------------------------------
    async def create_note(self, participant: Participant, draft: rules.NoteDraft) -> NoteWritten:
        async with self._write() as conn:
            earlier = await self._earlier_note(conn, participant.id, draft.client_id)
            if earlier is not None:
                return earlier
            # A retry is answered above even once the event has closed: the first post was stored.
            rules.can_post(await self._status(conn, participant.event_id))
            await self._check_present(conn, participant.id)
            await self._check_site_open(conn, participant.site_id)
            agenda.can_do(Activity.POST, await self._phase_at(conn, participant.site_id))
            return await self._insert_note(conn, participant, draft)

    async def _earlier_note(self, conn: aiosqlite.Connection, participant_id: str, client_id: str | None) -> NoteWritten | None:
        """The note this participant already posted with this client_id, with its entry (a retried post)."""
        if client_id is None:
            return None
        earlier = await self._all("SELECT * FROM notes WHERE participant_id = ? AND client_id = ?", (participant_id, client_id), conn)
        if not earlier:
            return None
        note = _note(earlier[0])
        rows = await self._all("SELECT * FROM event_log WHERE event_id = ? AND seq = ?", (note.event_id, note.seq), conn)
        return NoteWritten(entry=_entry(rows[0]), note=note, created=False)

    async def _insert_note(self, conn: aiosqlite.Connection, participant: Participant, draft: rules.NoteDraft) -> NoteWritten:
        """Insert a note and its `note.created` entry, inside the caller's transaction (rules already checked)."""
        now = utc_now()
        # The note's seq is the seq of the entry that announces it, known only once appended.
        async with conn.execute("SELECT last_seq + 1 FROM events WHERE id = ?", (participant.event_id,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        note = Note(
            new_id(), participant.event_id, participant.site_id, participant.id, row[0], draft.text, draft.kind,
            draft.colour, True, now, now, draft.client_id, on_behalf_of=participant.name if participant.proxy else None,
        )
        await conn.execute(
            "INSERT INTO notes (id, event_id, site_id, participant_id, seq, text, kind, colour, visible, client_id, on_behalf_of,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (note.id, note.event_id, note.site_id, note.participant_id, note.seq, note.text, note.kind.value,
             note.colour.value, note.client_id, note.on_behalf_of, now, now),
        )
        entry = await self._append(conn, note.event_id, "note.created", {"note": as_json(note)}, now)
        assert entry.seq == note.seq
        return NoteWritten(entry=entry, note=note, created=True)

    async def get_note(self, note_id: str) -> Note:
        row = await self._one("SELECT * FROM notes WHERE id = ?", (note_id,))
        if row is None:
            raise NotFound(f"note {note_id}")
        return _note(row)

    async def update_note(self, note_id: str, *, by_author: bool = False, **changes: object) -> NoteWritten:
        unknown = set(changes) - set(NOTE_FIELDS)
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        now = utc_now()
        values = {key: getattr(value, "value", value) for key, value in changes.items()}
        async with self._write() as conn:
            before = await self._all("SELECT * FROM notes WHERE id = ?", (note_id,), conn)
            if not before:
                raise NotFound(f"note {note_id}")
            rules.can_change_notes(await self._status(conn, before[0]["event_id"]))
            if by_author:
                await self._check_author_may_change(conn, before[0])
            assignments = ", ".join(f"{key} = ?" for key in values)
            rows = await self._all(f"UPDATE notes SET {assignments}, updated_at = ? WHERE id = ? RETURNING *", (*values.values(), now, note_id), conn)
            note = _note(rows[0])
            data: dict[str, Any] = {"note": as_json(note), "changed": sorted(values)}
            if "text" in values and before[0]["text"] != note.text:
                data["previous_text"] = before[0]["text"]  # moderation and the summary can show what changed
            if note.visible and not before[0]["visible"]:
                # A restore brings the note's thread back too: boards opened while it was hidden never had it.
                threads = await self._all("SELECT * FROM build_ons WHERE note_id = ? ORDER BY seq", (note_id,), conn)
                data["build_ons"] = [as_json(_build_on(row)) for row in threads]
            entry = await self._append(conn, note.event_id, "note.updated", data, now)
        return NoteWritten(entry=entry, note=note, created=False)

    async def delete_note(self, note_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM notes WHERE id = ?", (note_id,), conn)
            if not rows:
                raise NotFound(f"note {note_id}")
            event_id, site_id = rows[0]["event_id"], rows[0]["site_id"]
            rules.can_change_notes(await self._status(conn, event_id))
            await self._check_author_may_change(conn, rows[0])
            # Deleting would take other people's votes and build-ons (and merged duplicates) with it.
            in_use = await self._all(
                "SELECT 1 FROM votes WHERE note_id = ? UNION ALL SELECT 1 FROM build_ons WHERE note_id = ?"
                " UNION ALL SELECT 1 FROM notes WHERE merged_into = ? LIMIT 1", (note_id, note_id, note_id), conn,
            )
            moderation.can_delete(in_use=bool(in_use))
            await conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            return await self._append(conn, event_id, "note.deleted", {"note_id": note_id, "site_id": site_id}, now)

    async def list_notes(self, event_id: str, *, include_hidden: bool = False) -> list[Note]:
        sql = "SELECT * FROM notes WHERE event_id = ?" + ("" if include_hidden else " AND visible = 1") + " ORDER BY seq"
        return [_note(row) for row in await self._all(sql, (event_id,))]

    # -- the agenda and its clocks ---------------------------------------------------------------
    async def list_phases(self, event_id: str) -> list[Phase]:
        return [_phase(row) for row in await self._all("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,))]

    async def list_clocks(self, event_id: str) -> list[SiteClock]:
        return [_clock(row) for row in await self._all("SELECT * FROM sites WHERE event_id = ? ORDER BY position", (event_id,))]

    async def set_agenda(self, event_id: str, drafts: list[PhaseDraft], *, kit: str | None) -> tuple[list[Phase], LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            agenda.can_change_agenda(await self._status(conn, event_id))
            return await self._write_agenda(conn, event_id, drafts, kit, now)

    async def _write_agenda(
        self, conn: aiosqlite.Connection, event_id: str, drafts: list[PhaseDraft], kit: str | None, now: str
    ) -> tuple[list[Phase], LogEntry]:
        """Make the agenda these drafts inside the caller's transaction (see `Store.set_agenda`)."""
        existing = {row["id"] for row in await self._all("SELECT id FROM phases WHERE event_id = ?", (event_id,), conn)}
        if any(draft.id is not None and draft.id not in existing for draft in drafts):
            raise RuleError("unknown_phase", "A phase id is not on this event's agenda; leave id out for a new phase.", "phases")
        dropped = existing - {draft.id for draft in drafts}
        marks = ",".join("?" * len(dropped))
        if dropped and await self._all(f"SELECT 1 FROM sites WHERE phase_id IN ({marks})", tuple(dropped), conn):
            raise RuleError("phase_in_use", "A site is in a phase this agenda leaves out; move it on, or stop the clock, first.", "phases")
        await conn.execute(f"DELETE FROM phases WHERE id IN ({marks})", tuple(dropped))
        phases = [
            Phase(draft.id or new_id(), event_id, position, draft.name, draft.minutes, draft.allows, draft.instructions, draft.script)
            for position, draft in enumerate(drafts)
        ]
        await conn.executemany(
            "INSERT INTO phases (id, event_id, position, name, minutes, allows, instructions, script) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name, minutes = excluded.minutes,"
            " allows = excluded.allows, instructions = excluded.instructions, script = excluded.script",
            [(p.id, event_id, p.position, p.name, p.minutes, ",".join(p.allows), p.instructions, p.script) for p in phases],
        )
        await conn.execute("UPDATE events SET kit = ?, updated_at = ? WHERE id = ?", (kit, now, event_id))
        entry = await self._append(conn, event_id, "agenda.updated", {"kit": kit, "phases": [as_json(p) for p in phases]}, now)
        return phases, entry

    async def move_clocks(
        self, event_id: str, action: ClockAction, *, site_id: str | None = None, phase_id: str | None = None, seconds: int = 0
    ) -> tuple[list[SiteClock], LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            agenda.can_change_agenda(await self._status(conn, event_id))
            phases = [_phase(r) for r in await self._all("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,), conn)]
            sql = "SELECT * FROM sites WHERE event_id = ?" + (" AND id = ?" if site_id else "") + " ORDER BY position"
            rows = await self._all(sql, (event_id, site_id) if site_id else (event_id,), conn)
            if site_id and not rows:
                raise NotFound(f"site {site_id}")
            moved = agenda.move_many([_clock(row) for row in rows], phases, action, now, phase_id=phase_id, seconds=seconds)
            await conn.executemany(
                "UPDATE sites SET phase_id = ?, phase_started_at = ?, paused_at = ?, paused_seconds = ?, extra_seconds = ? WHERE id = ?",
                [(c.phase_id, c.started_at, c.paused_at, c.paused_seconds, c.extra_seconds, c.site_id) for c in moved],
            )
            data = {"action": action.value, "clocks": [as_json(clock) for clock in moved]}
            entry = await self._append(conn, event_id, "clock.changed", data, now)
        return moved, entry

    # -- moderation -----------------------------------------------------------------------------
    @staticmethod
    async def _check_site_open(conn: aiosqlite.Connection, site_id: str) -> None:
        """Refuse a participant's note, vote or build-on while their site's board is locked.

        Call it inside the write's transaction (as `create_note` does), so a lock that commits
        first always wins; pass the acting participant's site.
        """
        async with conn.execute("SELECT locked FROM sites WHERE id = ?", (site_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"site {site_id}")
        moderation.can_participate(bool(row[0]))

    async def _check_author_may_change(self, conn: aiosqlite.Connection, note_row: sqlite3.Row) -> None:
        """An author edits or deletes their note only while they could post it: not after a
        moderator hid it, not once removed, not on a locked board, not in a phase closed to posting."""
        moderation.can_author_change(hidden_by=note_row["hidden_by"])
        await self._check_present(conn, note_row["participant_id"])
        await self._check_site_open(conn, note_row["site_id"])
        agenda.can_do(Activity.POST, await self._phase_at(conn, note_row["site_id"]))

    @staticmethod
    async def _check_present(conn: aiosqlite.Connection, participant_id: str) -> None:
        """A participant removed while their request was on its way is refused like an unknown one."""
        async with conn.execute("SELECT 1 FROM participants WHERE id = ? AND removed_at IS NULL", (participant_id,)) as cursor:
            if await cursor.fetchone() is None:
                raise NotFound(f"participant {participant_id}")

    async def merge_note(self, note_id: str, into_id: str) -> tuple[Note, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            found = {row["id"]: _note(row) for row in await self._all("SELECT * FROM notes WHERE id IN (?, ?)", (note_id, into_id), conn)}
            if note_id not in found or into_id not in found:
                raise NotFound(f"note {note_id if note_id not in found else into_id}")
            duplicate, kept = found[note_id], found[into_id]
            rules.can_change_notes(await self._status(conn, duplicate.event_id))
            moderation.can_merge(
                duplicate.id, duplicate.event_id, kept.id, kept.event_id,
                note_merged=duplicate.merged_into is not None, into_merged=kept.merged_into is not None,
            )
            moderation.can_merge_into(duplicate.site_id, kept.site_id, into_visible=kept.visible)
            rows = await self._all(
                "UPDATE notes SET visible = 0, hidden_by = ?, merged_into = ?, updated_at = ? WHERE id = ? RETURNING *",
                (moderation.HIDDEN_BY_MODERATOR, kept.id, now, duplicate.id), conn,
            )
            merged = _note(rows[0])
            events = await self._all("SELECT * FROM events WHERE id = ?", (duplicate.event_id,), conn)
            carried = await self._carry_over(conn, duplicate.id, kept, several_per_note=votes.settings_of(_event(events[0])).several_per_note)
            total = (await self._all("SELECT count(*) FROM votes WHERE note_id = ?", (kept.id,), conn))[0][0]
            data = {
                "note_id": duplicate.id, "into": kept.id, "site_id": duplicate.site_id, "into_site_id": kept.site_id,
                "note": as_json(merged), "carried": carried, "into_votes": total,
            }
            entry = await self._append(conn, duplicate.event_id, "note.merged", data, now)
        return merged, entry

    @staticmethod
    async def _carry_over(conn: aiosqlite.Connection, from_id: str, kept: Note, *, several_per_note: bool) -> dict[str, int]:
        """Move the duplicate's votes and build-ons (migrations 0003, 0004) to the kept note.

        When one participant may put only one vote on a note, a vote of someone who already has one
        on the kept note in the same phase is dropped, not carried: nobody ends with two."""
        names = {"kept": kept.id, "site": kept.site_id, "duplicate": from_id}
        dropped = 0
        if not several_per_note:
            async with conn.execute(
                "DELETE FROM votes WHERE note_id = :duplicate AND EXISTS (SELECT 1 FROM votes AS mine WHERE mine.note_id = :kept"
                " AND mine.participant_id = votes.participant_id AND mine.phase_id = votes.phase_id)",
                names,
            ) as cursor:
                dropped = cursor.rowcount
        async with conn.execute("UPDATE votes SET note_id = :kept, site_id = :site WHERE note_id = :duplicate", names) as cursor:
            carried_votes = cursor.rowcount
        async with conn.execute("UPDATE build_ons SET note_id = :kept, site_id = :site WHERE note_id = :duplicate", names) as cursor:
            carried_build_ons = cursor.rowcount
        return {"votes": carried_votes, "build_ons": carried_build_ons, "votes_dropped": dropped}

    async def update_site(self, site_id: str, *, locked: bool) -> tuple[Site, LogEntry | None]:
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM sites WHERE id = ?", (site_id,), conn)
            if not rows:
                raise NotFound(f"site {site_id}")
            site = _site(rows[0])
            moderation.can_moderate(await self._status(conn, site.event_id))
            if site.locked == locked:  # a concurrent request already did it: nothing to log
                return site, None
            rows = await self._all("UPDATE sites SET locked = ? WHERE id = ? RETURNING *", (int(locked), site_id), conn)
            site = _site(rows[0])
            entry = await self._append(conn, site.event_id, "site.updated", {"site": as_json(site), "changed": ["locked"]}, utc_now())
        return site, entry

    async def remove_participant(self, participant_id: str, *, hide_notes: bool) -> tuple[Participant, list[Note], LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM participants WHERE id = ?", (participant_id,), conn)
            if not rows:
                raise NotFound(f"participant {participant_id}")
            moderation.can_moderate(await self._status(conn, rows[0]["event_id"]))
            already = rows[0]["removed_at"] is not None
            if not already:
                rows = await self._all("UPDATE participants SET removed_at = ? WHERE id = ? RETURNING *", (now, participant_id), conn)
            participant = _participant(rows[0])
            hidden: list[Note] = []
            gone: list[BuildOn] = []
            if hide_notes:
                hidden_rows = await self._all(
                    "UPDATE notes SET visible = 0, hidden_by = ?, updated_at = ? WHERE participant_id = ? AND visible = 1 RETURNING *",
                    (moderation.HIDDEN_BY_MODERATOR, now, participant_id), conn,
                )
                hidden = sorted((_note(row) for row in hidden_rows), key=lambda note: note.seq)
                # Their build-ons leave every board too; the log keeps their text (in this entry).
                gone_rows = await self._all("DELETE FROM build_ons WHERE participant_id = ? RETURNING *", (participant_id,), conn)
                gone = sorted((_build_on(row) for row in gone_rows), key=lambda build_on: build_on.seq)
            if already and not hidden and not gone:  # removed before, and nothing more to take away: nothing to log
                return participant, [], None
            data = {
                "participant": as_json(participant), "hidden_notes": [as_json(note) for note in hidden],
                "deleted_build_ons": [as_json(build_on) for build_on in gone],
            }
            entry = await self._append(conn, participant.event_id, "participant.removed", data, now)
        return participant, hidden, entry

    async def create_proxy_note(self, site_id: str, on_behalf_of: str, draft: rules.NoteDraft) -> NoteWritten:
        async with self._write() as conn:
            proxy = await self._proxy(conn, site_id, on_behalf_of)
            earlier = await self._earlier_note(conn, proxy.id, draft.client_id)
            if earlier is not None:
                return earlier
            rules.can_post(await self._status(conn, proxy.event_id))
            return await self._insert_note(conn, proxy, draft)

    async def _proxy(self, conn: aiosqlite.Connection, site_id: str, name: str) -> Participant:
        """The site's proxy participant of this name, made on first use (one per name: a unique index)."""
        sites = await self._all("SELECT event_id FROM sites WHERE id = ?", (site_id,), conn)
        if not sites:
            raise NotFound(f"site {site_id}")
        await conn.execute(
            "INSERT INTO participants (id, event_id, site_id, name, role, created_at, proxy) VALUES (?, ?, ?, ?, NULL, ?, 1)"
            " ON CONFLICT (site_id, name) WHERE proxy = 1 DO NOTHING",
            (new_id(), sites[0]["event_id"], site_id, name, utc_now()),
        )
        rows = await self._all("SELECT * FROM participants WHERE site_id = ? AND name = ? AND proxy = 1", (site_id, name), conn)
        return _participant(rows[0])

    async def _for_moderators(self, conn: aiosqlite.Connection, event_id: str) -> tuple[list[Note], list[Participant]]:
        """What only moderators' screens show: the hidden notes, and the participants still there."""
        hidden = await self._all("SELECT * FROM notes WHERE event_id = ? AND visible = 0 ORDER BY seq", (event_id,), conn)
        people = await self._all(f"SELECT * FROM participants WHERE event_id = ? AND {PRESENT_PEOPLE}", (event_id,), conn)
        return [_note(row) for row in hidden], [_participant(row) for row in people]

    async def list_participants(self, site_id: str) -> list[Participant]:
        return [_participant(row) for row in await self._all(f"SELECT * FROM participants WHERE site_id = ? AND {PRESENT_PEOPLE}", (site_id,))]

    # -- dot voting -------------------------------------------------------------------------------
    async def cast_vote(self, participant: Participant, note_id: str) -> VoteWritten:
        now = utc_now()
        async with self._write() as conn:
            note, phase, settings, before = await self._vote_context(conn, participant, note_id, visible_only=True)
            votes.can_vote(phase, settings, spent=before.spent, on_note=before.notes.get(note_id, 0))
            assert phase is not None  # can_vote refuses outside a voting phase
            await conn.execute(
                "INSERT INTO votes (id, event_id, note_id, site_id, participant_id, voter_site_id, phase_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id(), participant.event_id, note_id, note["site_id"], participant.id, participant.site_id, phase.id, now),
            )
            return await self._vote_written(conn, "vote.cast", participant, note, phase, settings, now)

    async def withdraw_vote(self, participant: Participant, note_id: str) -> VoteWritten:
        now = utc_now()
        async with self._write() as conn:
            # A vote on a note hidden since may still be taken back: it is the voter's budget.
            note, phase, settings, before = await self._vote_context(conn, participant, note_id, visible_only=False)
            votes.can_withdraw(phase, on_note=before.notes.get(note_id, 0))
            assert phase is not None  # can_withdraw refuses outside a voting phase
            await conn.execute(
                "DELETE FROM votes WHERE id = (SELECT id FROM votes WHERE participant_id = ? AND note_id = ? AND phase_id = ?"
                " ORDER BY created_at DESC LIMIT 1)",
                (participant.id, note_id, phase.id),
            )
            return await self._vote_written(conn, "vote.withdrawn", participant, note, phase, settings, now)

    async def _vote_context(
        self, conn: aiosqlite.Connection, participant: Participant, note_id: str, *, visible_only: bool
    ) -> tuple[sqlite3.Row, Phase | None, VotingSettings, Ballot]:
        """What a vote is checked against, as this write transaction reads it: the note (of the voter's
        event), the phase the voter's site is in, the event's settings, and the voter's ballot in that phase."""
        events = await self._all("SELECT * FROM events WHERE id = ?", (participant.event_id,), conn)
        if not events:
            raise NotFound(f"event {participant.event_id}")
        event = _event(events[0])
        votes.can_change_votes(event.status)
        await self._check_present(conn, participant.id)  # moderation: not removed meanwhile
        await self._check_site_open(conn, participant.site_id)  # moderation: their board is not locked
        notes = await self._all("SELECT id, site_id, visible FROM notes WHERE id = ? AND event_id = ?", (note_id, event.id), conn)
        if not notes or (visible_only and not notes[0]["visible"]):
            raise NotFound(f"note {note_id}")
        settings = votes.settings_of(event)
        phase = await self._phase_at(conn, participant.site_id)
        return notes[0], phase, settings, await self._ballot_in(conn, participant, phase, settings)

    async def _ballot_in(
        self, conn: aiosqlite.Connection, participant: Participant, phase: Phase | None, settings: VotingSettings
    ) -> Ballot:
        """What the participant has spent in `phase`, as the connection's transaction reads it."""
        if phase is None:
            return Ballot(None, False, settings.budget, 0, {})
        rows = await self._all(
            "SELECT note_id, count(*) AS cast FROM votes WHERE participant_id = ? AND phase_id = ? GROUP BY note_id",
            (participant.id, phase.id), conn,
        )
        mine = {row["note_id"]: int(row["cast"]) for row in rows}
        return Ballot(phase.id, votes.voting_open(phase), settings.budget, sum(mine.values()), mine)

    async def _vote_written(
        self, conn: aiosqlite.Connection, type_: str, participant: Participant, note: sqlite3.Row, phase: Phase,
        settings: VotingSettings, now: str,
    ) -> VoteWritten:
        """Log a vote cast or taken back with the note's new total (never who voted: votes are anonymous)."""
        total = (await self._all("SELECT count(*) FROM votes WHERE note_id = ?", (note["id"],), conn))[0][0]
        data = {"note_id": note["id"], "site_id": note["site_id"], "votes": total, "phase_id": phase.id}
        entry = await self._append(conn, participant.event_id, type_, data, now)
        revealed = (await self._all("SELECT votes_revealed FROM sites WHERE id = ?", (note["site_id"],), conn))[0][0]
        return VoteWritten(
            entry=entry, note_id=note["id"], site_id=note["site_id"], votes=total,
            shown=votes.totals_shown(settings, bool(revealed)), ballot=await self._ballot_in(conn, participant, phase, settings),
        )

    async def set_voting(self, event_id: str, settings: VotingSettings) -> tuple[Event, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM events WHERE id = ?", (event_id,), conn)
            if not rows:
                raise NotFound(f"event {event_id}")
            votes.can_change_votes(EventStatus(rows[0]["status"]))
            if votes.settings_of(_event(rows[0])) == settings:
                return _event(rows[0]), None  # nothing changes: nothing to log
            rows = await self._all(
                "UPDATE events SET vote_budget = ?, votes_several_per_note = ?, votes_hidden = ?, updated_at = ? WHERE id = ? RETURNING *",
                (settings.budget, int(settings.several_per_note), int(settings.hidden), now, event_id), conn,
            )
            event = _event(rows[0])
            entry = await self._append(conn, event_id, "voting.updated", {"event": as_json(event), "voting": asdict(settings)}, now)
        return event, entry

    async def reveal_votes(self, site_id: str, *, revealed: bool) -> tuple[Site, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM sites WHERE id = ?", (site_id,), conn)
            if not rows:
                raise NotFound(f"site {site_id}")
            site = _site(rows[0])
            votes.can_change_votes(await self._status(conn, site.event_id))
            if site.votes_revealed == revealed:
                return site, None
            rows = await self._all("UPDATE sites SET votes_revealed = ? WHERE id = ? RETURNING *", (int(revealed), site_id), conn)
            data: dict[str, Any] = {"site_id": site_id, "revealed": revealed}
            if revealed:  # what was hidden from participants' streams until now
                counted = await self._all("SELECT note_id, count(*) FROM votes WHERE site_id = ? GROUP BY note_id", (site_id,), conn)
                data["totals"] = {row[0]: int(row[1]) for row in counted}
            entry = await self._append(conn, site.event_id, "votes.revealed", data, now)
        return _site(rows[0]), entry

    async def _tallies(self, conn: aiosqlite.Connection | None, event_id: str) -> dict[str, int]:
        rows = await self._all("SELECT note_id, count(*) FROM votes WHERE event_id = ? GROUP BY note_id", (event_id,), conn)
        return {row[0]: int(row[1]) for row in rows}

    async def vote_tallies(self, event_id: str) -> dict[str, int]:
        return await self._tallies(None, event_id)

    async def ballot(self, participant: Participant) -> Ballot:
        async with self._snapshot() as conn:
            rows = await self._all("SELECT * FROM events WHERE id = ?", (participant.event_id,), conn)
            if not rows:
                raise NotFound(f"event {participant.event_id}")
            phase = await self._phase_at(conn, participant.site_id)
            return await self._ballot_in(conn, participant, phase, votes.settings_of(_event(rows[0])))

    # -- ideas travelling: build-ons, sends, spotlights ----------------------------------------------
    @staticmethod
    async def _next_seq(conn: aiosqlite.Connection, event_id: str) -> int:
        """The seq the next appended entry will get: a record that carries its own entry's seq knows it first."""
        async with conn.execute("SELECT last_seq + 1 FROM events WHERE id = ?", (event_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"event {event_id}")
        return int(row[0])

    async def _entry_at(self, conn: aiosqlite.Connection, event_id: str, seq: int) -> LogEntry:
        rows = await self._all("SELECT * FROM event_log WHERE event_id = ? AND seq = ?", (event_id, seq), conn)
        return _entry(rows[0])

    async def _note_of_event(self, conn: aiosqlite.Connection, note_id: str, event_id: str) -> Note:
        """A note of this event as the transaction sees it; another event's note is as missing as none."""
        rows = await self._all("SELECT * FROM notes WHERE id = ? AND event_id = ?", (note_id, event_id), conn)
        if not rows:
            raise NotFound(f"note {note_id}")
        return _note(rows[0])

    async def create_build_on(self, participant: Participant, note_id: str, text: str, *, client_id: str | None) -> BuildOnWritten:
        now = utc_now()
        async with self._write() as conn:
            if client_id is not None:
                sql = "SELECT * FROM build_ons WHERE participant_id = ? AND client_id = ?"
                earlier = await self._all(sql, (participant.id, client_id), conn)
                if earlier:  # answered even once the event has closed: the first one was stored before
                    first = _build_on(earlier[0])
                    return BuildOnWritten(entry=await self._entry_at(conn, first.event_id, first.seq), build_on=first, created=False)
            exchange.can_exchange(await self._status(conn, participant.event_id))
            exchange.can_build_on(await self._phase_at(conn, participant.site_id))
            await self._check_present(conn, participant.id)  # moderation: not removed meanwhile
            await self._check_site_open(conn, participant.site_id)  # moderation: their board is not locked
            note = await self._note_of_event(conn, note_id, participant.event_id)
            if not note.visible:
                raise NotFound(f"note {note_id}")
            build_on = BuildOn(
                new_id(), note.event_id, note.id, note.site_id, participant.id, participant.site_id,
                await self._next_seq(conn, note.event_id), text, now, client_id,
            )
            await conn.execute(
                "INSERT INTO build_ons (id, event_id, note_id, site_id, participant_id, author_site_id, seq, text, client_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (build_on.id, build_on.event_id, build_on.note_id, build_on.site_id, build_on.participant_id, build_on.author_site_id,
                 build_on.seq, text, client_id, now),
            )
            entry = await self._append(conn, note.event_id, "build_on.created", {"build_on": as_json(build_on)}, now)
        return BuildOnWritten(entry=entry, build_on=build_on, created=True)

    async def get_build_on(self, build_on_id: str) -> BuildOn:
        row = await self._one("SELECT * FROM build_ons WHERE id = ?", (build_on_id,))
        if row is None:
            raise NotFound(f"build-on {build_on_id}")
        return _build_on(row)

    async def delete_build_on(self, build_on_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM build_ons WHERE id = ?", (build_on_id,), conn)
            if not rows:
                raise NotFound(f"build-on {build_on_id}")
            gone = _build_on(rows[0])
            exchange.can_exchange(await self._status(conn, gone.event_id))
            await conn.execute("DELETE FROM build_ons WHERE id = ?", (build_on_id,))
            data = {"build_on_id": gone.id, "note_id": gone.note_id, "site_id": gone.site_id, "author_site_id": gone.author_site_id}
            return await self._append(conn, gone.event_id, "build_on.deleted", data, now)

    async def list_build_ons(self, note_id: str) -> list[BuildOn]:
        return [_build_on(row) for row in await self._all("SELECT * FROM build_ons WHERE note_id = ? ORDER BY seq", (note_id,))]

    async def create_send(
        self, from_site_id: str, *, note_id: str | None, question: str | None, to_site_id: str | None
    ) -> tuple[Send, Note | None, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT event_id FROM sites WHERE id = ?", (from_site_id,), conn)
            if not rows:
                raise NotFound(f"site {from_site_id}")
            event_id = rows[0]["event_id"]
            exchange.can_exchange(await self._status(conn, event_id))
            sites = [row["id"] for row in await self._all("SELECT id FROM sites WHERE event_id = ?", (event_id,), conn)]
            draft = exchange.send(from_site_id, note_id=note_id, question=question, to_site_id=to_site_id, sites=sites)
            note = None
            if draft.note_id is not None:
                note = await self._note_of_event(conn, draft.note_id, event_id)
                exchange.can_send_note(note, from_site_id)
            sent = Send(new_id(), event_id, from_site_id, draft.to_site_id, draft.note_id, draft.question, await self._next_seq(conn, event_id), now)
            await conn.execute(
                "INSERT INTO sends (id, event_id, from_site_id, to_site_id, note_id, question, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sent.id, event_id, from_site_id, sent.to_site_id, sent.note_id, sent.question, sent.seq, now),
            )
            data: dict[str, Any] = {"send": as_json(sent)}
            if note is not None:
                data["note"] = as_json(note)  # the receiving screens show it without reading the store
            entry = await self._append(conn, event_id, "send.created", data, now)
        return sent, note, entry

    async def list_sends(self, event_id: str) -> list[Send]:
        return [_send(row) for row in await self._all("SELECT * FROM sends WHERE event_id = ? ORDER BY seq", (event_id,))]

    async def set_spotlight(self, site_id: str, note_id: str | None) -> tuple[Note | None, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT event_id, spotlight_note_id FROM sites WHERE id = ?", (site_id,), conn)
            if not rows:
                raise NotFound(f"site {site_id}")
            event_id, current = rows[0]
            exchange.can_exchange(await self._status(conn, event_id))
            note = None
            if note_id is not None:
                note = await self._note_of_event(conn, note_id, event_id)
                sends = [_send(row) for row in await self._all("SELECT * FROM sends WHERE note_id = ?", (note_id,), conn)]
                exchange.can_spotlight(site_id, note, sent_here=any(exchange.reaches(sent, site_id) for sent in sends))
            if current == note_id:
                return note, None
            await conn.execute("UPDATE sites SET spotlight_note_id = ? WHERE id = ?", (note_id, site_id))
            # "spotlight", not "note": the entry is about the site, whichever site the note came from.
            data = {"site_id": site_id, "note_id": note_id, "spotlight": as_json(note) if note else None}
            entry = await self._append(conn, event_id, "site.spotlight", data, now)
        return note, entry

    async def _exchange_of(self, conn: aiosqlite.Connection, event_id: str, site_rows: list[sqlite3.Row], notes: list[Note]) -> dict[str, Any]:
        """The board's build-ons, sends and spotlights, as far as they concern notes that are shown."""
        shown = {note.id for note in notes}
        build_ons = [_build_on(r) for r in await self._all("SELECT * FROM build_ons WHERE event_id = ? ORDER BY seq", (event_id,), conn)]
        sends = [_send(r) for r in await self._all("SELECT * FROM sends WHERE event_id = ? ORDER BY seq", (event_id,), conn)]
        return {
            "build_ons": [build_on for build_on in build_ons if build_on.note_id in shown],
            "sends": [sent for sent in sends if sent.note_id is None or sent.note_id in shown],
            "spotlights": {row["id"]: row["spotlight_note_id"] for row in site_rows if row["spotlight_note_id"] in shown},
        }

    # -- themes -----------------------------------------------------------------------------------
    async def create_theme(self, event_id: str, name: str) -> tuple[Theme, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            themes.can_change_themes(await self._status(conn, event_id))
            others = await self._all("SELECT name FROM themes WHERE event_id = ?", (event_id,), conn)
            themes.can_add_theme(len(others))
            themes.can_name(name, taken=[row["name"] for row in others])
            theme = Theme(new_id(), event_id, name, await self._next_seq(conn, event_id), now)
            await conn.execute(
                "INSERT INTO themes (id, event_id, name, name_key, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (theme.id, event_id, name, themes.name_key(name), theme.seq, now),
            )
            entry = await self._append(conn, event_id, "theme.created", {"theme": as_json(theme)}, now)
        return theme, entry

    async def _theme_in(self, conn: aiosqlite.Connection, theme_id: str) -> Theme:
        rows = await self._all("SELECT * FROM themes WHERE id = ?", (theme_id,), conn)
        if not rows:
            raise NotFound(f"theme {theme_id}")
        return _theme(rows[0])

    async def _members(self, conn: aiosqlite.Connection, theme_id: str) -> list[dict[str, str]]:
        """A theme's notes (hidden ones too: they keep their theme), as the log lists them."""
        rows = await self._all("SELECT id, site_id FROM notes WHERE theme_id = ? ORDER BY seq", (theme_id,), conn)
        return [{"id": row["id"], "site_id": row["site_id"]} for row in rows]

    async def rename_theme(self, theme_id: str, name: str) -> tuple[Theme, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            theme = await self._theme_in(conn, theme_id)
            themes.can_change_themes(await self._status(conn, theme.event_id))
            if theme.name == name:
                return theme, None
            others = await self._all("SELECT name FROM themes WHERE event_id = ? AND id != ?", (theme.event_id, theme_id), conn)
            themes.can_name(name, taken=[row["name"] for row in others])
            await conn.execute("UPDATE themes SET name = ?, name_key = ? WHERE id = ?", (name, themes.name_key(name), theme_id))
            theme = replace(theme, name=name)
            entry = await self._append(conn, theme.event_id, "theme.updated", {"theme": as_json(theme)}, now)
        return theme, entry

    async def merge_themes(self, theme_id: str, into_id: str, *, by_site: str | None) -> tuple[Theme, LogEntry]:
        now = utc_now()
        themes.can_merge(theme_id, into_id)
        async with self._write() as conn:
            theme, kept = await self._theme_in(conn, theme_id), await self._theme_in(conn, into_id)
            if theme.event_id != kept.event_id:
                raise NotFound(f"theme {into_id}")
            themes.can_change_themes(await self._status(conn, theme.event_id))
            moved = await self._members(conn, theme_id)
            themes.can_remove(theme, [note["site_id"] for note in moved], by_site)
            await conn.execute("UPDATE notes SET theme_id = ? WHERE theme_id = ?", (into_id, theme_id))
            await conn.execute("DELETE FROM themes WHERE id = ?", (theme_id,))
            data = {"theme_id": theme_id, "name": theme.name, "into": as_json(kept), "notes": moved}
            entry = await self._append(conn, theme.event_id, "theme.merged", data, now)
        return kept, entry

    async def delete_theme(self, theme_id: str, *, by_site: str | None) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            theme = await self._theme_in(conn, theme_id)
            themes.can_change_themes(await self._status(conn, theme.event_id))
            unplaced = await self._members(conn, theme_id)
            themes.can_remove(theme, [note["site_id"] for note in unplaced], by_site)
            await conn.execute("UPDATE notes SET theme_id = NULL WHERE theme_id = ?", (theme_id,))
            await conn.execute("DELETE FROM themes WHERE id = ?", (theme_id,))
            data = {"theme_id": theme_id, "name": theme.name, "notes": unplaced}
            return await self._append(conn, theme.event_id, "theme.deleted", data, now)

    async def place_note(self, note_id: str, theme_id: str | None, *, by_site: str | None) -> tuple[Note, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT * FROM notes WHERE id = ?", (note_id,), conn)
            if not rows:
                raise NotFound(f"note {note_id}")
            note = _note(rows[0])
            themes.can_change_themes(await self._status(conn, note.event_id))
            themes.can_place(note, by_site)
            if theme_id is not None and (await self._theme_in(conn, theme_id)).event_id != note.event_id:
                raise NotFound(f"theme {theme_id}")
            if note.theme_id == theme_id:
                return note, None
            rows = await self._all("UPDATE notes SET theme_id = ? WHERE id = ? RETURNING *", (theme_id, note_id), conn)
            placed = _note(rows[0])
            data = {"note": as_json(placed), "from_theme_id": note.theme_id}
            entry = await self._append(conn, note.event_id, "note.placed", data, now)
        return placed, entry

    async def get_theme(self, theme_id: str) -> Theme:
        row = await self._one("SELECT * FROM themes WHERE id = ?", (theme_id,))
        if row is None:
            raise NotFound(f"theme {theme_id}")
        return _theme(row)

    async def list_themes(self, event_id: str) -> list[Theme]:
        return [_theme(row) for row in await self._all("SELECT * FROM themes WHERE event_id = ? ORDER BY seq", (event_id,))]

    # -- reading the whole ----------------------------------------------------------------------
    async def board(self, event_id: str, *, moderation: bool = False) -> Board:
        async with self._snapshot() as conn:
            rows = await self._all("SELECT * FROM events WHERE id = ?", (event_id,), conn)
            if not rows:
                raise NotFound(f"event {event_id}")
            event_row = rows[0]
            site_rows = await self._all("SELECT * FROM sites WHERE event_id = ? ORDER BY position", (event_id,), conn)
            notes = [_note(r) for r in await self._all("SELECT * FROM notes WHERE event_id = ? AND visible = 1 ORDER BY seq", (event_id,), conn)]
            phases = [_phase(r) for r in await self._all("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,), conn)]
            tallies = await self._tallies(conn, event_id)
            hidden, people = await self._for_moderators(conn, event_id) if moderation else ([], [])
            travelled = await self._exchange_of(conn, event_id, site_rows, notes)
            grouped = [_theme(r) for r in await self._all("SELECT * FROM themes WHERE event_id = ? ORDER BY seq", (event_id,), conn)]
        return Board(
            seq=event_row["last_seq"], event=_event(event_row), sites=[_site(r) for r in site_rows], notes=notes,
            phases=phases, clocks=[_clock(r) for r in site_rows], votes=tallies,
            hidden_notes=hidden, participants=people, themes=grouped, **travelled,
        )

    async def log_since(self, event_id: str, since: int, limit: int = 1000) -> list[LogEntry]:
        rows = await self._all(
            "SELECT * FROM event_log WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?", (event_id, since, limit)
        )
        return [_entry(row) for row in rows]

    async def last_seq(self, event_id: str) -> int:
        row = await self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))
        if row is None:
            raise NotFound(f"event {event_id}")
        return int(row[0])
