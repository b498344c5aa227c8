"""Fixtures shared by the store, access, CLI and API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from starlette.testclient import TestClient

from tests.api_helpers import running
from tests.stores import BACKENDS, Backend, postgres_backend, session_schema, sqlite_backend
from workshop.store import Store, open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's SQLite file lives (not created until a store opens it)."""
    return tmp_path / "workshop.db"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The test session's migrated PostgreSQL schema (tests/stores.py); each test empties it first."""
    url, drop = session_schema()
    yield url
    drop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, db_path: Path) -> Backend:
    """An empty database of each kind in turn: a SQLite file (at `db_path`), a PostgreSQL schema."""
    if request.param == "sqlite":
        return sqlite_backend(db_path)
    return postgres_backend(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    """An opened, migrated store on a fresh database (SQLite, then PostgreSQL), closed after the test."""
    opened = open_store(backend.url)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The app on a fresh SQLite file, started through its lifespan, for the JSON API tests."""
    with running(tmp_path / "api.db") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def suggestion_engine_loaded() -> None:
    """Load the suggestion engine's word lists and model once for the session, as a running server
    has after its first console: a test then waits for its own event's notes, not for that."""
    from workshop.suggestions.engine import ThemeIndex

    ThemeIndex("en").add_note("warm", "Buses to the villages")
