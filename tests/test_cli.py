"""The `workshop` command, run as an operator runs it: a separate process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from workshop import __version__
from workshop.store import open_store
from workshop.store.sql import migration_scripts

ALL_VERSIONS = [version for version, _ in migration_scripts("sqlite")]


def workshop(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")}
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args], cwd=cwd, env={**clean, **(env or {})},
        capture_output=True, text=True, timeout=60,
    )


def applied(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = workshop("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "demo", "migrate"):
        assert command in result.stdout
    sub = workshop("serve", "--help", cwd=tmp_path)
    assert sub.returncode == 0
    for flag in ("--database", "--host", "--port", "--public-url", "WORKSHOP_DATABASE"):
        assert flag in sub.stdout
    version = workshop("--version", cwd=tmp_path)
    assert version.returncode == 0 and __version__ in version.stdout


def test_migrate_twice_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "data" / "workshop.db"  # the folder is made when missing
    first = workshop("migrate", "--database", str(db), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"Applied migrations {', '.join(map(str, ALL_VERSIONS))}" in first.stdout
    assert applied(db) == ALL_VERSIONS

    second = workshop("migrate", "--database", f"sqlite:///{db}", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert "Applied" not in second.stdout
    assert applied(db) == ALL_VERSIONS


def test_database_comes_from_the_environment_and_the_flag_wins(tmp_path: Path) -> None:
    from_env = tmp_path / "env.db"
    from_flag = tmp_path / "flag.db"
    result = workshop("migrate", cwd=tmp_path, env={"WORKSHOP_DATABASE": str(from_env)})
    assert result.returncode == 0, result.stderr
    assert applied(from_env) == ALL_VERSIONS

    result = workshop("migrate", "--database", str(from_flag), cwd=tmp_path, env={"WORKSHOP_DATABASE": str(from_env)})
    assert result.returncode == 0, result.stderr
    assert str(from_flag) in result.stdout and "Applied" in result.stdout
    assert applied(from_flag) == ALL_VERSIONS
    assert not (tmp_path / "workshop.db").exists()  # the default was not used


async def test_demo_creates_an_event_and_prints_working_links(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = workshop("demo", "--database", str(db), "--public-url", "https://workshop.example.org/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Host dashboard:" in out and "Shared board:" in out
    urls = re.findall(r"https?://\S+", out)
    assert urls and all(url.startswith("https://workshop.example.org/") for url in urls)
    assert "//host" not in out and ".org//" not in out  # the trailing slash of --public-url was dropped
    codes = re.findall(r"\(join code ([A-Z0-9]{6})\)", out)
    assert len(codes) == 3
    for code in codes:
        assert f"https://workshop.example.org/join/{code}" in out
    assert out.count("facilitator: https://") == 3
    assert out.count("token=f_") == 3 and "token=h_" in out

    store = open_store(str(db))
    await store.open()
    try:
        sites = [await store.site_for_join_code(code) for code in codes]
        assert all(site is not None for site in sites)
        event_id = sites[0].event_id  # type: ignore[union-attr]
        assert {site.event_id for site in sites} == {event_id}  # type: ignore[union-attr]
        assert f"/host/{event_id}?" in out
        board = await store.board(event_id)
        assert board.event.status.value == "live"
        assert [site.name for site in board.sites] == ["Copenhagen", "Aalborg", "Aarhus"]
        assert len(board.notes) == 5
        assert [entry.seq for entry in await store.log_since(event_id, 0)] == list(range(1, board.seq + 1))
    finally:
        await store.close()


def test_bad_flag_exits_non_zero_with_a_message(tmp_path: Path) -> None:
    result = workshop("migrate", "--no-such-flag", cwd=tmp_path)
    assert result.returncode != 0
    assert "unrecognized arguments: --no-such-flag" in result.stderr
    assert "usage: workshop" in result.stderr
    assert not (tmp_path / "workshop.db").exists()


def test_missing_command_exits_non_zero_with_a_message(tmp_path: Path) -> None:
    result = workshop(cwd=tmp_path)
    assert result.returncode != 0
    assert "usage: workshop" in result.stderr
    assert "required" in result.stderr


def test_unsupported_database_url_is_explained_without_a_traceback(tmp_path: Path) -> None:
    result = workshop("migrate", "--database", "mysql://db.example.org/workshop", cwd=tmp_path)
    assert result.returncode == 2
    assert "Unsupported database URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_password_is_never_printed() -> None:
    from workshop.cli import shown

    assert shown("postgresql://workshop:s3cret@db.example.org:5432/workshop") == "postgresql://workshop:***@db.example.org:5432/workshop"
    assert shown("/var/lib/workshop/workshop.db") == "/var/lib/workshop/workshop.db"
