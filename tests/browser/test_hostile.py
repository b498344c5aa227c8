"""Hostile text in a real browser: notes, names, site and theme names, the event's title and theme
and a phase's name full of markup, script, bidi overrides, invisible characters, emoji, Zalgo and a
300-letter word (tests/hostile.py), on the phone, the site's board, the shared board, the console
and the host's dashboard, at a 360 x 740 phone and a 1920 x 1080 projector; then more of it live.

Each page must: never open a dialog (every payload calls alert), hold none of the injected elements,
fetch nothing from the payloads' addresses, show each note's text exactly as stored, scroll
sideways nowhere (the document no wider than the viewport, no element wider inside than it is), and
keep a bidi override inside the user text that carries it (what follows it still reads left to right).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests import hostile
from tests.browser.conftest import Contexts
from tests.browser.helpers import LIVE_TIMEOUT, live_page, post_note
from tests.servers import LiveServer
from workshop.domain import rules

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PHONE = {"width": 360, "height": 740}
PROJECTOR = {"width": 1920, "height": 1080}

# Elements wider inside than they are (scrollWidth > clientWidth): a card, a column or the page that
# would scroll sideways or cut its text off. Form fields scroll inside themselves by design, and an
# SVG chart's labels stay inside the chart's own box (the numbers are in the table beside it).
OVERFLOWING = """() => {
  const found = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) found.push(`the page: ${page.scrollWidth} > ${window.innerWidth}`);
  for (const el of document.querySelectorAll("body *")) {
    if (el.matches("input, textarea, select, svg *") || el.closest(".visually-hidden, [hidden]")) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}#${el.id}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return found;
}"""

# Text after user text that carries a right-to-left override or embedding, in the same paragraph:
# it must still read left to right (its first letter after the user text's end, and its next letter
# to the right of the first). Returns how many places could be judged, and those that were reversed.
BIDI_LEAKS = """() => {
  const OPENERS = /[\\u202b\\u202e\\u2067]/;
  const LETTER = /[A-Za-z0-9]/;
  const skipped = node => node.parentElement.closest(".visually-hidden, [hidden], option, select, textarea, script, style, title");
  const inline = el => ["inline", "contents"].includes(getComputedStyle(el).display);
  const paragraphOf = node => { let el = node.parentElement; while (el && inline(el)) el = el.parentElement; return el; };
  const charBox = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
  const boxes = node => { const r = document.createRange(); r.selectNodeContents(node); return Array.from(r.getClientRects()).filter(b => b.width > 0); };
  const sameLine = (a, b) => a.top < b.bottom - 2 && b.top < a.bottom - 2;
  let judged = 0;
  const reversed = [];
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const starts = [];
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (OPENERS.test(node.textContent) && !skipped(node)) starts.push(node);
  }
  for (const start of starts) {
    const paragraph = paragraphOf(start);
    const after = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    after.currentNode = start;
    for (let next = after.nextNode(); next; next = after.nextNode()) {
      if (skipped(next)) continue;
      const text = next.textContent;
      const first = text.search(LETTER);
      if (first < 0) continue;
      const firstBox = charBox(next, first);
      const userEnd = Math.max(-Infinity, ...boxes(start).filter(b => sameLine(b, firstBox)).map(b => b.right));
      let wrong = userEnd > -Infinity && firstBox.left < userEnd - 1;
      if (first + 1 < text.length && LETTER.test(text[first + 1])) {
        const secondBox = charBox(next, first + 1);
        if (sameLine(firstBox, secondBox)) wrong = wrong || secondBox.left <= firstBox.left;
      }
      judged += 1;
      if (wrong) reversed.push(`${paragraph.tagName.toLowerCase()}.${paragraph.className}: ${JSON.stringify(text.trim().slice(0, 40))}`);
      break;
    }
  }
  return {judged, reversed};
}"""

NOTE_TEXTS = "() => Array.from(document.querySelectorAll('.note__text'), el => el.textContent)"
INJECTED = "selectors => selectors.filter(selector => document.querySelector(selector) !== null)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("hostile") / "hostile.db").start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def event(server: LiveServer) -> hostile.HostileEvent:
    with httpx.Client(base_url=server.url, timeout=30) as api:
        return hostile.hostile_event(api)


class Watch:
    """What a page must never do: open a dialog, or ask for a payload's address."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.fetched: list[str] = []

    def on(self, page: Page) -> Page:
        async def dismiss(dialog: Any) -> None:
            self.dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", dismiss)
        page.on("request", lambda request: self.fetched.append(request.url) if _payload_address(request.url) else None)
        return page


def _payload_address(url: str) -> bool:
    return "evil.example" in url or url.startswith("file:") or url.rstrip("/").endswith("/x")


async def open_pages(contexts: Contexts, server: LiveServer, event: hostile.HostileEvent, viewport: dict[str, int],
                     watch: Watch) -> dict[str, Page]:
    """The host's dashboard and shared board, Aalborg's console and board (its facilitator), and a phone there."""
    aalborg = event.sites[0]
    host = await contexts.new(viewport=viewport)
    facilitator = await contexts.new(viewport=viewport)
    phone = await contexts.new(viewport=viewport)
    await phone.add_cookies([{"name": "ow_participant", "value": aalborg.phones[0], "url": server.url}])
    for context in (host, facilitator, phone):
        context.on("page", watch.on)  # on before the page's first byte arrives
    pages = {}
    for name, context, url in (
        ("dashboard", host, f"/host/{event.id}?token={event.host_token}"),
        ("shared board", host, f"/events/{event.id}/board"),
        ("console", facilitator, f"/sites/{aalborg.id}/console?token={aalborg.facilitator_token}"),
        ("board", facilitator, f"/sites/{aalborg.id}/board"),
        ("phone", phone, f"/sites/{aalborg.id}/phone"),
    ):
        pages[name] = await live_page(context, url)
    return pages


async def check_page(name: str, page: Page, expected_notes: set[str]) -> dict[str, Any]:
    """Everything a page must hold to; returns the bidi figures for the caller to sum."""
    assert await page.evaluate(INJECTED, list(hostile.INJECTED_SELECTORS)) == [], name
    shown = set(await page.evaluate(NOTE_TEXTS))
    assert expected_notes <= shown, f"{name}: not shown exactly as stored: {sorted(expected_notes - shown)[:3]}"
    assert await page.evaluate(OVERFLOWING) == [], name
    bidi = await page.evaluate(BIDI_LEAKS)
    assert bidi["reversed"] == [], f"{name}: text after a bidi override reads reversed: {bidi['reversed']}"
    return dict(bidi)


def stored(text: str) -> str:
    return rules.note_text(text)


@pytest.mark.parametrize("viewport", [PHONE, PROJECTOR], ids=["phone-360", "projector-1080p"])
async def test_hostile_text_is_text_stays_in_its_box_and_keeps_its_direction_to_itself(
    contexts: Contexts, server: LiveServer, event: hostile.HostileEvent, viewport: dict[str, int]
) -> None:
    watch = Watch()
    pages = await open_pages(contexts, server, event, viewport, watch)
    aalborg = event.sites[0]
    every_note = {stored(text) for text in event.notes}
    aalborg_notes = {stored(text) for text, note_id in event.notes.items() if note_id in event.by_site[aalborg.id]}
    # The board shows Aalborg's notes as cards (placed ones inside their themes' boxes); the phone every site's.
    expected = {"dashboard": set(), "shared board": every_note, "console": aalborg_notes, "board": aalborg_notes, "phone": every_note}
    judged = 0
    for name, page in pages.items():
        judged += (await check_page(name, page, expected[name]))["judged"]
    # The markup in names is on screen as the characters typed.
    await expect(pages["shared board"].locator(".site-column__name", has_text=hostile.SCRIPT)).to_have_count(1)
    await expect(pages["console"].locator(".participant__name", has_text=hostile.SCRIPT)).to_have_count(1)
    await expect(pages["phone"].locator("#event-title")).to_have_text(event.title)
    assert judged >= 5, "the bidi check found too little text after an override to judge"
    assert watch.dialogs == [] and watch.fetched == []


async def test_hostile_text_arriving_live_is_text_too(contexts: Contexts, server: LiveServer, event: hostile.HostileEvent) -> None:
    watch = Watch()
    pages = await open_pages(contexts, server, event, PHONE, watch)
    aalborg = event.sites[0]
    live_notes = (f"live {hostile.SCRIPT}", f"live {hostile.IMG}", f"live {hostile.BIDI_OVERRIDE}", f"live {hostile.LONG_WORD[:280]}",
                  f"live {hostile.ZALGO}")
    with httpx.Client(base_url=server.url, timeout=30) as api:
        phone = {"Authorization": f"Bearer {aalborg.phones[1]}"}
        for text in live_notes:
            posted = api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": text}, headers=phone)
            assert posted.status_code == 201, posted.text
        theme = api.post(f"/api/v1/events/{event.id}/themes", json={"name": f"live {hostile.SVG}"}, headers=event.host)
        assert theme.status_code == 201, theme.text
        placed = api.put(f"/api/v1/notes/{posted.json()['id']}/theme", json={"theme_id": theme.json()["id"]}, headers=event.host)
        assert placed.status_code == 200, placed.text
        title = api.patch(f"/api/v1/events/{event.id}", json={"title": f"live {hostile.SVG} {hostile.BIDI_OVERRIDE}"}, headers=event.host)
        assert title.status_code == 200, title.text

    typed = f"typed {hostile.SCRIPT} {hostile.BIDI_OVERRIDE} {hostile.IMG}"  # and one typed on the phone, sent by app.js
    await post_note(pages["phone"], typed)
    live_notes += (typed,)
    arrived = {stored(text) for text in live_notes}
    for name in ("shared board", "console", "phone"):
        for text in arrived:
            await expect(pages[name].locator(".note__text", has_text=text[:20]).first).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(pages["phone"].locator("#event-title")).to_have_text(f"live {hostile.SVG} {hostile.BIDI_OVERRIDE}", timeout=LIVE_TIMEOUT)
    await expect(pages["shared board"].locator(".theme__name", has_text=f"live {hostile.SVG}")).to_have_count(1, timeout=LIVE_TIMEOUT)
    for name, page in pages.items():
        await check_page(name, page, arrived if name in ("shared board", "console", "phone") else set())
    assert watch.dialogs == [] and watch.fetched == []


@pytest.mark.parametrize("viewport", [PHONE, PROJECTOR], ids=["phone-360", "projector-1080p"])
async def test_the_html_summary_keeps_hostile_text_in_its_place(
    contexts: Contexts, server: LiveServer, event: hostile.HostileEvent, viewport: dict[str, int]
) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as api:
        summary = api.get(f"/api/v1/events/{event.id}/export?format=html&names=true&hidden=true", headers=event.host)
    assert summary.status_code == 200, summary.text[:300]
    watch = Watch()
    page = watch.on(await (await contexts.new(viewport=viewport)).new_page())
    await page.set_content(summary.text)  # as opened from the e-mail it was sent with
    await check_page("summary", page, set())
    shown = set(await page.evaluate("() => Array.from(document.querySelectorAll('.text'), el => el.textContent)"))
    assert {stored(text) for text in event.notes} <= shown
    assert watch.dialogs == [] and watch.fetched == []
