"""Everything persistent goes through `Store`; `open_store` picks the implementation from a URL."""

from __future__ import annotations

from workshop.store.base import NotFound, Store, StoreUnavailable


def open_store(url: str) -> Store:
    """Return an (unopened) store for a database URL: `postgresql://...` (or `postgres://...`) for
    PostgreSQL (see `workshop.store.postgres`), `sqlite:///path/to/file.db` or a bare path for SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        from workshop.store.postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    elif url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
    elif "://" in url:
        raise ValueError(f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/DATABASE.")
    else:
        path = url
    from workshop.store.sqlite import SQLiteStore

    return SQLiteStore(path)


__all__ = ["NotFound", "Store", "StoreUnavailable", "open_store"]
