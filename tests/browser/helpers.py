"""What a person does in the browser, as small steps the flows are written from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from playwright.async_api import BrowserContext, Locator, Page, expect

LIVE_TIMEOUT = 5_000  # ms: how long a live update may take to show (it normally takes well under a second)

# Counts live-socket events in the page, so a test can wait until a board is really connected
# (and see that it reconnected) without sleeping. Runs before the page's own scripts.
LIVE_PROBE = """
window.__ws = {opens: 0, messages: 0, closes: 0};
document.addEventListener("htmx:wsOpen", function () { window.__ws.opens += 1; });
document.addEventListener("htmx:wsAfterMessage", function () { window.__ws.messages += 1; });
document.addEventListener("htmx:wsClose", function () { window.__ws.closes += 1; });
"""


async def live_page(context: BrowserContext, url: str) -> Page:
    """Open a live page and wait until its socket is open and its first state has been applied."""
    page = await context.new_page()
    await page.add_init_script(LIVE_PROBE)
    await page.goto(url)
    await wait_live(page)
    return page


async def wait_live(page: Page, opens: int = 1) -> None:
    """Wait until the page's socket has opened `opens` times and the latest one delivered its first frame."""
    await page.wait_for_function(
        "n => window.__ws && window.__ws.opens >= n && window.__ws.messages >= n", arg=opens, timeout=LIVE_TIMEOUT * 3
    )
    # Marks this document: if the page reloaded, the mark is gone (see still_same_document).
    await page.evaluate("window.__sameDocument = true")


async def still_same_document(page: Page) -> None:
    assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"


async def join_by_code(context: BrowserContext, code: str, name: str | None = None) -> Page:
    """A participant types the code from the wall on /join, then joins their site."""
    page = await context.new_page()
    await page.add_init_script(LIVE_PROBE)
    await page.goto("/join")
    await page.get_by_label("Workshop code").fill(code)
    await page.get_by_role("button", name="Continue").click()
    if name:
        await page.get_by_label("Your name (optional)").fill(name)
    await page.get_by_role("button", name="Join", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/sites/[^/]+/phone"))
    await wait_live(page)
    return page


async def post_note(phone: Page, text: str) -> None:
    """Two taps: the note box (then typing), and Post."""
    await phone.get_by_label("Your note").fill(text)
    await phone.get_by_role("button", name="Post", exact=True).click()


def note(page: Page, text: str, within: str = "") -> Locator:
    return page.locator(f"{within} .note".strip(), has_text=text)


async def shows_once(page: Page, text: str, within: str = "") -> None:
    found = note(page, text, within)
    await expect(found).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(found).to_have_count(1)


# -- accessibility ------------------------------------------------------------------------------

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}


async def axe(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical violations, after waiting for it to settle."""
    await page.wait_for_load_state("load")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the driver, not added as an inline <script>: the page's CSP rightly refuses those.
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    results = await page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )
    return [violation for violation in results if violation["impact"] in BLOCKING]


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in found.items():
        for violation in violations:
            lines.append(f"\n{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {node['target']}\n      " + node["summary"].replace("\n", "\n      "))
            if len(violation["nodes"]) > 5:
                lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "".join(lines)


def like_app_js(client: httpx.Client, page: str) -> httpx.Client:
    """A test's own cookie client, set up to change things as the pages do: it opens `page` (which
    sets the CSRF cookie) and then sends that token as the X-CSRFToken header, as app.js does."""
    assert client.get(page).status_code == 200
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client
