"""axe-core on every page, on a phone and on a 1080p screen: no serious or critical violation.

axe-core is vendored for the tests only: `vendor/axe.min.js` (see vendor/README.md for its version
and licence). It runs inside the page after the page (and, for live pages, its socket) has settled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, SCREEN, Contexts, Event, make_event
from tests.browser.helpers import AXE, axe, describe, join_by_code, like_app_js, live_page, post_note, shows_once
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the whole module: the checks only read."""
    live = LiveServer(tmp_path_factory.mktemp("axe") / "axe.db").start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def event(server: LiveServer) -> Event:
    """Two sites with notes, and an agenda under way: every page shows its phase banner, the
    dashboard its clock controls and phase editor, the console its script; Odense is paused."""
    made = make_event(server)
    with httpx.Client(base_url=server.url, timeout=10) as api:
        token = api.post("/api/v1/join", json={"code": made.sites[1].join_code}).json()["participant_token"]
        for text, kind in (("Cheaper buses at night", "idea"), ("Who pays for the upkeep?", "question")):
            response = api.post(f"/api/v1/sites/{made.sites[1].id}/notes", json={"text": text, "kind": kind},
                                headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 201, response.text
        host = {"Authorization": f"Bearer {made.host_url.split('token=', 1)[1]}"}
        agenda = api.put(f"/api/v1/events/{made.id}/agenda", json={"kit": "open-workshop"}, headers=host)
        assert agenda.status_code == 200, agenda.text
        ideas = next(phase for phase in agenda.json()["phases"] if "post" in phase["allows"])  # phones post in the checks below
        for move in ({"action": "start", "phase_id": ideas["id"]}, {"action": "pause", "site_id": made.sites[1].id}):
            moved = api.post(f"/api/v1/events/{made.id}/clock", json=move, headers=host)
            assert moved.status_code == 200, moved.text
    with httpx.Client(base_url=server.url, timeout=10) as odense:
        # Themes: one with Odense's first note in it (boxes, counts, labels, the console's selects), and one empty.
        assert odense.get(made.sites[1].facilitator_url.removeprefix(server.url)).status_code == 303  # the facilitator's cookie
        like_app_js(odense, f"/sites/{made.sites[1].id}/console")
        for name in ("Public transport", "Who pays"):
            assert odense.post(f"/sites/{made.sites[1].id}/themes", data={"name": name}).status_code == 303
        console = odense.get(f"/sites/{made.sites[1].id}/console").text
        theme = re.search(r'action="/themes/([\w-]+)/rename"', console)
        note = re.search(r'action="/notes/([\w-]+)/theme"', console)
        assert theme and note
        placed = odense.post(f"/notes/{note.group(1)}/theme", data={"theme_id": theme.group(1), "site_id": made.sites[1].id})
        assert placed.status_code == 303, placed.text
    return made


@pytest.mark.parametrize("viewport", [PHONE, SCREEN], ids=["phone-390x844", "screen-1920x1080"])
async def test_no_serious_violations_on_any_page(contexts: Contexts, event: Event, server: LiveServer, viewport: dict[str, int]) -> None:
    aalborg, odense = event.sites
    found: dict[str, list[dict[str, Any]]] = {}

    async def check(name: str, page: Page) -> None:
        violations = await axe(page)
        if violations:
            found[name] = violations

    anonymous = await (await contexts.new(viewport=viewport)).new_page()
    for name, path in (("home", "/"), ("join", "/join"), ("join (bad code)", "/join?code=XXXXXX"),
                       ("host new", "/host/new"), ("error page", "/sites/no-such-site/board")):
        await anonymous.goto(path)
        await check(name, anonymous)

    phone_context = await contexts.new(viewport=viewport)
    joining = await phone_context.new_page()
    await joining.goto(f"/join/{aalborg.join_code}")
    await check("join (site)", joining)
    phone = await join_by_code(phone_context, aalborg.join_code)
    mine = f"Shade on the playgrounds ({viewport['width']})"  # the server is shared by both runs
    await post_note(phone, mine)
    await shows_once(phone, mine, "#notes")
    await check("phone", phone)
    await phone.locator("#notes .note a").first.click()
    await phone.wait_for_url("**/edit")
    await check("note edit", phone)

    screen = await contexts.new(viewport=viewport)
    board = await live_page(screen, aalborg.board_url)
    await expect(board.locator(f"#phase-{aalborg.id} .phase__timer")).to_be_visible()  # the banner is part of what is checked
    await check("site board", board)
    await check("shared board (columns)", await live_page(screen, event.board_url))
    await check("shared board (mixed)", await live_page(screen, event.board_url.split("?")[0] + "?layout=mixed"))

    facilitator = await contexts.new(viewport=viewport)
    console = await live_page(facilitator, odense.facilitator_url)
    await expect(console.locator(f"#phase-{odense.id} .phase__paused")).to_be_visible()
    await expect(console.locator("#console-phase .script li").first).to_be_visible()
    await check("console", console)
    await expect(console.locator("#theme-list .theme-row")).to_have_count(2)  # the themes, and each note's "Theme" choice
    await console.locator("#theme-list summary").first.click()  # rename, merge and delete fold away; axe checks them open
    await check("console (themes open)", console)
    arranging = await live_page(facilitator, f"/sites/{odense.id}/board")  # opened with the facilitator's rights: drag and drop
    await expect(arranging.locator("#themes .theme")).to_have_count(2)
    await check("site board (arranging)", arranging)
    poster = await facilitator.new_page()
    await poster.goto(f"/sites/{odense.id}/poster")
    await check("poster", poster)

    host = await live_page(await contexts.new(viewport=viewport), event.host_url)
    await expect(host.locator(f"#clock-status-{odense.id}")).to_contain_text("paused")
    await host.locator(".phase-box__summary").first.click()  # the editor folds each phase; axe checks an open one
    await expect(host.locator(".phase-row").first).to_be_visible()
    await check("dashboard", host)
    await check("shared board (host)", await live_page(host.context, f"/events/{event.id}/board"))

    assert not found, f"axe-core found serious or critical violations at {viewport['width']}x{viewport['height']}:" + describe(found)


@pytest.mark.asyncio(loop_scope="module")
async def test_axe_is_vendored_with_its_licence_header() -> None:
    head = AXE.read_text(encoding="utf-8")[:600]
    assert head.startswith("/*! axe v4.") and "Mozilla Public" in head, json.dumps(head[:200])
