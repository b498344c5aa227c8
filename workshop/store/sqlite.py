"""The default store: one SQLite file, through aiosqlite, in WAL mode with foreign keys on.

Two connections: writes go through one, one transaction at a time (SQLite has one writer anyway);
reads go through the other, so a read never sees a write that is not yet committed.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from workshop.domain import agenda, rules
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
    as_json,
)
from workshop.store.base import NotFound, NoteWritten, Store, StoreUnavailable
from workshop.store.ids import new_id, new_secret, utc_now

EVENT_FIELDS = ("title", "theme", "description", "language", "timezone", "status")
NOTE_FIELDS = ("text", "kind", "colour", "visible")


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
    )


def _participant(row: sqlite3.Row) -> Participant:
    return Participant(
        id=row["id"],
        event_id=row["event_id"],
        site_id=row["site_id"],
        name=row["name"],
        role=Role(row["role"]) if row["role"] else None,
        created_at=row["created_at"],
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
    )


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
        self, *, title: str, theme: str, description: str, language: str, timezone: str, host_secret_hash: str
    ) -> tuple[Event, LogEntry]:
        now = utc_now()
        event = Event(new_id(), title, theme, description, language, timezone, EventStatus.DRAFT, now, now)
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO events (id, title, theme, description, language, timezone, status, host_secret_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.id, title, theme, description, language, timezone, event.status.value, host_secret_hash, now, now),
            )
            entry = await self._append(conn, event.id, "event.created", {"event": as_json(event)}, now)
        return event, entry

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
        now = utc_now()
        async with self._write() as conn:
            if draft.client_id is not None:
                earlier = await self._all(
                    "SELECT * FROM notes WHERE participant_id = ? AND client_id = ?", (participant.id, draft.client_id), conn
                )
                if earlier:
                    note = _note(earlier[0])
                    rows = await self._all("SELECT * FROM event_log WHERE event_id = ? AND seq = ?", (note.event_id, note.seq), conn)
                    return NoteWritten(entry=_entry(rows[0]), note=note, created=False)
            # A retry is answered above even once the event has closed: the first post was stored.
            rules.can_post(await self._status(conn, participant.event_id))
            agenda.can_do(Activity.POST, await self._phase_at(conn, participant.site_id))
            note_id = new_id()
            # The note's seq is the seq of the entry that announces it, known only once appended.
            async with conn.execute("SELECT last_seq + 1 FROM events WHERE id = ?", (participant.event_id,)) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            note = Note(
                note_id, participant.event_id, participant.site_id, participant.id, row[0], draft.text, draft.kind,
                draft.colour, True, now, now, draft.client_id,
            )
            await conn.execute(
                "INSERT INTO notes (id, event_id, site_id, participant_id, seq, text, kind, colour, visible, client_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (note.id, note.event_id, note.site_id, note.participant_id, note.seq, note.text, note.kind.value,
                 note.colour.value, note.client_id, now, now),
            )
            entry = await self._append(conn, note.event_id, "note.created", {"note": as_json(note)}, now)
        assert entry.seq == note.seq
        return NoteWritten(entry=entry, note=note, created=True)

    async def get_note(self, note_id: str) -> Note:
        row = await self._one("SELECT * FROM notes WHERE id = ?", (note_id,))
        if row is None:
            raise NotFound(f"note {note_id}")
        return _note(row)

    async def update_note(self, note_id: str, **changes: object) -> NoteWritten:
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
            assignments = ", ".join(f"{key} = ?" for key in values)
            rows = await self._all(f"UPDATE notes SET {assignments}, updated_at = ? WHERE id = ? RETURNING *", (*values.values(), now, note_id), conn)
            note = _note(rows[0])
            data: dict[str, Any] = {"note": as_json(note), "changed": sorted(values)}
            if "text" in values and before[0]["text"] != note.text:
                data["previous_text"] = before[0]["text"]  # moderation and the summary can show what changed
            entry = await self._append(conn, note.event_id, "note.updated", data, now)
        return NoteWritten(entry=entry, note=note, created=False)

    async def delete_note(self, note_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            rows = await self._all("SELECT event_id, site_id FROM notes WHERE id = ?", (note_id,), conn)
            if not rows:
                raise NotFound(f"note {note_id}")
            event_id, site_id = rows[0]
            rules.can_change_notes(await self._status(conn, event_id))
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

    # -- reading the whole ----------------------------------------------------------------------
    async def board(self, event_id: str) -> Board:
        async with self._snapshot() as conn:
            rows = await self._all("SELECT * FROM events WHERE id = ?", (event_id,), conn)
            if not rows:
                raise NotFound(f"event {event_id}")
            event_row = rows[0]
            site_rows = await self._all("SELECT * FROM sites WHERE event_id = ? ORDER BY position", (event_id,), conn)
            notes = [_note(r) for r in await self._all("SELECT * FROM notes WHERE event_id = ? AND visible = 1 ORDER BY seq", (event_id,), conn)]
            phases = [_phase(r) for r in await self._all("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,), conn)]
        return Board(
            seq=event_row["last_seq"], event=_event(event_row), sites=[_site(r) for r in site_rows], notes=notes,
            phases=phases, clocks=[_clock(r) for r in site_rows],
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
