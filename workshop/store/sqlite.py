"""The default store: one SQLite file, through aiosqlite, in WAL mode with foreign keys on.

Two connections: writes go through one, one transaction at a time (SQLite has one writer anyway);
reads go through the other, so a read never sees a write that is not yet committed. The queries
and rules are `workshop.store.sql`'s; this module only connects and runs transactions.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from workshop.store.base import StoreUnavailable
from workshop.store.ids import utc_now
from workshop.store.sql import SCHEMA_MIGRATIONS, Args, Row, SqlStore


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
                if self.writer.in_transaction:
                    await self.writer.execute("ROLLBACK")
                raise
            return True

    async def _after_delete(self) -> None:
        # The WAL file still holds the pages as they were before the deletion until a checkpoint:
        # copy it into the database and empty it. Best effort: a reader in the middle of a read
        # lets the checkpoint stop short, and the next one finishes it.
        async with self._write_lock:
            await self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- transactions ---------------------------------------------------------------------------
    @asynccontextmanager
    async def _write(self) -> AsyncIterator[_Connection]:
        """One write transaction at a time, committed on success and rolled back on any error."""
        async with self._write_lock:
            conn = self.writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(str(exc)) from exc
            try:
                yield _Connection(conn)
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_Connection]:
        async with self._read_lock:
            conn = self.reader
            await conn.execute("BEGIN")
            try:
                yield _Connection(conn)
            finally:
                await conn.execute("COMMIT")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[_Connection]:
        async with self._read_lock:
            yield _Connection(self.reader)
