"""Fixtures shared by the store, access, CLI and API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from starlette.testclient import TestClient

from tests.api_helpers import running
from workshop.store import Store, open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's SQLite file lives (not created until a store opens it)."""
    return tmp_path / "workshop.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """An opened, migrated SQLite store on a fresh file, closed after the test."""
    opened = open_store(str(db_path))
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
