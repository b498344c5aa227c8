"""Live sync over real websockets, against a real uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.servers import LiveServer
from workshop.config import RateLimits
from workshop.service import Workshop
from workshop.store import StoreUnavailable


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "live.db").start()
    yield live
    live.stop()


@pytest.fixture
async def api(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


async def new_event(api: httpx.AsyncClient, sites: int = 2) -> dict[str, Any]:
    event = (await api.post("/api/v1/events", json={"title": "Live", "theme": "Sync"})).json()
    host = {"Authorization": f"Bearer {event['host_token']}"}
    event["sites"] = []
    for number in range(sites):
        site = (await api.post(f"/api/v1/events/{event['id']}/sites", json={"name": f"Site {number}"}, headers=host)).json()
        joined = (await api.post("/api/v1/join", json={"code": site["join_code"]})).json()
        site["phone"] = {"Authorization": f"Bearer {joined['participant_token']}"}
        site["participant_token"] = joined["participant_token"]
        event["sites"].append(site)
    return event


async def post(api: httpx.AsyncClient, site: dict[str, Any], text: str, client_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if client_id:
        body["client_id"] = client_id
    response = await api.post(f"/api/v1/sites/{site['id']}/notes", json=body, headers=site["phone"])
    assert response.status_code == 201, response.text
    return dict(response.json())


def live_url(server: LiveServer, event: dict[str, Any], query: str = "") -> str:
    return f"{server.ws_url}/api/v1/events/{event['id']}/live{query}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def messages(socket: ClientConnection, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    """Read until `count` messages arrived (a frame may carry an array of several)."""
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(found) < count:
            frame = json.loads(await socket.recv())
            found.extend(frame if isinstance(frame, list) else [frame])
    return found


async def test_snapshot_then_live_notes_in_order(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    first = await post(api, event["sites"][0], "Before the board connected")
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"])) as board:
        (snap,) = await messages(board, 1)
        assert snap["type"] == "snapshot"
        assert [note["text"] for note in snap["notes"]] == ["Before the board connected"]
        assert snap["seq"] == first["seq"]
        posted = [await post(api, event["sites"][i % 2], f"note {i}") for i in range(10)]
        live = await messages(board, 10)
    assert [m["type"] for m in live] == ["note.created"] * 10
    assert [m["note"]["text"] for m in live] == [f"note {i}" for i in range(10)]
    assert [m["seq"] for m in live] == [p["seq"] for p in posted] == list(range(snap["seq"] + 1, snap["seq"] + 11))


async def test_since_replays_then_goes_live(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    notes = [await post(api, event["sites"][0], f"n{i}") for i in range(5)]
    since = notes[1]["seq"]
    async with connect(live_url(server, event, f"?since={since}"), additional_headers=auth(event["host_token"])) as board:
        replayed = await messages(board, 3)
        assert [m["note"]["text"] for m in replayed] == ["n2", "n3", "n4"]
        await post(api, event["sites"][1], "after")
        (live,) = await messages(board, 1)
    assert live["note"]["text"] == "after"
    assert live["seq"] == notes[-1]["seq"] + 1


async def test_fan_out_reaches_only_the_right_event(server: LiveServer, api: httpx.AsyncClient) -> None:
    ours, theirs = await new_event(api), await new_event(api)
    async with (
        connect(live_url(server, ours), additional_headers=auth(ours["host_token"])) as our_board,
        connect(live_url(server, theirs), additional_headers=auth(theirs["host_token"])) as their_board,
    ):
        await messages(our_board, 1)
        await messages(their_board, 1)
        await post(api, theirs["sites"][0], "only for them")
        await post(api, ours["sites"][0], "only for us")
        (ours_got,) = await messages(our_board, 1)
        (theirs_got,) = await messages(their_board, 1)
        assert ours_got["note"]["text"] == "only for us"
        assert theirs_got["note"]["text"] == "only for them"
        with pytest.raises(TimeoutError):
            await messages(our_board, 1, timeout=0.5)


async def test_participant_phone_receives_its_event(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    phone_b = event["sites"][1]
    url = live_url(server, event, f"?site={phone_b['id']}")
    async with connect(url, additional_headers=auth(phone_b["participant_token"])) as phone:
        await messages(phone, 1)
        await post(api, event["sites"][0], "from the other site")
        (got,) = await messages(phone, 1, timeout=5)
    assert got["note"]["text"] == "from the other site"


async def test_idempotent_post_announced_once(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"])) as board:
        await messages(board, 1)
        first = await post(api, event["sites"][0], "retry me", client_id="phone-1-post-1")
        again = await post(api, event["sites"][0], "retry me", client_id="phone-1-post-1")
        assert again["id"] == first["id"]
        await post(api, event["sites"][0], "next")
        got = await messages(board, 2)
    assert [m["note"]["text"] for m in got] == ["retry me", "next"]


async def test_foreign_origin_is_refused_with_a_4xxx_close(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"]), origin="https://evil.example") as socket:  # type: ignore[arg-type]
        refusal = json.loads(await socket.recv())
        assert refusal["type"] == "error"
        await socket.wait_closed()
    assert socket.close_code == 4003


async def test_own_origin_is_accepted(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"]), origin=server.url) as socket:  # type: ignore[arg-type]
        (snap,) = await messages(socket, 1)
    assert snap["type"] == "snapshot"


async def test_missing_or_foreign_token_is_refused(server: LiveServer, api: httpx.AsyncClient) -> None:
    ours, theirs = await new_event(api), await new_event(api)
    async with connect(live_url(server, ours)) as anonymous:
        await anonymous.wait_closed()
    assert anonymous.close_code == 4001
    async with connect(live_url(server, ours), additional_headers=auth(theirs["host_token"])) as stranger:
        await stranger.wait_closed()
    assert stranger.close_code == 4003


async def test_a_console_or_the_host_view_is_refused_to_those_who_do_not_run_it(server: LiveServer, api: httpx.AsyncClient) -> None:
    """A console carries hidden notes, participants' names and suggestions: only its site's facilitator and the host."""
    event = await new_event(api, sites=2)
    first, second = event["sites"]
    console = f"?format=html&lang=en&view=console&site={first['id']}"
    for token in (first["participant_token"], second["facilitator_token"]):
        async with connect(live_url(server, event, console), additional_headers=auth(token)) as socket:
            await socket.wait_closed()
        assert socket.close_code == 4003
    async with connect(live_url(server, event, "?format=html&lang=en&view=host"), additional_headers=auth(first["facilitator_token"])) as socket:
        await socket.wait_closed()
    assert socket.close_code == 4003
    async with connect(live_url(server, event, console), additional_headers=auth(first["facilitator_token"])) as socket:
        assert "console-phase" in str(await socket.recv())


async def test_client_messages_are_checked_against_the_role(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api)
    site = event["sites"][0]
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"])) as host:
        await messages(host, 1)
        await host.send(json.dumps({"type": "note.create", "text": "host pretending"}))
        (refused,) = await messages(host, 1)
        assert refused == {"type": "error", "error": "forbidden", "message": "Only participants post notes."}
        await host.send(json.dumps({"type": "vote.cast"}))
        (unknown,) = await messages(host, 1)
        assert unknown["error"] == "unknown_type"
        await host.send("x" * 10_000)
        (too_big,) = await messages(host, 1)
        assert too_big["error"] == "too_large"
        await host.send("[" * 2000 + "]" * 2000)  # under the size limit, too deep to parse
        (deep,) = await messages(host, 1)
        assert deep["error"] == "malformed_json"
        await host.send(json.dumps({"type": "ping"}))
        assert (await messages(host, 1)) == [{"type": "pong"}]
    async with connect(live_url(server, event), additional_headers=auth(site["participant_token"])) as phone:
        await messages(phone, 1)
        await phone.send(json.dumps({"type": "note.create", "text": "over the socket", "client_id": "ws-1"}))
        got = await messages(phone, 2)
    kinds = {m["type"]: m for m in got}
    assert kinds["note.ack"]["client_id"] == "ws-1"
    assert kinds["note.created"]["note"]["text"] == "over the socket"


async def test_the_hosts_next_phase_reaches_every_site_at_once(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api, sites=2)
    host = auth(event["host_token"])
    phases = [{"name": "Welcome", "minutes": 5}, {"name": "Ideas", "minutes": 20, "allows": ["post"]}]
    agenda = (await api.put(f"/api/v1/events/{event['id']}/agenda", json={"phases": phases}, headers=host)).json()
    boards = [connect(live_url(server, event, f"?site={site['id']}"), additional_headers=auth(site["facilitator_token"])) for site in event["sites"]]
    async with boards[0] as aalborg, boards[1] as odense:
        snapshots = [(await messages(aalborg, 1))[0], (await messages(odense, 1))[0]]
        assert [s["phases"] for s in snapshots] == [agenda["phases"]] * 2
        assert (await api.post(f"/api/v1/events/{event['id']}/clock", json={"action": "next"}, headers=host)).status_code == 200
        got = [(await messages(aalborg, 1))[0], (await messages(odense, 1))[0]]
    assert got[0] == got[1]  # one entry, the same for both sites
    assert got[0]["type"] == "clock.changed"
    assert {c["phase_id"] for c in got[0]["clocks"]} == {agenda["phases"][0]["id"]}
    assert {c["started_at"] for c in got[0]["clocks"]} == {got[0]["at"]}  # one start time: one countdown


@pytest.mark.parametrize("since", ["\u00b2", "9" * 5000, "-1", "1e3", ""])
async def test_a_bad_since_is_refused_with_a_4000_close(server: LiveServer, api: httpx.AsyncClient, since: str) -> None:
    event = await new_event(api, sites=0)
    async with connect(live_url(server, event, f"?since={since}"), additional_headers=auth(event["host_token"])) as socket:
        refusal = json.loads(await socket.recv())
        await socket.wait_closed()
    assert refusal["type"] == "error" and socket.close_code == 4000


async def test_a_lone_surrogate_in_a_note_is_dropped_not_fatal(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api, sites=1)
    async with connect(live_url(server, event), additional_headers=auth(event["sites"][0]["participant_token"])) as phone:
        await messages(phone, 1)
        await phone.send('{"type": "note.create", "text": "half an emoji \\ud83d", "client_id": "s1"}')
        got = {m["type"]: m for m in await messages(phone, 2)}
        await phone.send('{"type": "note.create", "text": "\\udfff"}')
        (empty,) = await messages(phone, 1)
    assert got["note.created"]["note"]["text"] == "half an emoji"
    assert empty["error"] == "empty"


async def test_a_failure_answering_a_message_is_told_and_the_socket_stays_open(
    server: LiveServer, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await new_event(api, sites=1)

    async def disk_full(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("database or disk is full")

    async def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    async with connect(live_url(server, event), additional_headers=auth(event["sites"][0]["participant_token"])) as phone:
        await messages(phone, 1)
        monkeypatch.setattr(Workshop, "post_note", disk_full)
        await phone.send(json.dumps({"type": "note.create", "text": "kept in the outbox"}))
        (unavailable,) = await messages(phone, 1)
        monkeypatch.setattr(Workshop, "post_note", broken)
        await phone.send(json.dumps({"type": "note.create", "text": "still kept"}))
        (internal,) = await messages(phone, 1)
        await phone.send(json.dumps({"type": "ping"}))
        assert await messages(phone, 1) == [{"type": "pong"}]
    assert (unavailable["type"], unavailable["error"]) == ("error", "unavailable")
    assert (internal["type"], internal["error"]) == ("error", "internal")


async def test_slow_client_is_told_to_resync_while_others_carry_on(tmp_path: Path) -> None:
    # No keepalive: uvicorn would drop the stalled client for not answering its pings on a slow machine,
    # before the notice under test reaches it.
    # 2,500 notes from one phone as fast as possible: far past its rate limit, which this test is not about.
    server = LiveServer(
        tmp_path / "slow.db", ws_ping_interval=None, live_queue_limit=20, live_resync_grace=120.0, rate_limits=RateLimits(enabled=False)
    ).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            event = await new_event(api, sites=1)
            # The stalled client has a tiny receive buffer and stops reading. Loopback kernel buffers
            # still absorb about 2.6 MB (measured), so ~5 MB of emoji-heavy notes are posted: the
            # server's writes back up, the stalled socket's queue overflows, and meanwhile the
            # healthy board gets every note.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", server.port))
            # No keepalive pings from the stalled client: with reading paused it would never see the pong
            # and would abort the socket itself (1006) on a slow machine, before the server's notice.
            stalled = await connect(live_url(server, event), additional_headers=auth(event["host_token"]), sock=sock, ping_interval=None)
            stalled.transport.pause_reading()
            async with connect(live_url(server, event), additional_headers=auth(event["host_token"])) as healthy:
                await messages(healthy, 1)
                count, batch = 2500, 50
                reading = asyncio.create_task(messages(healthy, count, timeout=120))
                for start in range(0, count, batch):
                    await asyncio.gather(*[post(api, event["sites"][0], f"{i} " + "🙂" * 490) for i in range(start, start + batch)])
                got = await reading
                assert sorted(int(m["note"]["text"].split()[0]) for m in got) == list(range(count))
                assert [m["seq"] for m in got] == sorted(m["seq"] for m in got)
            stalled.transport.resume_reading()
            seen: list[dict[str, Any]] = []
            with contextlib.suppress(ConnectionClosed):
                async with asyncio.timeout(60):
                    async for frame in stalled:
                        data = json.loads(frame)
                        seen.extend(data if isinstance(data, list) else [data])
            resync = [m for m in seen if m.get("type") == "resync"]
            assert resync and resync[0]["seq"] < got[-1]["seq"]  # it fell behind, and says where it stopped
            assert len(seen) < count  # it was not sent everything
            assert stalled.close_code == 1013
    finally:
        server.stop()


async def test_html_views_show_the_phase_from_the_entry_and_from_a_fresh_start(server: LiveServer, api: httpx.AsyncClient) -> None:
    event = await new_event(api, sites=2)
    host = auth(event["host_token"])
    first, second = event["sites"]
    phases = [{"name": "Welcome", "minutes": 5, "instructions": "Find a seat."}, {"name": "Ideas", "minutes": 20, "allows": ["post"]}]
    assert (await api.put(f"/api/v1/events/{event['id']}/agenda", json={"phases": phases}, headers=host)).status_code == 200
    html = "?format=html&lang=en&view="
    sockets = {
        "phone": connect(live_url(server, event, f"{html}phone&site={first['id']}"), additional_headers=auth(first["participant_token"])),
        "console": connect(live_url(server, event, f"{html}console&site={first['id']}"), additional_headers=auth(first["facilitator_token"])),
        "shared": connect(live_url(server, event, f"{html}shared-board"), additional_headers=host),
        "host": connect(live_url(server, event, f"{html}host"), additional_headers=host),
    }
    async with sockets["phone"] as phone, sockets["console"] as console, sockets["shared"] as shared, sockets["host"] as dashboard:
        regions = {name: await asyncio.wait_for(socket.recv(), 5) for name, socket in
                   (("phone", phone), ("console", console), ("shared", shared), ("host", dashboard))}
        assert "The workshop has not started yet." in regions["phone"] and f'id="phase-{first["id"]}" aria-labelledby' in regions["phone"]
        assert "Next phase: Welcome" in regions["console"] and "Start the first phase" in regions["console"]
        assert regions["shared"].count("The workshop has not started yet.") == 2
        assert "<bdi>Site 0</bdi>: not started" in regions["host"] and "<bdi>Site 1</bdi>: not started" in regions["host"]

        moved = (await api.post(f"/api/v1/events/{event['id']}/clock", json={"action": "next"}, headers=host)).json()
        started_at = moved["sites"][0]["started_at"]
        frames = {name: str(await asyncio.wait_for(socket.recv(), 5)) for name, socket in
                  (("phone", phone), ("console", console), ("shared", shared), ("host", dashboard))}

    # Rendered from the entry alone: its commit time is the countdown's server time.
    assert f'<section class="phase" id="phase-{first["id"]}"' in frames["phone"] and 'hx-swap-oob="true"' in frames["phone"]
    assert "Phase 1 of 2" in frames["phone"] and ">Welcome</h2>" in frames["phone"] and "Find a seat." in frames["phone"]
    assert f'data-server-now="{started_at}"' in frames["phone"] and 'data-remaining="300.000"' in frames["phone"]
    assert ">5:00 left</span>" in frames["phone"]
    assert '<div id="announcer" hx-swap-oob="innerHTML">Phase 1 of 2 has started: Welcome.</div>' in frames["phone"]
    assert "Next phase: Ideas" in frames["console"] and 'id="console-phase"' in frames["console"]
    assert frames["shared"].count('class="phase phase--compact"') == 2 and "has started at every site: Welcome." in frames["shared"]
    assert "<bdi>Site 0</bdi>: phase 1, <bdi>Welcome</bdi>," in frames["host"] and "Next phase at every site" in frames["host"]
    assert "note" not in frames["host"].replace("notes", "")  # the dashboard gets the clocks, not the notes

    # A page that connects now starts from the same state.
    async with connect(live_url(server, event, f"{html}site-board&site={second['id']}"), additional_headers=auth(second["facilitator_token"])) as board:
        region = str(await asyncio.wait_for(board.recv(), 5))
    assert f'id="phase-{second["id"]}"' in region and ">Welcome</h2>" in region
    assert f'data-ends-at="{moved["sites"][1]["ends_at"]}"' in region  # the same end as every other screen counts to
