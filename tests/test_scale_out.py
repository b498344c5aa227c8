"""Several app processes, one database and one Redis: what a board sees when the work is spread out.

Two real `workshop serve` processes on their own ports share a PostgreSQL database (a fresh schema
of the test server's, see tests/stores.py) and a `redis-server` of the test's own, so it can be
killed and restarted. Phones post over the public API, boards read the
JSON websocket, exactly as in an event; every case is bounded well under 30 seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.processes import AppProcess, RedisServer, redis_server  # noqa: F401 (a fixture)
from tests.stores import postgres_schema
from tests.test_live import auth, messages, new_event


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh PostgreSQL schema, migrated before the processes start, as a deployment's upgrade step does."""
    async with postgres_schema(migrated=True) as url:
        yield url


@dataclass
class Deployment:
    """Two app processes on one database and one Redis, an HTTP client for each, and an event made
    through the first (two sites, a phone each: `event["sites"][i]["phone"]`)."""

    a: AppProcess
    b: AppProcess
    api_a: httpx.AsyncClient
    api_b: httpx.AsyncClient
    event: dict[str, Any]

    def board(self, app: AppProcess, query: str = "") -> connect:
        """The host's board: the JSON live stream of the event, from `app`."""
        url = f"{app.ws_url}/api/v1/events/{self.event['id']}/live{query}"
        return connect(url, additional_headers=auth(self.event["host_token"]))

    async def post(self, number: int, text: str, client_id: str | None = None) -> dict[str, Any]:
        """Post as phone `number` (0: Aalborg, through A; 1: Odense, through B)."""
        return await post((self.api_a, self.api_b)[number % 2], self.event["sites"][number % 2], text, client_id)


@pytest.fixture
async def deployment(tmp_path: Path, database: str, redis_server: RedisServer) -> AsyncIterator[Deployment]:
    a = AppProcess(tmp_path, "a", database=database, redis_url=redis_server.url).start()
    b = AppProcess(tmp_path, "b", database=database, redis_url=redis_server.url).start()
    try:
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as api_a, httpx.AsyncClient(base_url=b.url, timeout=10) as api_b:
            yield Deployment(a, b, api_a, api_b, await new_event(api_a))
    finally:
        a.stop()
        b.stop()


async def post(api: httpx.AsyncClient, site: dict[str, Any], text: str, client_id: str | None = None) -> dict[str, Any]:
    """Post as the site's phone; the answer must be 201 and come quickly, whatever Redis is doing."""
    started = time.monotonic()
    body = {"text": text} if client_id is None else {"text": text, "client_id": client_id}
    response = await api.post(f"/api/v1/sites/{site['id']}/notes", json=body, headers=site["phone"])
    assert response.status_code == 201, response.text
    assert time.monotonic() - started < 1.0, f"a post took {time.monotonic() - started:.2f} s"
    return dict(response.json())


async def live_notes(board: ClientConnection, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The next `count` note entries the board receives (suggestions and the like are skipped)."""
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(found) < count:
            found += [item for item in await messages(board, 1) if item["type"] == "note.created"]
    return found


async def seen_live(board: ClientConnection, deployment: Deployment, number: int, text: str) -> dict[str, Any]:
    """Post, and see it on the board within a second: through Redis, not by a later catch-up."""
    started = time.monotonic()
    posted = await deployment.post(number, text)
    (seen,) = await live_notes(board, 1)
    assert seen["seq"] == posted["seq"] and seen["note"]["text"] == text
    assert time.monotonic() - started < 1.0
    return seen


async def nothing_more(board: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        await live_notes(board, 1, timeout=1.0)


async def test_a_note_posted_through_one_process_reaches_boards_on_both(deployment: Deployment) -> None:
    async with deployment.board(deployment.b) as board_b, deployment.board(deployment.a) as board_a:
        await messages(board_b, 1)
        await messages(board_a, 1)  # the snapshots
        first = await seen_live(board_b, deployment, 0, "Posted through A, seen on B")

        # Phones on both processes at once: both boards get every note, in one order, once.
        posted = [first] + [await deployment.post(number, f"Note {number}") for number in range(10)]
        on_b = [first, *await live_notes(board_b, 10)]
        on_a = await live_notes(board_a, 11)
        assert [item["seq"] for item in on_a] == [item["seq"] for item in on_b] == [note["seq"] for note in posted]
        await nothing_more(board_b)


async def test_redis_restarting_mid_event_loses_nothing(deployment: Deployment, redis_server: RedisServer) -> None:
    async with deployment.board(deployment.b) as board:
        await messages(board, 1)
        await seen_live(board, deployment, 0, "Before the restart")

        redis_server.kill()
        # Redis is away: both processes keep taking notes at once (post() checks 201 within a second).
        posted = [await deployment.post(number, f"During {number}") for number in range(6)]
        await asyncio.sleep(0.5)
        redis_server.start()
        posted += [await deployment.post(0, f"After {number}") for number in range(3)]

        received = await live_notes(board, len(posted), timeout=15)
        assert [item["seq"] for item in received] == [note["seq"] for note in posted]  # in order, none twice
        await nothing_more(board)
        await seen_live(board, deployment, 0, "Redis is back")  # the live path works again, not only the catch-up


async def test_a_killed_process_s_board_reconnects_to_the_other_and_catches_up(deployment: Deployment) -> None:
    async with deployment.board(deployment.a) as board:
        await messages(board, 1)
        posted = [await deployment.post(number, f"Before {number}") for number in range(4)]
        seen = await live_notes(board, 4)
        # Its last note was committed through A; its phone never got the answer and retries through B.
        posted.append(await deployment.post(0, "The last through A", client_id="aalborg-phone-note-9"))
        deployment.a.kill()
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                while True:
                    await board.recv()
    aalborg = deployment.event["sites"][0]
    retried = await post(deployment.api_b, aalborg, "The last through A", client_id="aalborg-phone-note-9")
    assert retried["id"] == posted[-1]["id"]  # the same note, not a second one
    posted += [await deployment.post(1, f"While the board was away {number}") for number in range(3)]

    async with deployment.board(deployment.b, f"?since={seen[-1]['seq']}") as board:
        caught_up = await live_notes(board, 4)
        live = await seen_live(board, deployment, 1, "Live again")
        await nothing_more(board)

    received = [*seen, *caught_up, live]
    assert [item["seq"] for item in received] == [note["seq"] for note in posted] + [live["seq"]]  # in order
    assert len({item["note"]["id"] for item in received}) == len(received)  # none twice
