"""Fixtures shared by the store, access and CLI tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
