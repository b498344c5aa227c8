"""The store on PostgreSQL, for several app processes sharing one database: asyncpg and its pool.

The queries and rules are `workshop.store.sql`'s; this module connects, runs transactions, turns
the shared SQL's `?` and `:name` placeholders into PostgreSQL's `$1, $2, ...` (once per statement),
and says which of asyncpg's errors mean "the database cannot be reached or written right now".

Writes run in READ COMMITTED transactions that lock their event's row first (`FOR_UPDATE`), so two
processes writing to one event take turns, and each reads what the other committed: the log stays
gap-free and a close that commits first refuses a note, as with SQLite's single writer.

    postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?pool_size=10&search_path=SCHEMA&sslmode=...]

`pool_size` is this store's (connections per process, default 10); every other query parameter is
asyncpg's: its connection options (`sslmode`, `passfile`, ...), and any other name a server setting
for every connection (`search_path` puts the tables in a schema of their own; it must exist).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from workshop.store.base import StoreUnavailable
from workshop.store.ids import utc_now
from workshop.store.sql import SCHEMA_MIGRATIONS, Args, Row, SqlStore

DEFAULT_POOL_SIZE = 10
# The database is away, full, read-only (a standby after a failover) or shutting down: the
# request can be tried again later. Anything else is a bug or a refused row, and stays what it is.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.ReadOnlySQLTransactionError,
    # An idle connection the server ended (a failover, pg_terminate_backend) can be handed out by
    # the pool before asyncpg notices it is closed; using it fails with "cannot switch to state ..."
    # (MagicStack/asyncpg#1069). The pool drops it on release, so the next request gets a fresh one.
    asyncpg.InternalClientError,
)
# One process at a time applies migrations to a schema; the others wait, then find them applied.
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('workshop.migrate:' || coalesce(current_schema(), '')))"

# A placeholder, or what may contain a look-alike that is none: a quoted string or name, a `::` cast.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?|:([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, tuple[str, ...]]:
    """The shared SQL with PostgreSQL's numbered placeholders, and the names of `:name` ones in number order."""
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) == "?":
            count += 1
            return f"${count}"
        name = match.group(1)
        if name is None:
            return match.group(0)  # a string, a quoted name or a cast: as it is
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _TOKENS.sub(number, sql), tuple(names)


def _positional(args: Args, names: tuple[str, ...]) -> Sequence[Any]:
    values = [args[name] for name in names] if names else args  # type: ignore[call-overload, index]
    return [_sendable(value) for value in values]


def _sendable(value: Any) -> Any:
    """A value PostgreSQL accepts: its text cannot hold NUL, and asyncpg refuses a parameter with one
    (a 500). No stored text has one (the rules drop control characters), so a NUL can only come in a
    looked-up id (`/notes/%00`, `{"into": "\\u0000"}`): as U+FFFD it matches nothing, as on SQLite."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _rowcount(status: str) -> int:
    """The count at the end of a command tag (`UPDATE 3`, `INSERT 0 1`); 0 for tags without one."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Connection:
    """`workshop.store.sql.Connection` over one asyncpg connection."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def fetch(self, sql: str, args: Args = ()) -> list[Row]:
        query, names = translate(sql)
        return await self.raw.fetch(query, *_positional(args, names))

    async def execute(self, sql: str, args: Args = ()) -> int:
        query, names = translate(sql)
        return _rowcount(await self.raw.execute(query, *_positional(args, names)))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(translate(sql)[0], [[_sendable(value) for value in row] for row in rows])


def pool_settings(url: str) -> tuple[str, int]:
    """The URL for asyncpg (without this store's own `pool_size`) and the pool's size."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    sizes = [value for key, value in query if key == "pool_size"]
    size = int(sizes[-1]) if sizes else DEFAULT_POOL_SIZE
    if size < 1:
        raise ValueError(f"pool_size must be at least 1, not {size}")
    rest = urlencode([(key, value) for key, value in query if key != "pool_size"])
    return urlunsplit(parts._replace(query=rest)), size


class PostgresStore(SqlStore):
    DIALECT = "postgres"
    FOR_UPDATE = " FOR UPDATE"
    DEFER_FOREIGN_KEYS = "SET CONSTRAINTS ALL DEFERRED"  # every foreign key is DEFERRABLE (migrations/postgres)
    INTEGRITY_ERRORS = (asyncpg.IntegrityConstraintViolationError,)

    def __init__(self, url: str) -> None:
        self.url, self.pool_size = pool_settings(url)
        self._pool: asyncpg.Pool | None = None

    # -- life cycle -----------------------------------------------------------------------------
    async def open(self, *, migrate: bool = True) -> None:
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_size)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Cannot reach PostgreSQL at {urlsplit(self.url).hostname}: {exc}") from exc
        if migrate:
            await self.migrate()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the pool, with the database's unavailability said as `StoreUnavailable`."""
        if self._pool is None:
            raise StoreUnavailable("The store is not open.")
        try:
            async with self._pool.acquire() as raw:
                yield raw
        except UNAVAILABLE as exc:
            raise StoreUnavailable(str(exc) or type(exc).__name__) from exc

    async def applied_migrations(self) -> list[int]:
        async with self._connection() as raw, raw.transaction():
            await raw.execute(MIGRATION_LOCK)
            await raw.execute(SCHEMA_MIGRATIONS)
            return [row[0] for row in await raw.fetch("SELECT version FROM schema_migrations ORDER BY version")]

    async def _apply_migration(self, version: int, script: str) -> bool:
        async with self._connection() as raw, raw.transaction():
            await raw.execute(MIGRATION_LOCK)
            if await raw.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", version):
                return False  # another process applied it while this one waited
            await raw.execute(script)
            await raw.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", version, utc_now())
            return True

    # -- transactions ---------------------------------------------------------------------------
    @asynccontextmanager
    async def _write(self) -> AsyncIterator[_Connection]:
        # READ COMMITTED: each statement sees what committed before it, so whatever a write reads
        # after locking its event is the event as the previous write left it.
        async with self._connection() as raw, raw.transaction(isolation="read_committed"):
            yield _Connection(raw)

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_Connection]:
        async with self._connection() as raw, raw.transaction(isolation="repeatable_read", readonly=True):
            yield _Connection(raw)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[_Connection]:
        async with self._connection() as raw:
            yield _Connection(raw)
