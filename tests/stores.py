"""The databases the store's tests run against: SQLite on a fresh file, PostgreSQL in a schema of its own.

PostgreSQL is the server on 127.0.0.1:5432 (`WORKSHOP_TEST_POSTGRES_URL` to use another), reached
through a `search_path` in the store's URL. A test session migrates one schema and every test
empties it first (deleting the events deletes everything else with them): about 5 ms a test,
where a fresh schema costs about 400 ms on this machine (migrations are DDL) and a fresh database
tens of seconds. Tests that need an empty, unmigrated database take `Backend.fresh()`. Without the
server, PostgreSQL tests skip, saying why; with `CI` set they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from workshop.store import open_store

POSTGRES_URL = os.environ.get("WORKSHOP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgres"]
# For a test of what only one database has (a file's PRAGMAs, WAL files): `@sqlite_only`.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def postgres_missing(why: object) -> NoReturn:
    message = f"PostgreSQL is not reachable at {POSTGRES_URL} ({why}); start it (.ci/run does) or set WORKSHOP_TEST_POSTGRES_URL"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def with_search_path(url: str, schema: str) -> str:
    """The URL with every connection's `search_path` set to `schema` (asyncpg passes it on to the server)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "search_path"] + [("search_path", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _connect(url: str = POSTGRES_URL) -> Any:
    try:
        import asyncpg
    except ImportError as exc:
        postgres_missing(exc)
    try:
        return await asyncpg.connect(url, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        postgres_missing(exc)


async def create_schema(*, migrated: bool) -> str:
    """A new schema in the test database (with every migration applied, if asked); its store URL."""
    schema = f"ow_test_{secrets.token_hex(6)}"
    admin = await _connect()
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    url = with_search_path(POSTGRES_URL, schema)
    if migrated:
        store = open_store(url)
        await store.open()
        await store.close()
    return url


async def drop_schema(url: str) -> None:
    schema = dict(parse_qsl(urlsplit(url).query))["search_path"]
    admin = await _connect()
    try:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.close()


@asynccontextmanager
async def postgres_schema(*, migrated: bool = False) -> AsyncIterator[str]:
    """A store URL whose tables go in a fresh schema of the test database, dropped afterwards.

    Also for tests that start app processes on PostgreSQL: give each process this URL."""
    url = await create_schema(migrated=migrated)
    try:
        yield url
    finally:
        await drop_schema(url)


async def empty(url: str) -> None:
    """Delete every row but the migrations' record: every table hangs on `events` (ON DELETE CASCADE)."""
    conn = await _connect(url)
    try:
        await conn.execute("DELETE FROM events; DELETE FROM settings")
    finally:
        await conn.close()


def session_schema() -> tuple[str, Any]:
    """The session's migrated schema (made outside any test's event loop) and how to drop it."""
    url = asyncio.run(create_schema(migrated=True))
    return url, lambda: asyncio.run(drop_schema(url))


@dataclass(frozen=True)
class Backend:
    """One database for one test: its store URL, and a way around the store to its tables."""

    name: str  # "sqlite" or "postgres", as the migrations' folders are named
    url: str
    integrity_error: type[Exception]  # what the driver raises when the schema refuses a row

    async def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run one statement on a connection of its own (committed), `?` placeholders in either database."""
        if self.name == "sqlite":
            with sqlite3.connect(self.url) as conn:
                conn.execute("PRAGMA foreign_keys = ON")
                return [tuple(row) for row in conn.execute(query, args).fetchall()]
        from workshop.store.postgres import translate

        conn = await _connect(self.url)
        try:
            return [tuple(row) for row in await conn.fetch(translate(query)[0], *args)]
        finally:
            await conn.close()

    @asynccontextmanager
    async def fresh(self) -> AsyncIterator[Backend]:
        """A database of the same kind that is empty: no tables, no migrations applied."""
        if self.name == "sqlite":
            yield Backend(self.name, str(Path(self.url).with_name(f"fresh-{secrets.token_hex(4)}.db")), self.integrity_error)
            return
        async with postgres_schema() as url:
            yield Backend(self.name, url, self.integrity_error)


def sqlite_backend(path: Path) -> Backend:
    return Backend("sqlite", str(path), sqlite3.IntegrityError)


def postgres_backend(url: str) -> Backend:
    """The session's schema, emptied for the test about to run (outside its event loop)."""
    import asyncpg

    asyncio.run(empty(url))
    return Backend("postgres", url, asyncpg.IntegrityConstraintViolationError)
