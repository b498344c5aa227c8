"""Dot voting in the browser: a phone votes in a voting phase without a reload, the site board shows
the total once the facilitator reveals it, and a phone that votes after voting closed is told why."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, WebSocketRoute, expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, axe, describe, join_by_code, live_page, note, still_same_document
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PHASES = [
    {"name": "Ideas", "minutes": 20, "allows": ["post"]},
    {"name": "Voting", "minutes": 10, "allows": ["vote"]},
    {"name": "Wrap-up", "minutes": 5, "allows": []},
]


def host_api(server: LiveServer, event: Event) -> httpx.Client:
    token = httpx.URL(event.host_url).params["token"]
    return httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {token}"})


def next_phase(api: httpx.Client, event: Event) -> None:
    assert api.post(f"/api/v1/events/{event.id}/clock", json={"action": "next"}).status_code == 200


async def join_without_live_updates(context: BrowserContext, code: str) -> Page:
    """A phone whose live socket never delivers anything (a flaky network): its page goes stale."""
    async def silent(socket: WebSocketRoute) -> None:
        return None  # never connected to the server, so nothing arrives

    await context.route_web_socket(re.compile(r"/live\?"), silent)
    page = await context.new_page()
    await page.goto(f"/join/{code}")
    await page.get_by_role("button", name="Join", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/sites/[^/]+/phone"))
    return page


async def test_a_phone_votes_and_the_board_shows_the_total_once_revealed(contexts: Contexts, event: Event, server: LiveServer) -> None:
    aalborg = event.sites[0]
    with host_api(server, event) as api:
        assert api.put(f"/api/v1/events/{event.id}/agenda", json={"phases": PHASES}).status_code == 200
        assert api.put(f"/api/v1/events/{event.id}/voting", json={"budget": 3, "several_per_note": False, "hidden": True}).status_code == 200
        next_phase(api, event)  # Ideas
        author = api.post("/api/v1/join", json={"code": aalborg.join_code}).json()["participant_token"]
        for text in ("Shade trees", "Bike lanes"):
            posted = api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": text}, headers={"Authorization": f"Bearer {author}"})
            assert posted.status_code == 201, posted.text

        board = await live_page(await contexts.screen(), aalborg.board_url)
        console = await live_page(await contexts.screen(), aalborg.facilitator_url)
        phone = await join_by_code(await contexts.phone(), aalborg.join_code)
        late_phone = await join_without_live_updates(await contexts.phone(), aalborg.join_code)
        vote_for_trees = phone.get_by_role("button", name="Vote for: Shade trees", exact=True)
        await expect(vote_for_trees).to_be_hidden()  # not in the idea phase

        next_phase(api, event)  # Voting opens: the phone's buttons appear without a reload
        await expect(vote_for_trees).to_be_visible(timeout=LIVE_TIMEOUT)
        await expect(phone.locator("#vote-left")).to_have_text("3 of 3 votes left")
        await late_phone.reload()  # this one saw voting open once, then heard nothing more
        await late_phone.evaluate("window.__stale = true")  # gone if a refusal reloaded the page

        await vote_for_trees.click()
        await expect(phone.locator("#vote-left")).to_have_text("2 of 3 votes left", timeout=LIVE_TIMEOUT)
        take_back = phone.get_by_role("button", name="Take back a vote for: Shade trees")
        await expect(take_back).to_be_visible()
        await still_same_document(phone)
        violations = await axe(phone)
        assert not violations, describe({"phone, voting": violations})

        # Hidden on the board; the facilitator sees the total live and reveals it.
        trees_on_board = note(board, "Shade trees").locator(".note__votes")
        await expect(note(console, "Shade trees").locator(".note__votes")).to_have_text(re.compile(r"1 vote$"), timeout=LIVE_TIMEOUT)
        await expect(trees_on_board).to_be_hidden()
        await console.get_by_role("button", name="Reveal the totals").click()
        await expect(console.get_by_role("button", name="Hide the totals")).to_be_visible()
        await expect(trees_on_board).to_have_text(re.compile(r"1 vote$"), timeout=LIVE_TIMEOUT)
        await still_same_document(board)
        await expect(note(board, "Bike lanes").locator(".note__votes")).to_be_hidden()  # no votes: nothing shown

        # Another vote goes up on the board as it is cast; taking it back takes it down.
        await phone.get_by_role("button", name="Vote for: Bike lanes", exact=True).click()
        await expect(note(board, "Bike lanes").locator(".note__votes")).to_have_text(re.compile(r"1 vote$"), timeout=LIVE_TIMEOUT)
        await phone.get_by_role("button", name="Take back a vote for: Bike lanes").click()
        await expect(note(board, "Bike lanes").locator(".note__votes")).to_be_hidden(timeout=LIVE_TIMEOUT)
        await expect(phone.locator("#vote-left")).to_have_text("2 of 3 votes left")

        next_phase(api, event)  # Wrap-up: voting closes
        await expect(vote_for_trees).to_be_hidden(timeout=LIVE_TIMEOUT)
        await late_phone.get_by_role("button", name="Vote for: Bike lanes", exact=True).click()
        refusal = late_phone.locator("#vote-message")
        await expect(refusal).to_have_text("Voting is not open in this phase. Wait until the facilitator starts a voting phase.")
        await expect(refusal).to_have_attribute("role", "alert")
        assert await late_phone.evaluate("window.__stale === true"), "the refusal reloaded the page"
        await expect(trees_on_board).to_have_text(re.compile(r"1 vote$"))  # what was cast stands

        # The host reads the results across sites, as shares of each site's votes.
        host = await (await contexts.screen()).new_page()
        await host.goto(event.host_url)
        results = host.locator("#results table")
        await expect(results.get_by_role("row").nth(1)).to_contain_text("Shade trees")
        await expect(results.get_by_role("row").nth(1)).to_contain_text("100%")
        found = {"console, revealed": await axe(console), "dashboard with results": await axe(host)}
        assert not any(found.values()), describe(found)
