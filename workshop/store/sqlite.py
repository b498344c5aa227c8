"""The default store: one SQLite file, through aiosqlite, in WAL mode with foreign keys on.

Two connections: writes go through one, one transaction at a time (SQLite has one writer anyway);
reads go through the other, so a read never sees a write that is not yet committed. The queries
and rules are `workshop.store.sql`'s; this module only connects, runs transactions, and says a
full disk, a read-only file or a failing disk as `StoreUnavailable` (as `postgres.py` does for its
server): the write is rolled back, nothing of it is announced, and the connection stays usable,
so the next write succeeds once the fault is gone, without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from workshop.store.base import StoreUnavailable
from workshop.store.ids import utc_now
from workshop.store.sql import SCHEMA_MIGRATIONS, Args, Row, SqlStore

log = logging.getLogger("workshop")

# SQLite's answers that mean "the file cannot be written (or read) right now", by primary result
# code (an extended one, such as SQLITE_IOERR_WRITE, keeps it in its low byte): the request was
# fine and may be tried again once the operator has fixed the machine. Anything else (a constraint,
# a mistake in SQL) stays what it is. The sentences go to the log, never to people: no path, no SQL.
UNAVAILABLE = {
    sqlite3.SQLITE_FULL: "The disk holding the database is full",
    sqlite3.SQLITE_READONLY: "The database is read-only",
    sqlite3.SQLITE_IOERR: "The disk failed to read or write the database",
    sqlite3.SQLITE_CANTOPEN: "The database file cannot be opened",
    sqlite3.SQLITE_BUSY: "The database stayed locked by another process",
}


def unavailable(error: sqlite3.Error) -> StoreUnavailable | None:
    """The `StoreUnavailable` an error of SQLite's means, or None when it means something else."""
    code = getattr(error, "sqlite_errorcode", None)
    reason = UNAVAILABLE.get(code & 0xFF) if isinstance(code, int) else None
    if reason is None:
        return None
    return StoreUnavailable(f"{reason} ({getattr(error, 'sqlite_errorname', code)}).")


@contextmanager
def saying_unavailable() -> Iterator[None]:
    """Raise SQLite's "cannot write or read now" errors as `StoreUnavailable`, the rest as they are."""
    try:
        yield
    except sqlite3.Error as error:
        fault = unavailable(error)
        if fault is None:
            raise
        raise fault from error


class _Connection:
    """`workshop.store.sql.Connection` over one aiosqlite connection (SQLite takes `?` and `:name` as they are)."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    async def fetch(self, sql: str, args: Args = ()) -> list[Row]:
        return list(await self.raw.execute_fetchall(sql, args))  # one trip to aiosqlite's thread

    async def execute(self, sql: str, args: Args = ()) -> int:
        cursor = await self.raw.execute(sql, args)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


class SQLiteStore(SqlStore):
    DIALECT = "sqlite"
    FOR_UPDATE = ""  # one writer at a time already: BEGIN IMMEDIATE
    DEFER_FOREIGN_KEYS = "PRAGMA defer_foreign_keys = ON"
    INTEGRITY_ERRORS = (sqlite3.IntegrityError,)

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
        pending = aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn = await pending
        except BaseException:
            # A failed connect stops aiosqlite's thread without waiting for it; wait here, or the
            # thread reports to an event loop that may be closed by then (`workshop migrate` on a
            # file it cannot open would print a traceback after its one-line message).
            await asyncio.to_thread(pending._thread.join, 5)
            raise
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def open(self, *, migrate: bool = True) -> None:
        if self.path == ":memory:":
            raise ValueError("SQLiteStore needs a file: its reader and writer are two connections.")
        with saying_unavailable():  # a full disk or a read-only file at start-up: a sentence, not a traceback
            try:
                await self._open(migrate=migrate)
            except BaseException:
                await self.close()
                raise

    async def _open(self, *, migrate: bool) -> None:
        self._writer = await self._connect()
        # WAL lets the reader read while the writer writes; FULL syncs every commit, so a note
        # acknowledged to a phone survives a power cut, not only a crash of the process.
        await self._writer.execute("PRAGMA journal_mode = WAL")
        await self._writer.execute("PRAGMA synchronous = FULL")
        # Deleted means gone from the file, not only unlinked: freed content is overwritten with zeros
        # (docs/privacy.md). It costs a little I/O on deletes and edits, which are rare next to posts.
        await self._writer.execute("PRAGMA secure_delete = ON")
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
        await conn.execute(SCHEMA_MIGRATIONS)
        return [row[0] for row in await conn.execute_fetchall("SELECT version FROM schema_migrations ORDER BY version")]

    async def _apply_migration(self, version: int, script: str) -> bool:
        async with self._write_lock:
            # One transaction per migration: a failure leaves the file at the previous version.
            record = f"INSERT INTO schema_migrations (version, applied_at) VALUES ({version:d}, '{utc_now()}');"
            try:
                await self.writer.executescript(f"BEGIN IMMEDIATE;\n{script}\n{record}\nCOMMIT;")
            except sqlite3.Error:
                await _roll_back(self.writer)
                raise
            return True

    async def _after_delete(self) -> None:
        # The WAL file still holds the pages as they were before the deletion until a checkpoint:
        # copy it into the database and empty it. Best effort: a reader in the middle of a read
        # lets the checkpoint stop short, and the next one finishes it. The deletion is committed
        # already, so a disk fault here is logged, not answered as a failed deletion.
        async with self._write_lock:
            try:
                await self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                fault = unavailable(error)
                if fault is None:
                    raise
                log.warning("checkpoint after a deletion failed (the next one finishes it): %s", fault)

    # -- transactions ---------------------------------------------------------------------------
    @asynccontextmanager
    async def _write(self) -> AsyncIterator[_Connection]:
        """One write transaction at a time, committed on success and rolled back on any error.

        A full disk or a read-only file fails a statement or the COMMIT itself; either way nothing
        of the transaction stays, the caller gets `StoreUnavailable`, and the connection is left
        out of any transaction, ready for the next write once the fault is gone."""
        async with self._write_lock:
            conn = self.writer
            with saying_unavailable():
                await _roll_back(conn)  # what an earlier failure may have left open, if even its rollback failed
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _Connection(conn)
                    await conn.execute("COMMIT")
                except BaseException:
                    await _roll_back(conn)
                    raise

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_Connection]:
        async with self._read_lock:
            conn = self.reader
            with saying_unavailable():
                await conn.execute("BEGIN")
                try:
                    yield _Connection(conn)
                finally:
                    await conn.execute("COMMIT")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[_Connection]:
        async with self._read_lock:
            with saying_unavailable():
                yield _Connection(self.reader)


async def _roll_back(conn: aiosqlite.Connection) -> None:
    """End a failed write's transaction, unless SQLite already did (it rolls back by itself after
    some I/O errors and a full disk). A rollback that fails too is logged: the error that made the
    write fail is the one to answer with."""
    if not conn.in_transaction:
        return
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.warning("rolling back a failed write failed too", exc_info=True)
