"""A phone posting too fast, in the browser: the outbox keeps a note refused with 429 and sends it
again after Retry-After, and says why meanwhile (the limits themselves: tests/test_floods.py)."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Route, expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, join_by_code, live_page, post_note, shows_once

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
