"""A phone posting or voting too fast, in the browser: the outbox keeps a note refused with 429 and
sends it again after Retry-After, and says why meanwhile; a vote refused with 429 says how long to
wait, sends nothing until then, and counts once the wait is over (the limits themselves:
tests/test_floods.py)."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Route, expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, join_by_code, live_page, post_note, shows_once
from tests.browser.test_voting import PHASES, host_api, next_phase
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

OUTBOX_SIZES = "Object.keys(localStorage).filter(k => k.startsWith('workshop-outbox:')).map(k => JSON.parse(localStorage.getItem(k)).length)"


async def test_a_note_refused_for_posting_too_fast_waits_in_the_outbox_and_goes_later(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    phone = await join_by_code(await contexts.phone(), aalborg.join_code)
    refused: list[str] = []

    async def too_fast_once(route: Route) -> None:
        if route.request.method == "POST" and not refused:
            refused.append(json.loads(route.request.post_data or "{}")["client_id"])
            body = {"error": "too_many_requests", "message": "You are posting notes or build-ons too fast: at most 20 per 1 minute. Try again in 1 second."}
            await route.fulfill(status=429, headers={"Retry-After": "1"}, json=body)
        else:
            await route.continue_()

    await phone.route("**/api/v1/sites/*/notes", too_fast_once)
    await post_note(phone, "Shade sails over the square")
    await expect(phone.locator("#post-status")).to_contain_text("You are posting very fast", timeout=LIVE_TIMEOUT)
    await expect(phone.get_by_label("Your note")).to_have_value("")  # not dropped: it waits in the outbox
    assert refused and await phone.evaluate(OUTBOX_SIZES) == [1]

    await shows_once(site_board, "Shade sails over the square", "#notes")  # sent again, once
    await expect(phone.locator("#post-status")).to_have_text("Posted.", timeout=LIVE_TIMEOUT)
    assert await phone.evaluate(OUTBOX_SIZES) == [0]


async def test_a_vote_refused_for_voting_too_fast_says_how_long_and_waits_that_long(contexts: Contexts, event: Event, server: LiveServer) -> None:
    aalborg = event.sites[0]
    with host_api(server, event) as api:
        assert api.put(f"/api/v1/events/{event.id}/agenda", json={"phases": PHASES}).status_code == 200
        next_phase(api, event)  # Ideas
        author = api.post("/api/v1/join", json={"code": aalborg.join_code}).json()["participant_token"]
        assert api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": "Shade trees"}, headers={"Authorization": f"Bearer {author}"}).status_code == 201
        phone = await join_by_code(await contexts.phone(), aalborg.join_code)
        next_phase(api, event)  # Voting

    sent: list[str] = []

    async def too_fast_once(route: Route) -> None:
        sent.append(route.request.method)
        if len(sent) == 1:
            body = {"error": "too_many_requests", "message": "You are voting too fast: at most 30 per 1 minute. Try again in 2 seconds."}
            await route.fulfill(status=429, headers={"Retry-After": "2"}, json=body)
        else:
            await route.continue_()

    await phone.route("**/api/v1/notes/*/votes", too_fast_once)
    vote = phone.get_by_role("button", name="Vote for: Shade trees", exact=True)
    await expect(vote).to_be_visible(timeout=LIVE_TIMEOUT)
    await vote.click()
    message = phone.locator("#vote-message")
    await expect(message).to_have_text("You are voting very fast. Wait 2 seconds and try again.")
    await vote.click()  # within the wait: said again, nothing sent
    await expect(message).to_contain_text("You are voting very fast. Wait ")
    assert sent == ["POST"]
    await expect(message).to_be_hidden(timeout=LIVE_TIMEOUT)  # the wait is over
    await vote.click()
    await expect(phone.locator("#vote-left")).to_have_text("2 of 3 votes left", timeout=LIVE_TIMEOUT)
    assert sent == ["POST", "POST"]
