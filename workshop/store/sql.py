"""The store in SQL, once for every dialect: each query, each rule checked inside a write, each log entry.

`SqlStore` holds all of it and talks to the database through a `Connection` of three calls (fetch,
execute, execute many) with `?` or `:name` placeholders. A dialect (`sqlite.py`, `postgres.py`) adds
only what differs: connecting, its transactions, translating placeholders, mapping its errors, and
its folder of migrations (`migrations/<dialect>/`, the same numbers with the same meaning).

Serialising writes per event. Every write that depends on an event's state first reads the event's
row through `_locked_event` (or `_locked_event_of`, when it starts from a note, site, theme, ...):
`FOR_UPDATE` makes that read lock the row on PostgreSQL, so concurrent writes to one event go one at
a time there, and the checks that follow read what the previous write committed. SQLite needs no
lock (one writer, `BEGIN IMMEDIATE`). So a write reads its event first and mutable rows only after.

Values: timestamps are ISO text and log data JSON text in every dialect, so the log and the API are
byte-identical; flags are BOOLEAN on PostgreSQL and 0/1 on SQLite: the SQL writes them as `TRUE`,
`FALSE`, `visible` and `NOT visible`, binds Python bools, and the mappers read either with `bool()`.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, replace
from importlib import resources
from typing import Any, ClassVar, Protocol, TypeVar

from workshop.domain import agenda, exchange, moderation, rules, themes, votes
from workshop.domain.agenda import Activity, ClockAction, PhaseDraft
from workshop.domain.codes import new_join_code
from workshop.domain.errors import RuleError
from workshop.domain.models import (
    Board,
    BuildOn,
    Colour,
    Event,
    EventStatus,
    LogEntry,
    Note,
    NoteKind,
    Participant,
    Phase,
    Role,
    Send,
    Site,
    SiteClock,
    Theme,
    as_json,
)
from workshop.domain.record import Record, Vote, check
from workshop.domain.votes import Ballot, VotingSettings
from workshop.store.base import BuildOnWritten, NotFound, NoteWritten, Store, StoreUnavailable, VoteWritten
from workshop.store.ids import new_id, new_secret, utc_now

# Every table whose rows belong to one event (by `event_id`), children before what they refer to:
# what deleting an event deletes, before the event's own row.
EVENT_TABLES = ("votes", "build_ons", "sends", "event_log", "notes", "themes", "participants", "phases", "sites")
EVENT_FIELDS = ("title", "theme", "description", "language", "timezone", "status")
NOTE_FIELDS = ("text", "kind", "colour", "visible", "hidden_by", "merged_into")
# Moderation: the participants a moderator may remove (not removed yet, not a table's proxy), as they joined.
# `rowid` breaks ties in the order rows were inserted (SQLite's own; a column of that name on PostgreSQL).
PRESENT_PEOPLE = "removed_at IS NULL AND NOT proxy ORDER BY created_at, rowid"
# Where each dialect records the migrations it applied (valid SQL in both).
SCHEMA_MIGRATIONS = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"

Args = Sequence[Any] | Mapping[str, Any]
R = TypeVar("R")


class Row(Protocol):
    """A result row as both drivers give it: by column name or position, and iterable."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def keys(self) -> Any: ...


class Connection(Protocol):
    """What the shared SQL needs of a dialect's connection. Placeholders are `?` (args a sequence) or
    `:name` (args a mapping), never both in one statement."""

    async def fetch(self, sql: str, args: Args = ()) -> list[Row]: ...

    async def execute(self, sql: str, args: Args = ()) -> int:
        """Run a statement; return how many rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


def migration_scripts(dialect: str) -> list[tuple[int, str]]:
    """The numbered SQL files of a dialect, in order: `0001_initial.sql` is version 1."""
    folder = resources.files("workshop.store") / "migrations" / dialect
    found = [(int(item.name.split("_", 1)[0]), item.read_text("utf-8")) for item in folder.iterdir() if item.name.endswith(".sql")]
    return sorted(found)


# -- rows to records ----------------------------------------------------------------------------


def _record(record_type: type[R], row: Row, /, **converted: Any) -> R:
    """A record whose fields are the row's columns of the same names; `converted` gives the values of
    those that need more than the column (an enum, a flag read from 0/1 or BOOLEAN alike)."""
    fields = record_type.__slots__  # type: ignore[attr-defined]
    return record_type(**{name: converted[name] if name in converted else row[name] for name in fields})


def _event(row: Row) -> Event:
    return _record(
        Event, row, status=EventStatus(row["status"]),
        votes_several_per_note=bool(row["votes_several_per_note"]), votes_hidden=bool(row["votes_hidden"]),
    )


def _site(row: Row) -> Site:
    return _record(Site, row, locked=bool(row["locked"]), votes_revealed=bool(row["votes_revealed"]))


def _participant(row: Row) -> Participant:
    return _record(Participant, row, role=Role(row["role"]) if row["role"] else None, proxy=bool(row["proxy"]))


def _note(row: Row) -> Note:
    return _record(Note, row, kind=NoteKind(row["kind"]), colour=Colour(row["colour"]), visible=bool(row["visible"]))


def _phase(row: Row) -> Phase:
    return _record(Phase, row, allows=tuple(activity for activity in row["allows"].split(",") if activity))


def _clock(site_row: Row) -> SiteClock:
    return SiteClock(
        site_id=site_row["id"], phase_id=site_row["phase_id"], started_at=site_row["phase_started_at"], paused_at=site_row["paused_at"],
        paused_seconds=site_row["paused_seconds"], extra_seconds=site_row["extra_seconds"],
    )


def _entry(row: Row) -> LogEntry:
    return LogEntry(event_id=row["event_id"], seq=row["seq"], type=row["type"], data=json.loads(row["data"]), created_at=row["created_at"])


class SqlStore(Store):
    """Every operation of `Store`, in SQL both dialects run; see the module's docstring."""

    DIALECT: ClassVar[str]  # the folder of its migrations
    FOR_UPDATE: ClassVar[str]  # appended to the read that locks an event's row for the rest of the write
    DEFER_FOREIGN_KEYS: ClassVar[str]  # checks references at COMMIT, for an import whose rows refer in circles
    INTEGRITY_ERRORS: ClassVar[tuple[type[Exception], ...]]  # the driver's "a constraint refused this row"

    # -- what a dialect provides -------------------------------------------------------------------
    @abc.abstractmethod
    def _write(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction, committed on success and rolled back on any error."""

    @abc.abstractmethod
    def _snapshot(self) -> AbstractAsyncContextManager[Connection]:
        """Several reads that see one committed state."""

    @abc.abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for one read of committed data."""

    @abc.abstractmethod
    async def _apply_migration(self, version: int, script: str) -> bool:
        """Apply one migration and record it, in one transaction; False when it turns out to be applied already."""

    async def migrate(self) -> list[int]:
        done = set(await self.applied_migrations())
        return [version for version, script in migration_scripts(self.DIALECT) if version not in done and await self._apply_migration(version, script)]

    # -- reads and the log ----------------------------------------------------------------------
    async def _one(self, sql: str, args: Args) -> Row | None:
        rows = await self._all(sql, args)
        return rows[0] if rows else None

    async def _by_id(self, table: str, row_id: str, what: str) -> Row:
        """A committed row of `table` by its id; NotFound (`what` and the id) when there is none."""
        row = await self._one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if row is None:
            raise NotFound(f"{what} {row_id}")
        return row

    async def _all(self, sql: str, args: Args, conn: Connection | None = None) -> list[Row]:
        if conn is not None:
            return await conn.fetch(sql, args)
        async with self._reading() as reader:
            return await reader.fetch(sql, args)

    @staticmethod
    async def _append(conn: Connection, event_id: str, type_: str, data: dict[str, Any], now: str) -> LogEntry:
        """Append to the event's log inside the caller's transaction: the next seq, with no gap."""
        rows = await conn.fetch("UPDATE events SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", (event_id,))
        if not rows:
            raise NotFound(f"event {event_id}")
        seq = rows[0][0]
        await conn.execute(
            "INSERT INTO event_log (event_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (event_id, seq, type_, _encode(data), now),
        )
        return LogEntry(event_id=event_id, seq=seq, type=type_, data=data, created_at=now)

    async def _locked_event(self, conn: Connection, event_id: str) -> Row:
        """The event's row as this write transaction sees it, read first (locked on PostgreSQL).

        The rules that depend on the event's state are checked against it, not before the
        transaction: a concurrent close cannot slip in between the check and the write.
        """
        rows = await conn.fetch(f"SELECT * FROM events WHERE id = ?{self.FOR_UPDATE}", (event_id,))
        if not rows:
            raise NotFound(f"event {event_id}")
        return rows[0]

    async def _status(self, conn: Connection, event_id: str) -> EventStatus:
        return EventStatus((await self._locked_event(conn, event_id))["status"])

    async def _locked_event_of(self, conn: Connection, table: str, row_id: str, what: str) -> Row:
        """`_locked_event` for a write that starts from one of an event's rows (its event never changes):
        read that row only after this, so it is read as the last write to the event left it."""
        sql = f"SELECT * FROM events WHERE id = (SELECT event_id FROM {table} WHERE id = ?){self.FOR_UPDATE}"
        rows = await conn.fetch(sql, (row_id,))
        if not rows:
            raise NotFound(f"{what} {row_id}")
        return rows[0]

    async def _locked(self, conn: Connection, table: str, row_id: str, what: str) -> tuple[Row, EventStatus]:
        """One of an event's rows and the event's status, read after locking the event."""
        status = EventStatus((await self._locked_event_of(conn, table, row_id, what))["status"])
        rows = await conn.fetch(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if not rows:  # deleted by the write we waited for
            raise NotFound(f"{what} {row_id}")
        return rows[0], status

    async def _phase_at(self, conn: Connection, site_id: str) -> Phase | None:
        """The phase a site is in, as this write transaction sees it (None: no agenda running)."""
        rows = await conn.fetch("SELECT phases.* FROM sites JOIN phases ON phases.id = sites.phase_id WHERE sites.id = ?", (site_id,))
        return _phase(rows[0]) if rows else None

    @staticmethod
    async def _next_seq(conn: Connection, event_id: str) -> int:
        """The seq the next appended entry will get: a record that carries its own entry's seq knows it first."""
        rows = await conn.fetch("SELECT last_seq + 1 FROM events WHERE id = ?", (event_id,))
        if not rows:
            raise NotFound(f"event {event_id}")
        return int(rows[0][0])

    async def setting(self, key: str, default: str) -> str:
        async with self._write() as conn:
            await conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, default))
            rows = await conn.fetch("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0])

    # -- events ---------------------------------------------------------------------------------
    async def create_event(
        self, *, title: str, theme: str, description: str, language: str, timezone: str, host_secret_hash: str,
        kit: tuple[str, list[PhaseDraft]] | None = None,
    ) -> tuple[Event, list[LogEntry]]:
        now = utc_now()
        event = Event(new_id(), title, theme, description, language, timezone, EventStatus.DRAFT, now, now)
        async with self._write() as conn:  # a new row: no other write can reach it before this one commits
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
        return _event(await self._by_id("events", event_id, "event"))

    async def event_id_for_host_secret(self, host_secret_hash: str) -> str | None:
        row = await self._one("SELECT id FROM events WHERE host_secret_hash = ?", (host_secret_hash,))
        return None if row is None else str(row[0])

    async def update_event(self, event_id: str, **changes: object) -> tuple[Event, LogEntry | None]:
        unknown = set(changes) - set(EVENT_FIELDS)
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        now = utc_now()
        async with self._write() as conn:
            current = await self._locked_event(conn, event_id)
            values = {key: value for key, value in changes.items() if key != "status"}
            if "status" in changes:
                status = EventStatus(current["status"])
                wanted = rules.status_change(status, EventStatus(changes["status"]))
                if wanted != status:
                    values["status"] = wanted.value
            if not values:  # a concurrent request already made the change: nothing to log
                return _event(current), None
            assignments = ", ".join(f"{key} = ?" for key in values)
            rows = await conn.fetch(f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ? RETURNING *", (*values.values(), now, event_id))
            event = _event(rows[0])
            if event.status == EventStatus.CLOSED:
                await conn.execute("UPDATE sites SET open_join_code = NULL WHERE event_id = ?", (event_id,))
            entry = await self._append(conn, event_id, "event.updated", {"event": as_json(event), "changed": sorted(values)}, now)
        return event, entry

    async def delete_event(self, event_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            seq = int((await self._locked_event(conn, event_id))["last_seq"]) + 1
            # Child tables first, then the event. ON DELETE CASCADE would do the same; naming every
            # table keeps the deletion visible here and independent of the foreign keys being on.
            for table in EVENT_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE event_id = ?", (event_id,))
            await conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
        await self._after_delete()
        return LogEntry(event_id=event_id, seq=seq, type="event.deleted", data={"event_id": event_id}, created_at=now)

    async def _after_delete(self) -> None:
        """What a dialect does once deleted rows are committed, so they are gone from its files too."""

    async def closed_events_before(self, cutoff: str) -> list[str]:
        # The first `event.updated` that shows the event closed is its closing (closed is final); the
        # log's JSON is compact, and a quote inside a text field is escaped, so this matches no title.
        closed_at = (
            "(SELECT min(l.created_at) FROM event_log l WHERE l.event_id = e.id AND l.type = 'event.updated'"
            " AND l.data LIKE '%\"status\":\"closed\"%')"
        )
        sql = (
            f"SELECT id FROM (SELECT e.id, coalesce({closed_at}, e.updated_at) AS closed_at FROM events e WHERE e.status = 'closed') c"
            " WHERE closed_at < ? ORDER BY closed_at, id"
        )
        return [str(row[0]) for row in await self._all(sql, (cutoff,))]

    # -- sites ----------------------------------------------------------------------------------
    async def create_site(self, event_id: str, *, name: str, angle: str) -> tuple[Site, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            rules.can_add_site(await self._status(conn, event_id))
            position = int((await conn.fetch("SELECT count(*) FROM sites WHERE event_id = ?", (event_id,)))[0][0])
            rules.can_have_another_site(position)
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
    async def _unused_join_code(conn: Connection) -> str:
        for _ in range(50):
            code = new_join_code()
            if not await conn.fetch("SELECT 1 FROM sites WHERE open_join_code = ?", (code,)):
                return code
        raise StoreUnavailable("Could not find an unused join code.")

    async def get_site(self, site_id: str) -> Site:
        return _site(await self._by_id("sites", site_id, "site"))

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
        return _participant(await self._by_id("participants", participant_id, "participant"))

    # -- notes ----------------------------------------------------------------------------------
    async def create_note(self, participant: Participant, draft: rules.NoteDraft) -> NoteWritten:
        async with self._write() as conn:
            status = await self._status(conn, participant.event_id)
            earlier = await self._earlier_note(conn, participant.id, draft.client_id)
            if earlier is not None:
                return earlier
            # A retry is answered above even once the event has closed: the first post was stored.
            rules.can_post(status)
            await self._check_present(conn, participant.id)
            await self._check_site_open(conn, participant.site_id)
            agenda.can_do(Activity.POST, await self._phase_at(conn, participant.site_id))
            return await self._insert_note(conn, participant, draft)

    async def _earlier_note(self, conn: Connection, participant_id: str, client_id: str | None) -> NoteWritten | None:
        """The note this participant already posted with this client_id, with its entry (a retried post)."""
        if client_id is None:
            return None
        earlier = await conn.fetch("SELECT * FROM notes WHERE participant_id = ? AND client_id = ?", (participant_id, client_id))
        if not earlier:
            return None
        note = _note(earlier[0])
        return NoteWritten(entry=await self._entry_at(conn, note.event_id, note.seq), note=note, created=False)

    async def _insert_note(self, conn: Connection, participant: Participant, draft: rules.NoteDraft) -> NoteWritten:
        """Insert a note and its `note.created` entry, inside the caller's transaction (rules already checked)."""
        now = utc_now()
        # The note's seq is the seq of the entry that announces it, known only once appended.
        note = Note(
            new_id(), participant.event_id, participant.site_id, participant.id, await self._next_seq(conn, participant.event_id),
            draft.text, draft.kind, draft.colour, True, now, now, draft.client_id,
            on_behalf_of=participant.name if participant.proxy else None,
        )
        await conn.execute(
            "INSERT INTO notes (id, event_id, site_id, participant_id, seq, text, kind, colour, visible, client_id, on_behalf_of,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
            (note.id, note.event_id, note.site_id, note.participant_id, note.seq, note.text, note.kind.value,
             note.colour.value, note.client_id, note.on_behalf_of, now, now),
        )
        entry = await self._append(conn, note.event_id, "note.created", {"note": as_json(note)}, now)
        assert entry.seq == note.seq
        return NoteWritten(entry=entry, note=note, created=True)

    async def get_note(self, note_id: str) -> Note:
        return _note(await self._by_id("notes", note_id, "note"))

    async def update_note(self, note_id: str, *, by_author: bool = False, **changes: object) -> NoteWritten:
        unknown = set(changes) - set(NOTE_FIELDS)
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        now = utc_now()
        values = {key: getattr(value, "value", value) for key, value in changes.items()}
        async with self._write() as conn:
            before, status = await self._locked(conn, "notes", note_id, "note")
            rules.can_change_notes(status)
            if by_author:
                await self._check_author_may_change(conn, before)
            assignments = ", ".join(f"{key} = ?" for key in values)
            rows = await conn.fetch(f"UPDATE notes SET {assignments}, updated_at = ? WHERE id = ? RETURNING *", (*values.values(), now, note_id))
            note = _note(rows[0])
            data: dict[str, Any] = {"note": as_json(note), "changed": sorted(values)}
            if "text" in values and before["text"] != note.text:
                data["previous_text"] = before["text"]  # moderation and the summary can show what changed
            if note.visible and not before["visible"]:
                # A restore brings the note's thread back too: boards opened while it was hidden never had it.
                threads = await conn.fetch("SELECT * FROM build_ons WHERE note_id = ? ORDER BY seq", (note_id,))
                data["build_ons"] = [as_json(_record(BuildOn, row)) for row in threads]
            entry = await self._append(conn, note.event_id, "note.updated", data, now)
        return NoteWritten(entry=entry, note=note, created=False)

    async def delete_note(self, note_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "notes", note_id, "note")
            rules.can_change_notes(status)
            await self._check_author_may_change(conn, row)
            # Deleting would take other people's votes and build-ons (and merged duplicates) with it.
            in_use = await conn.fetch(
                "SELECT 1 FROM votes WHERE note_id = ? UNION ALL SELECT 1 FROM build_ons WHERE note_id = ?"
                " UNION ALL SELECT 1 FROM notes WHERE merged_into = ? LIMIT 1", (note_id, note_id, note_id),
            )
            moderation.can_delete(in_use=bool(in_use))
            await conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            return await self._append(conn, row["event_id"], "note.deleted", {"note_id": note_id, "site_id": row["site_id"]}, now)

    async def list_notes(self, event_id: str, *, include_hidden: bool = False) -> list[Note]:
        sql = "SELECT * FROM notes WHERE event_id = ?" + ("" if include_hidden else " AND visible") + " ORDER BY seq"
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
        self, conn: Connection, event_id: str, drafts: list[PhaseDraft], kit: str | None, now: str
    ) -> tuple[list[Phase], LogEntry]:
        """Make the agenda these drafts inside the caller's transaction (see `Store.set_agenda`)."""
        existing = {row["id"] for row in await conn.fetch("SELECT id FROM phases WHERE event_id = ?", (event_id,))}
        if any(draft.id is not None and draft.id not in existing for draft in drafts):
            raise RuleError("unknown_phase", "A phase id is not on this event's agenda; leave id out for a new phase.", "phases")
        dropped = tuple(existing - {draft.id for draft in drafts})
        if dropped:
            marks = ",".join("?" * len(dropped))
            if await conn.fetch(f"SELECT 1 FROM sites WHERE phase_id IN ({marks})", dropped):
                raise RuleError("phase_in_use", "A site is in a phase this agenda leaves out; move it on, or stop the clock, first.", "phases")
            await conn.execute(f"DELETE FROM phases WHERE id IN ({marks})", dropped)
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
            phases = [_phase(r) for r in await conn.fetch("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,))]
            sql = "SELECT * FROM sites WHERE event_id = ?" + (" AND id = ?" if site_id else "") + " ORDER BY position"
            rows = await conn.fetch(sql, (event_id, site_id) if site_id else (event_id,))
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
    async def _check_site_open(conn: Connection, site_id: str) -> None:
        """Refuse a participant's note, vote or build-on while their site's board is locked.

        Call it inside the write's transaction (as `create_note` does), so a lock that commits
        first always wins; pass the acting participant's site.
        """
        rows = await conn.fetch("SELECT locked FROM sites WHERE id = ?", (site_id,))
        if not rows:
            raise NotFound(f"site {site_id}")
        moderation.can_participate(bool(rows[0][0]))

    async def _check_author_may_change(self, conn: Connection, note_row: Row) -> None:
        """An author edits or deletes their note only while they could post it: not after a
        moderator hid it, not once removed, not on a locked board, not in a phase closed to posting."""
        moderation.can_author_change(hidden_by=note_row["hidden_by"])
        await self._check_present(conn, note_row["participant_id"])
        await self._check_site_open(conn, note_row["site_id"])
        agenda.can_do(Activity.POST, await self._phase_at(conn, note_row["site_id"]))

    @staticmethod
    async def _check_present(conn: Connection, participant_id: str) -> None:
        """A participant removed while their request was on its way is refused like an unknown one."""
        if not await conn.fetch("SELECT 1 FROM participants WHERE id = ? AND removed_at IS NULL", (participant_id,)):
            raise NotFound(f"participant {participant_id}")

    async def merge_note(self, note_id: str, into_id: str) -> tuple[Note, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            event = _event(await self._locked_event_of(conn, "notes", note_id, "note"))
            found = {row["id"]: _note(row) for row in await conn.fetch("SELECT * FROM notes WHERE id IN (?, ?)", (note_id, into_id))}
            if note_id not in found or into_id not in found:
                raise NotFound(f"note {note_id if note_id not in found else into_id}")
            duplicate, kept = found[note_id], found[into_id]
            rules.can_change_notes(event.status)
            moderation.can_merge(
                duplicate.id, duplicate.event_id, kept.id, kept.event_id,
                note_merged=duplicate.merged_into is not None, into_merged=kept.merged_into is not None,
            )
            moderation.can_merge_into(duplicate.site_id, kept.site_id, into_visible=kept.visible)
            rows = await conn.fetch(
                "UPDATE notes SET visible = FALSE, hidden_by = ?, merged_into = ?, updated_at = ? WHERE id = ? RETURNING *",
                (moderation.HIDDEN_BY_MODERATOR, kept.id, now, duplicate.id),
            )
            merged = _note(rows[0])
            carried = await self._carry_over(conn, duplicate.id, kept, several_per_note=votes.settings_of(event).several_per_note)
            total = (await conn.fetch("SELECT count(*) FROM votes WHERE note_id = ?", (kept.id,)))[0][0]
            data = {
                "note_id": duplicate.id, "into": kept.id, "site_id": duplicate.site_id, "into_site_id": kept.site_id,
                "note": as_json(merged), "carried": carried, "into_votes": total,
            }
            entry = await self._append(conn, duplicate.event_id, "note.merged", data, now)
        return merged, entry

    @staticmethod
    async def _carry_over(conn: Connection, from_id: str, kept: Note, *, several_per_note: bool) -> dict[str, int]:
        """Move the duplicate's votes and build-ons (migrations 0003, 0004) to the kept note.

        When one participant may put only one vote on a note, a vote of someone who already has one
        on the kept note in the same phase is dropped, not carried: nobody ends with two."""
        names = {"kept": kept.id, "site": kept.site_id, "duplicate": from_id}
        dropped = 0
        if not several_per_note:
            dropped = await conn.execute(
                "DELETE FROM votes WHERE note_id = :duplicate AND EXISTS (SELECT 1 FROM votes AS mine WHERE mine.note_id = :kept"
                " AND mine.participant_id = votes.participant_id AND mine.phase_id = votes.phase_id)",
                names,
            )
        carried_votes = await conn.execute("UPDATE votes SET note_id = :kept, site_id = :site WHERE note_id = :duplicate", names)
        carried_build_ons = await conn.execute("UPDATE build_ons SET note_id = :kept, site_id = :site WHERE note_id = :duplicate", names)
        return {"votes": carried_votes, "build_ons": carried_build_ons, "votes_dropped": dropped}

    async def update_site(self, site_id: str, *, locked: bool) -> tuple[Site, LogEntry | None]:
        async with self._write() as conn:
            row, status = await self._locked(conn, "sites", site_id, "site")
            site = _site(row)
            moderation.can_moderate(status)
            if site.locked == locked:  # a concurrent request already did it: nothing to log
                return site, None
            rows = await conn.fetch("UPDATE sites SET locked = ? WHERE id = ? RETURNING *", (locked, site_id))
            site = _site(rows[0])
            entry = await self._append(conn, site.event_id, "site.updated", {"site": as_json(site), "changed": ["locked"]}, utc_now())
        return site, entry

    async def remove_participant(self, participant_id: str, *, hide_notes: bool) -> tuple[Participant, list[Note], LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "participants", participant_id, "participant")
            moderation.can_moderate(status)
            already = row["removed_at"] is not None
            if not already:
                row = (await conn.fetch("UPDATE participants SET removed_at = ? WHERE id = ? RETURNING *", (now, participant_id)))[0]
            participant = _participant(row)
            hidden: list[Note] = []
            gone: list[BuildOn] = []
            if hide_notes:
                hidden_rows = await conn.fetch(
                    "UPDATE notes SET visible = FALSE, hidden_by = ?, updated_at = ? WHERE participant_id = ? AND visible RETURNING *",
                    (moderation.HIDDEN_BY_MODERATOR, now, participant_id),
                )
                hidden = sorted((_note(row) for row in hidden_rows), key=lambda note: note.seq)
                # Their build-ons leave every board too; the log keeps their text (in this entry).
                gone_rows = await conn.fetch("DELETE FROM build_ons WHERE participant_id = ? RETURNING *", (participant_id,))
                gone = sorted((_record(BuildOn, row) for row in gone_rows), key=lambda build_on: build_on.seq)
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
            event = await self._locked_event_of(conn, "sites", site_id, "site")
            proxy = await self._proxy(conn, event["id"], site_id, on_behalf_of)
            earlier = await self._earlier_note(conn, proxy.id, draft.client_id)
            if earlier is not None:
                return earlier
            rules.can_post(EventStatus(event["status"]))
            return await self._insert_note(conn, proxy, draft)

    @staticmethod
    async def _proxy(conn: Connection, event_id: str, site_id: str, name: str) -> Participant:
        """The site's proxy participant of this name, made on first use. One per name: writes to the
        event go one at a time (its row is locked), and a unique index says so in the schema too."""
        rows = await conn.fetch("SELECT * FROM participants WHERE site_id = ? AND name = ? AND proxy", (site_id, name))
        if rows:
            return _participant(rows[0])
        proxy = Participant(new_id(), event_id, site_id, name, None, utc_now(), proxy=True)
        await conn.execute(
            "INSERT INTO participants (id, event_id, site_id, name, role, created_at, proxy) VALUES (?, ?, ?, ?, NULL, ?, TRUE)",
            (proxy.id, event_id, site_id, name, proxy.created_at),
        )
        return proxy

    async def _for_moderators(self, conn: Connection, event_id: str) -> tuple[list[Note], list[Participant]]:
        """What only moderators' screens show: the hidden notes, and the participants still there."""
        hidden = await conn.fetch("SELECT * FROM notes WHERE event_id = ? AND NOT visible ORDER BY seq", (event_id,))
        people = await conn.fetch(f"SELECT * FROM participants WHERE event_id = ? AND {PRESENT_PEOPLE}", (event_id,))
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
        self, conn: Connection, participant: Participant, note_id: str, *, visible_only: bool
    ) -> tuple[Row, Phase | None, VotingSettings, Ballot]:
        """What a vote is checked against, as this write transaction reads it: the note (of the voter's
        event), the phase the voter's site is in, the event's settings, and the voter's ballot in that phase."""
        event = _event(await self._locked_event(conn, participant.event_id))
        votes.can_change_votes(event.status)
        await self._check_present(conn, participant.id)  # moderation: not removed meanwhile
        await self._check_site_open(conn, participant.site_id)  # moderation: their board is not locked
        notes = await conn.fetch("SELECT id, site_id, visible FROM notes WHERE id = ? AND event_id = ?", (note_id, event.id))
        if not notes or (visible_only and not notes[0]["visible"]):
            raise NotFound(f"note {note_id}")
        settings = votes.settings_of(event)
        phase = await self._phase_at(conn, participant.site_id)
        return notes[0], phase, settings, await self._ballot_in(conn, participant, phase, settings)

    @staticmethod
    async def _ballot_in(conn: Connection, participant: Participant, phase: Phase | None, settings: VotingSettings) -> Ballot:
        """What the participant has spent in `phase`, as the connection's transaction reads it."""
        if phase is None:
            return Ballot(None, False, settings.budget, 0, {})
        rows = await conn.fetch(
            "SELECT note_id, count(*) AS spent FROM votes WHERE participant_id = ? AND phase_id = ? GROUP BY note_id",
            (participant.id, phase.id),
        )
        mine = {row["note_id"]: int(row["spent"]) for row in rows}
        return Ballot(phase.id, votes.voting_open(phase), settings.budget, sum(mine.values()), mine)

    async def _vote_written(
        self, conn: Connection, type_: str, participant: Participant, note: Row, phase: Phase, settings: VotingSettings, now: str,
    ) -> VoteWritten:
        """Log a vote cast or taken back with the note's new total (never who voted: votes are anonymous)."""
        total = (await conn.fetch("SELECT count(*) FROM votes WHERE note_id = ?", (note["id"],)))[0][0]
        data = {"note_id": note["id"], "site_id": note["site_id"], "votes": total, "phase_id": phase.id}
        entry = await self._append(conn, participant.event_id, type_, data, now)
        revealed = (await conn.fetch("SELECT votes_revealed FROM sites WHERE id = ?", (note["site_id"],)))[0][0]
        return VoteWritten(
            entry=entry, note_id=note["id"], site_id=note["site_id"], votes=total,
            shown=votes.totals_shown(settings, bool(revealed)), ballot=await self._ballot_in(conn, participant, phase, settings),
        )

    async def set_voting(self, event_id: str, settings: VotingSettings) -> tuple[Event, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            event = _event(await self._locked_event(conn, event_id))
            votes.can_change_votes(event.status)
            if votes.settings_of(event) == settings:
                return event, None  # nothing changes: nothing to log
            rows = await conn.fetch(
                "UPDATE events SET vote_budget = ?, votes_several_per_note = ?, votes_hidden = ?, updated_at = ? WHERE id = ? RETURNING *",
                (settings.budget, settings.several_per_note, settings.hidden, now, event_id),
            )
            event = _event(rows[0])
            entry = await self._append(conn, event_id, "voting.updated", {"event": as_json(event), "voting": asdict(settings)}, now)
        return event, entry

    async def reveal_votes(self, site_id: str, *, revealed: bool) -> tuple[Site, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "sites", site_id, "site")
            site = _site(row)
            votes.can_change_votes(status)
            if site.votes_revealed == revealed:
                return site, None
            rows = await conn.fetch("UPDATE sites SET votes_revealed = ? WHERE id = ? RETURNING *", (revealed, site_id))
            data: dict[str, Any] = {"site_id": site_id, "revealed": revealed}
            if revealed:  # what was hidden from participants' streams until now
                counted = await conn.fetch("SELECT note_id, count(*) FROM votes WHERE site_id = ? GROUP BY note_id", (site_id,))
                data["totals"] = {row[0]: int(row[1]) for row in counted}
            entry = await self._append(conn, site.event_id, "votes.revealed", data, now)
        return _site(rows[0]), entry

    async def _tallies(self, conn: Connection | None, event_id: str) -> dict[str, int]:
        rows = await self._all("SELECT note_id, count(*) FROM votes WHERE event_id = ? GROUP BY note_id", (event_id,), conn)
        return {row[0]: int(row[1]) for row in rows}

    async def vote_tallies(self, event_id: str) -> dict[str, int]:
        return await self._tallies(None, event_id)

    async def ballot(self, participant: Participant) -> Ballot:
        async with self._snapshot() as conn:
            rows = await conn.fetch("SELECT * FROM events WHERE id = ?", (participant.event_id,))
            if not rows:
                raise NotFound(f"event {participant.event_id}")
            phase = await self._phase_at(conn, participant.site_id)
            return await self._ballot_in(conn, participant, phase, votes.settings_of(_event(rows[0])))

    # -- ideas travelling: build-ons, sends, spotlights ----------------------------------------------
    async def _entry_at(self, conn: Connection, event_id: str, seq: int) -> LogEntry:
        rows = await conn.fetch("SELECT * FROM event_log WHERE event_id = ? AND seq = ?", (event_id, seq))
        return _entry(rows[0])

    async def _note_of_event(self, conn: Connection, note_id: str, event_id: str) -> Note:
        """A note of this event as the transaction sees it; another event's note is as missing as none."""
        rows = await conn.fetch("SELECT * FROM notes WHERE id = ? AND event_id = ?", (note_id, event_id))
        if not rows:
            raise NotFound(f"note {note_id}")
        return _note(rows[0])

    async def create_build_on(self, participant: Participant, note_id: str, text: str, *, client_id: str | None) -> BuildOnWritten:
        now = utc_now()
        async with self._write() as conn:
            status = await self._status(conn, participant.event_id)
            if client_id is not None:
                sql = "SELECT * FROM build_ons WHERE participant_id = ? AND client_id = ?"
                earlier = await conn.fetch(sql, (participant.id, client_id))
                if earlier:  # answered even once the event has closed: the first one was stored before
                    first = _record(BuildOn, earlier[0])
                    return BuildOnWritten(entry=await self._entry_at(conn, first.event_id, first.seq), build_on=first, created=False)
            exchange.can_exchange(status)
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
        return _record(BuildOn, await self._by_id("build_ons", build_on_id, "build-on"))

    async def delete_build_on(self, build_on_id: str) -> LogEntry:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "build_ons", build_on_id, "build-on")
            gone = _record(BuildOn, row)
            exchange.can_exchange(status)
            await conn.execute("DELETE FROM build_ons WHERE id = ?", (build_on_id,))
            data = {"build_on_id": gone.id, "note_id": gone.note_id, "site_id": gone.site_id, "author_site_id": gone.author_site_id}
            return await self._append(conn, gone.event_id, "build_on.deleted", data, now)

    async def list_build_ons(self, note_id: str) -> list[BuildOn]:
        return [_record(BuildOn, row) for row in await self._all("SELECT * FROM build_ons WHERE note_id = ? ORDER BY seq", (note_id,))]

    async def create_send(
        self, from_site_id: str, *, note_id: str | None, question: str | None, to_site_id: str | None
    ) -> tuple[Send, Note | None, LogEntry]:
        now = utc_now()
        async with self._write() as conn:
            event = await self._locked_event_of(conn, "sites", from_site_id, "site")
            event_id = event["id"]
            exchange.can_exchange(EventStatus(event["status"]))
            sites = [row["id"] for row in await conn.fetch("SELECT id FROM sites WHERE event_id = ?", (event_id,))]
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
        return [_record(Send, row) for row in await self._all("SELECT * FROM sends WHERE event_id = ? ORDER BY seq", (event_id,))]

    async def set_spotlight(self, site_id: str, note_id: str | None) -> tuple[Note | None, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "sites", site_id, "site")
            event_id, current = row["event_id"], row["spotlight_note_id"]
            exchange.can_exchange(status)
            note = None
            if note_id is not None:
                note = await self._note_of_event(conn, note_id, event_id)
                sends = [_record(Send, row) for row in await conn.fetch("SELECT * FROM sends WHERE note_id = ?", (note_id,))]
                exchange.can_spotlight(site_id, note, sent_here=any(exchange.reaches(sent, site_id) for sent in sends))
            if current == note_id:
                return note, None
            await conn.execute("UPDATE sites SET spotlight_note_id = ? WHERE id = ?", (note_id, site_id))
            # "spotlight", not "note": the entry is about the site, whichever site the note came from.
            data = {"site_id": site_id, "note_id": note_id, "spotlight": as_json(note) if note else None}
            entry = await self._append(conn, event_id, "site.spotlight", data, now)
        return note, entry

    async def _exchange_of(self, conn: Connection, event_id: str, site_rows: list[Row], notes: list[Note]) -> dict[str, Any]:
        """The board's build-ons, sends and spotlights, as far as they concern notes that are shown."""
        shown = {note.id for note in notes}
        build_ons = [_record(BuildOn, r) for r in await conn.fetch("SELECT * FROM build_ons WHERE event_id = ? ORDER BY seq", (event_id,))]
        sends = [_record(Send, r) for r in await conn.fetch("SELECT * FROM sends WHERE event_id = ? ORDER BY seq", (event_id,))]
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
            others = await conn.fetch("SELECT name FROM themes WHERE event_id = ?", (event_id,))
            themes.can_add_theme(len(others))
            themes.can_name(name, taken=[row["name"] for row in others])
            theme = Theme(new_id(), event_id, name, await self._next_seq(conn, event_id), now)
            await conn.execute(
                "INSERT INTO themes (id, event_id, name, name_key, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (theme.id, event_id, name, themes.name_key(name), theme.seq, now),
            )
            entry = await self._append(conn, event_id, "theme.created", {"theme": as_json(theme)}, now)
        return theme, entry

    async def _theme_in(self, conn: Connection, theme_id: str) -> Theme:
        rows = await conn.fetch("SELECT * FROM themes WHERE id = ?", (theme_id,))
        if not rows:
            raise NotFound(f"theme {theme_id}")
        return _record(Theme, rows[0])

    async def _members(self, conn: Connection, theme_id: str) -> list[dict[str, str]]:
        """A theme's notes (hidden ones too: they keep their theme), as the log lists them."""
        rows = await conn.fetch("SELECT id, site_id FROM notes WHERE theme_id = ? ORDER BY seq", (theme_id,))
        return [{"id": row["id"], "site_id": row["site_id"]} for row in rows]

    async def rename_theme(self, theme_id: str, name: str) -> tuple[Theme, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "themes", theme_id, "theme")
            theme = _record(Theme, row)
            themes.can_change_themes(status)
            if theme.name == name:
                return theme, None
            others = await conn.fetch("SELECT name FROM themes WHERE event_id = ? AND id != ?", (theme.event_id, theme_id))
            themes.can_name(name, taken=[row["name"] for row in others])
            await conn.execute("UPDATE themes SET name = ?, name_key = ? WHERE id = ?", (name, themes.name_key(name), theme_id))
            theme = replace(theme, name=name)
            entry = await self._append(conn, theme.event_id, "theme.updated", {"theme": as_json(theme)}, now)
        return theme, entry

    async def merge_themes(self, theme_id: str, into_id: str, *, by_site: str | None) -> tuple[Theme, LogEntry]:
        now = utc_now()
        themes.can_merge(theme_id, into_id)
        async with self._write() as conn:
            event = await self._locked_event_of(conn, "themes", theme_id, "theme")
            theme, kept = await self._theme_in(conn, theme_id), await self._theme_in(conn, into_id)
            if theme.event_id != kept.event_id:
                raise NotFound(f"theme {into_id}")
            themes.can_change_themes(EventStatus(event["status"]))
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
            row, status = await self._locked(conn, "themes", theme_id, "theme")
            theme = _record(Theme, row)
            themes.can_change_themes(status)
            unplaced = await self._members(conn, theme_id)
            themes.can_remove(theme, [note["site_id"] for note in unplaced], by_site)
            await conn.execute("UPDATE notes SET theme_id = NULL WHERE theme_id = ?", (theme_id,))
            await conn.execute("DELETE FROM themes WHERE id = ?", (theme_id,))
            data = {"theme_id": theme_id, "name": theme.name, "notes": unplaced}
            return await self._append(conn, theme.event_id, "theme.deleted", data, now)

    async def place_note(self, note_id: str, theme_id: str | None, *, by_site: str | None) -> tuple[Note, LogEntry | None]:
        now = utc_now()
        async with self._write() as conn:
            row, status = await self._locked(conn, "notes", note_id, "note")
            note = _note(row)
            themes.can_change_themes(status)
            themes.can_place(note, by_site)
            if theme_id is not None and (await self._theme_in(conn, theme_id)).event_id != note.event_id:
                raise NotFound(f"theme {theme_id}")
            if note.theme_id == theme_id:
                return note, None
            rows = await conn.fetch("UPDATE notes SET theme_id = ? WHERE id = ? RETURNING *", (theme_id, note_id))
            placed = _note(rows[0])
            data = {"note": as_json(placed), "from_theme_id": note.theme_id}
            entry = await self._append(conn, note.event_id, "note.placed", data, now)
        return placed, entry

    async def get_theme(self, theme_id: str) -> Theme:
        return _record(Theme, await self._by_id("themes", theme_id, "theme"))

    async def list_themes(self, event_id: str) -> list[Theme]:
        return [_record(Theme, row) for row in await self._all("SELECT * FROM themes WHERE event_id = ? ORDER BY seq", (event_id,))]

    # -- reading the whole ----------------------------------------------------------------------
    async def board(self, event_id: str, *, moderation: bool = False) -> Board:
        async with self._snapshot() as conn:
            rows = await conn.fetch("SELECT * FROM events WHERE id = ?", (event_id,))
            if not rows:
                raise NotFound(f"event {event_id}")
            event_row = rows[0]
            site_rows = await conn.fetch("SELECT * FROM sites WHERE event_id = ? ORDER BY position", (event_id,))
            notes = [_note(r) for r in await conn.fetch("SELECT * FROM notes WHERE event_id = ? AND visible ORDER BY seq", (event_id,))]
            phases = [_phase(r) for r in await conn.fetch("SELECT * FROM phases WHERE event_id = ? ORDER BY position", (event_id,))]
            tallies = await self._tallies(conn, event_id)
            hidden, people = await self._for_moderators(conn, event_id) if moderation else ([], [])
            travelled = await self._exchange_of(conn, event_id, site_rows, notes)
            grouped = [_record(Theme, r) for r in await conn.fetch("SELECT * FROM themes WHERE event_id = ? ORDER BY seq", (event_id,))]
        return Board(
            seq=event_row["last_seq"], event=_event(event_row), sites=[_site(r) for r in site_rows], notes=notes,
            phases=phases, clocks=[_clock(r) for r in site_rows], votes=tallies,
            hidden_notes=hidden, participants=people, themes=grouped, **travelled,
        )

    async def log_since(self, event_id: str, since: int, limit: int = 1000) -> list[LogEntry]:
        rows = await self._all("SELECT * FROM event_log WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?", (event_id, since, limit))
        return [_entry(row) for row in rows]

    async def last_seq(self, event_id: str) -> int:
        row = await self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))
        if row is None:
            raise NotFound(f"event {event_id}")
        return int(row[0])

    # -- the record: export and import (workshop.export) ----------------------------------------
    async def export_event(self, event_id: str) -> Record:
        async with self._snapshot() as conn:
            rows = await conn.fetch("SELECT * FROM events WHERE id = ?", (event_id,))
            if not rows:
                raise NotFound(f"event {event_id}")

            async def of_event(table: str, order: str) -> list[Row]:
                return await conn.fetch(f"SELECT * FROM {table} WHERE event_id = ? ORDER BY {order}", (event_id,))

            site_rows = await of_event("sites", "position")
            record = Record(
                seq=rows[0]["last_seq"], event=_event(rows[0]), sites=[_site(r) for r in site_rows],
                participants=[_participant(r) for r in await of_event("participants", "created_at, rowid")],
                notes=[_note(r) for r in await of_event("notes", "seq")],
                themes=[_record(Theme, r) for r in await of_event("themes", "seq")],
                phases=[_phase(r) for r in await of_event("phases", "position")],
                clocks=[_clock(r) for r in site_rows],
                votes=[_record(Vote, r) for r in await of_event("votes", "created_at, rowid")],
                build_ons=[_record(BuildOn, r) for r in await of_event("build_ons", "seq")],
                sends=[_record(Send, r) for r in await of_event("sends", "seq")],
                spotlights={r["id"]: r["spotlight_note_id"] for r in site_rows if r["spotlight_note_id"]},
                log=[_entry(r) for r in await of_event("event_log", "seq")],
            )
        return record

    async def import_event(self, record: Record, *, host_secret_hash: str) -> None:
        check(record)
        event = record.event
        try:
            async with self._write() as conn:
                if await conn.fetch("SELECT 1 FROM events WHERE id = ?", (event.id,)):
                    raise RuleError("event_exists", f"This store already holds the event {event.id} ({event.title}); import it into another store.", "file")
                # The rows refer to each other in circles (a site's spotlight note, a note's site); checked at COMMIT,
                # so the COMMIT is inside the `try` too.
                await conn.execute(self.DEFER_FOREIGN_KEYS)
                await self._insert_record(conn, record, host_secret_hash)
        except self.INTEGRITY_ERRORS as exc:
            raise RuleError("invalid_export", f"This export cannot be imported: {exc}.", "file") from exc

    async def _insert_record(self, conn: Connection, record: Record, host_secret_hash: str) -> None:
        event = record.event
        await _insert(conn, "events", [{**as_json(event), "host_secret_hash": host_secret_hash, "last_seq": record.seq}])
        clocks = {clock.site_id: clock for clock in record.clocks}
        sites = []
        for site in record.sites:
            code = site.join_code if event.status == EventStatus.CLOSED or not await conn.fetch(
                "SELECT 1 FROM sites WHERE open_join_code = ?", (site.join_code,)) else await self._unused_join_code(conn)
            clock = clocks.get(site.id, SiteClock(site.id))
            sites.append({
                **as_json(site), "join_code": code, "open_join_code": None if event.status == EventStatus.CLOSED else code,
                "facilitator_nonce": new_secret(8), "spotlight_note_id": record.spotlights.get(site.id),
                "phase_id": clock.phase_id, "phase_started_at": clock.started_at, "paused_at": clock.paused_at,
                "paused_seconds": clock.paused_seconds, "extra_seconds": clock.extra_seconds,
            })
        await _insert(conn, "sites", sites)
        await _insert(conn, "phases", [{**as_json(phase), "allows": ",".join(phase.allows)} for phase in record.phases])
        await _insert(conn, "participants", [as_json(participant) for participant in record.participants])
        await _insert(conn, "themes", [{**as_json(theme), "name_key": themes.name_key(theme.name)} for theme in record.themes])
        await _insert(conn, "notes", [as_json(note) for note in record.notes])
        for table, records in (("votes", record.votes), ("build_ons", record.build_ons), ("sends", record.sends)):
            await _insert(conn, table, [as_json(item) for item in records])  # type: ignore[arg-type]
        await _insert(conn, "event_log", [_entry_row(entry) for entry in record.log])


async def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows given as column -> value (every row with the same columns)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    await conn.executemany(sql, [tuple(row[column] for column in columns) for row in rows])


def _entry_row(entry: LogEntry) -> dict[str, Any]:
    """A log entry as its row, its data encoded as `_append` encodes it."""
    return {"event_id": entry.event_id, "seq": entry.seq, "type": entry.type, "data": _encode(entry.data), "created_at": entry.created_at}


def _encode(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
