"""Privacy: a host deletes an event (API, live sockets, dashboard), and closed events are deleted after retention."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from tests.api_helpers import API, bearer, check_error, csrf_ready, join, make_event, post_note, query_token, running
from tests.servers import LiveServer
from tests.test_cli import workshop as run_cli
from tests.test_live import auth, live_url, messages, new_event
from tests.test_pages import add_site, create_event, join as join_page, other_browser
from workshop import retention
from workshop.access import Tokens
from workshop.bus import MemoryBus
from workshop.config import Settings
from workshop.service import Workshop
from workshop.store import open_store
from workshop.web.app import create_app

# -- deleting through the API ---------------------------------------------------------------------------


def rows_of(database: Path, event_id: str) -> dict[str, int]:
    """Rows that name the event, per table of the SQLite file (read around the app)."""
    with sqlite3.connect(database) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            key = "id" if table == "events" else "event_id" if "event_id" in columns else None
            if key is not None:
                found[table] = conn.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", (event_id,)).fetchone()[0]
        return found


def test_only_the_host_deletes_an_event_and_then_it_is_gone(tmp_path: Path) -> None:
    database = tmp_path / "api.db"
    with running(database) as client:
        world = make_event(client)
        phone = join(client, world.sites[0], name="Ana")
        assert post_note(client, phone, "Shade on the school route").status_code == 201
        facilitator = bearer(query_token(world.sites[0]["facilitator_url"]))
        viewer = bearer(query_token(world.created["board_url"]))
        other = make_event(client, sites=0)

        check_error(client.delete(f"{API}/events/{world.id}"), 401, "unauthorized")
        for refused in (phone.auth, facilitator, viewer, other.host):
            check_error(client.delete(f"{API}/events/{world.id}", headers=refused), 403, "forbidden")
        assert rows_of(database, world.id)["notes"] == 1  # refusals deleted nothing

        deleted = client.delete(f"{API}/events/{world.id}", headers=world.host)
        assert deleted.status_code == 204 and deleted.content == b""

        assert set(rows_of(database, world.id).values()) == {0}
        check_error(client.delete(f"{API}/events/{world.id}", headers=world.host), 404, "not_found")  # asking again
        for token in (world.host, phone.auth, facilitator, viewer):  # every token died with the event
            check_error(client.get(f"{API}/events/{world.id}", headers=token), 401)
        check_error(client.post("/api/v1/join", json={"code": world.sites[0]["join_code"]}), 404, "unknown_code")
        assert client.get(f"{API}/events/{other.id}", headers=other.host).status_code == 200  # others untouched
        check_error(client.delete(f"{API}/events/no-such-event", headers=other.host), 403)


async def test_deleting_an_event_closes_its_live_sockets_with_4004(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "live.db").start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            event, kept = await new_event(api), await new_event(api)
            host = auth(event["host_token"])
            shared_board = "?format=html&view=shared-board&lang=en"
            async with (
                connect(live_url(server, event), additional_headers=host) as stream,
                connect(live_url(server, event, shared_board), additional_headers=host) as board,
                connect(live_url(server, kept), additional_headers=auth(kept["host_token"])) as other,
            ):
                await messages(stream, 1)  # the snapshot
                await board.recv()
                await messages(other, 1)
                assert (await api.delete(f"/api/v1/events/{event['id']}", headers=host)).status_code == 204
                async with asyncio.timeout(5):
                    told = json.loads(await stream.recv())
                    await stream.wait_closed()
                    await board.wait_closed()
                assert told == {"type": "error", "error": "event_deleted", "message": "event deleted"}
                assert (stream.close_code, stream.close_reason) == (4004, "event deleted")
                assert board.close_code == 4004
                # Another event's socket carries on.
                posted = await api.post(f"/api/v1/sites/{kept['sites'][0]['id']}/notes", json={"text": "still here"}, headers=kept["sites"][0]["phone"])
                assert posted.status_code == 201
                (note,) = await messages(other, 1)
                assert note["type"] == "note.created"
            async with connect(live_url(server, event), additional_headers=host) as late:
                await late.wait_closed()
            assert late.close_code in (4001, 4004)  # the host token went with the event
    finally:
        server.stop()


# -- deleting on the dashboard ----------------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[TestClient]:
    """One person's browser: cookies kept, redirects not followed."""
    with TestClient(create_app(Settings(database=str(tmp_path / "pages.db"))), follow_redirects=False) as client:
        yield csrf_ready(client)


def test_the_host_deletes_the_event_after_typing_its_title(browser: TestClient) -> None:
    event_id = create_event(browser, title="Climate week")
    site_id, code = add_site(browser, event_id, "Aalborg")
    phone = other_browser(browser)
    join_page(phone, code)

    dashboard = browser.get(f"/host/{event_id}")
    assert f'href="/host/{event_id}/delete"' in dashboard.text and "Delete this workshop" in dashboard.text
    confirm = browser.get(f"/host/{event_id}/delete")
    assert confirm.status_code == 200
    assert 'for="confirm-title"' in confirm.text and 'name="confirm_title"' in confirm.text and "Climate week" in confirm.text
    assert "<script" not in confirm.text.split("<main", 1)[-1].split("</main>")[0]  # a plain form: no JavaScript needed

    wrong = browser.post(f"/host/{event_id}/delete", data={"confirm_title": "Climate"})
    assert wrong.status_code == 422
    assert 'role="alert"' in wrong.text and 'aria-invalid="true"' in wrong.text and 'value="Climate"' in wrong.text
    assert browser.get(f"/host/{event_id}").status_code == 200  # still there

    assert phone.get(f"/host/{event_id}/delete").status_code in (401, 403)
    assert phone.post(f"/host/{event_id}/delete", data={"confirm_title": "Climate week"}).status_code in (401, 403)

    done = browser.post(f"/host/{event_id}/delete", data={"confirm_title": "  climate   WEEK "})  # case and spacing aside
    assert done.status_code == 303 and done.headers["location"] == "/deleted"
    assert 'ow_host=""' in done.headers["set-cookie"] or "ow_host=;" in done.headers["set-cookie"]
    assert "deleted" in browser.get("/deleted").text
    assert browser.get(f"/host/{event_id}").status_code in (401, 404)
    assert phone.get(f"/sites/{site_id}/phone").status_code in (401, 404)


def test_the_confirmation_page_is_translated(browser: TestClient) -> None:
    event_id = create_event(browser, language="da")
    page = browser.get(f"/host/{event_id}/delete")
    assert page.status_code == 200 and 'lang="da"' in page.text
    assert "Slet" in page.text and "Delete this workshop" not in page.text
    wrong = browser.post(f"/host/{event_id}/delete", data={"confirm_title": "nej"})
    assert wrong.status_code == 422 and "That is not the workshop's title" not in wrong.text


# -- retention ---------------------------------------------------------------------------------------------


async def closed_long_ago(database: Path, *, days_ago: int) -> tuple[str, str]:
    """A closed event whose closing is back-dated `days_ago` days, and an open one; their ids."""
    store = open_store(str(database))
    await store.open()
    try:
        service = Workshop(store, Tokens("k" * 32, store), MemoryBus())
        old = (await service.create_event(title="Old", theme="Closed long ago")).event
        await service.update_event(old.id, {"status": "live"})
        await service.update_event(old.id, {"status": "closed"})
        fresh = (await service.create_event(title="Running", theme="Still going")).event
    finally:
        await store.close()
    then = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE event_log SET created_at = ? WHERE event_id = ? AND type = 'event.updated'", (then, old.id))
    return old.id, fresh.id


async def test_purge_deletes_closed_events_older_than_the_retention(tmp_path: Path) -> None:
    database = tmp_path / "retention.db"
    old_id, fresh_id = await closed_long_ago(database, days_ago=10)
    store = open_store(str(database))
    await store.open()
    try:
        service = Workshop(store, Tokens("k" * 32, store), MemoryBus())
        assert await retention.purge(service, 30) == []  # not old enough for 30 days
        found = await retention.purge(service, 7, dry_run=True)
        assert [event.id for event in found] == [old_id]
        assert await service.event_exists(old_id)  # a dry run deletes nothing
        deleted = await retention.purge(service, 7)
        assert [event.title for event in deleted] == ["Old"]
        assert not await service.event_exists(old_id) and await service.event_exists(fresh_id)
        assert await retention.purge(service, 7) == []
    finally:
        await store.close()
    with pytest.raises(ValueError):
        retention.cutoff(0)


def test_the_server_purges_in_the_background_when_retention_is_set(tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    old_id, fresh_id = asyncio.run(closed_long_ago(database, days_ago=3))
    with running(database, retention_days=2, retention_interval=0.05) as client:
        deadline = time.monotonic() + 5
        while rows_of(database, old_id)["events"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(rows_of(database, old_id).values()) == {0}
        assert rows_of(database, fresh_id)["events"] == 1
        assert client.get("/healthz").status_code == 200


def test_without_retention_the_server_keeps_closed_events(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    old_id, _ = asyncio.run(closed_long_ago(database, days_ago=400))
    with running(database, retention_interval=0.05) as client:  # retention_days defaults to 0: off
        time.sleep(0.3)
        assert client.get("/healthz").status_code == 200
    assert rows_of(database, old_id)["events"] == 1


def test_workshop_purge_prints_what_it_deletes(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    old_id, fresh_id = asyncio.run(closed_long_ago(database, days_ago=10))
    off = run_cli("purge", "--database", str(database), cwd=tmp_path)
    assert off.returncode == 2 and "retention is off" in off.stderr

    dry = run_cli("purge", "--database", str(database), "--retention-days", "7", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert f"Would delete event {old_id} ('Old')" in dry.stdout and rows_of(database, old_id)["events"] == 1

    done = run_cli("purge", "--database", str(database), env={"WORKSHOP_RETENTION_DAYS": "7"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Deleted event {old_id} ('Old')" in done.stdout and fresh_id not in done.stdout
    assert set(rows_of(database, old_id).values()) == {0} and rows_of(database, fresh_id)["events"] == 1
    again = run_cli("purge", "--database", str(database), "--retention-days", "7", cwd=tmp_path)
    assert again.returncode == 0 and "No event" in again.stdout

    bad = run_cli("purge", "--database", str(database), "--retention-days", "-1", cwd=tmp_path)
    assert bad.returncode == 2 and "days" in bad.stderr


def test_retention_and_access_log_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings().retention_days == 0 and Settings().access_log  # retention is off by default
    monkeypatch.setenv("WORKSHOP_RETENTION_DAYS", "30")
    monkeypatch.setenv("WORKSHOP_ACCESS_LOG", "0")
    settings = Settings.from_env()
    assert settings.retention_days == 30 and not settings.access_log
    assert Settings.from_env(retention_days=5).retention_days == 5  # a flag wins over the environment
    monkeypatch.setenv("WORKSHOP_RETENTION_DAYS", "a month")
    with pytest.raises(ValueError, match="WORKSHOP_RETENTION_DAYS"):
        Settings.from_env()
    with pytest.raises(ValueError, match="0"):
        Settings(retention_days=-3)
    serve_help = run_cli("serve", "--help", cwd=tmp_path)
    assert "--retention-days" in serve_help.stdout and "--no-access-log" in serve_help.stdout
    unreadable = run_cli("purge", cwd=tmp_path, env={"WORKSHOP_RETENTION_DAYS": "soon"})
    assert unreadable.returncode == 2 and "WORKSHOP_RETENTION_DAYS must be a whole number" in unreadable.stderr
