"""Hostile text: one catalogue of what people (or a mischievous participant) may type, for every test
that proves user text is shown as text, never run as markup, and never breaks a layout.

Each string is something a real person could send through a phone, a console or the API: markup and
script, template and spreadsheet syntax, Markdown that would forge structure, bidirectional overrides,
invisible characters, emoji sequences, combining marks piled up, and one very long word. The tests
that use this list (tests/test_hostile_*.py, tests/browser/test_hostile.py) post them everywhere the
public's words go (notes, names, site names, theme names, the event's title and theme, phase names)
and read them back from the pages, the live pushes, the exports and the API.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.api_helpers import running

# -- markup and script --------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(1)>"
ATTRIBUTE_BREAK = '"><b>bold</b>'  # closes an attribute value, then opens an element
SINGLE_QUOTE_BREAK = "'><i>italic</i>"
STYLE = "</textarea><style>*{display:none}</style>"  # leaves a textarea, then hides the page
IFRAME = '<iframe src="javascript:alert(1)"></iframe>'
JAVASCRIPT_URL = "javascript:alert(1)"
ENTITY = "&lt;b&gt; &amp;amp; &#60;script&#62;"  # already-escaped text must show as typed, not decoded once more
CSS_URL = "url(http://evil.example/x.png) @import 'http://evil.example/x.css';"  # nothing may fetch it (the PDF)
IMG_REMOTE = '<img src="http://evil.example/pixel.png"><link rel=stylesheet href="file:///etc/passwd">'

# -- template syntax (Jinja renders our pages; user text must never be a template) ------------------------

JINJA = "{{ 7*7 }} {% raw %}{{ config }}{% endraw %} {# comment #}"

# -- spreadsheet formulas (CSV injection) ------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","click me")'
FORMULAS = (FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0")

# -- Markdown that would forge structure in the Markdown summary ------------------------------------------

MARKDOWN = "# Vote now | **bold** _it_ [click](javascript:alert(1)) ![x](http://evil.example/x.png) `code` ~~gone~~"
MARKDOWN_LINES = "- a list item\n1. a numbered one\n> a quote\n---\n| a | table |\n    code"

# -- bidirectional text -------------------------------------------------------------------------------------

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows shows reversed until a PDF or the end of the paragraph
LRO = "\u202d"
RLE = "\u202b"
RLI = "\u2067"
PDI = "\u2069"
BIDI_OVERRIDE = f"abc{RLO}gpj.exe"  # a name that reads "abcexe.jpg" when the override leaks
BIDI_MIXED = f"{RLE}{LRO}{RLI}nested{PDI}"  # embeddings and overrides left open on purpose
BIDI_STRAY_PDI = f"{PDI}{RLO}stray"  # a lone PDI first, to close an isolate early if one were only a character
ARABIC = "مرحبا بالعالم"  # real right-to-left text must still read right to left

# -- invisible characters, emoji, combining marks --------------------------------------------------------------

ZERO_WIDTH = "Da\u200bta\u200c \u200dsha\u2060ring\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
EMOJI_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one family made of four and three joiners
EMOJI_FLAGS = "\U0001f1e9\U0001f1f0\U0001f1f8\U0001f1ea\U0001f1f3\U0001f1f1"  # Denmark, Sweden, the Netherlands
EMOJI_SKIN = "\U0001f44d\U0001f3fd \U0001f3f3\ufe0f\u200d\U0001f308"  # a thumbs-up with a skin tone, a rainbow flag
EMOJI = f"{EMOJI_FAMILY} {EMOJI_FLAGS} {EMOJI_SKIN}"
_MARKS = "".join(chr(code) for code in range(0x0300, 0x0300 + 12))  # twelve combining marks on every letter
# NFC already (as the rules store it: rules.clean_text), so it round-trips character for character.
ZALGO = unicodedata.normalize("NFC", "".join(letter + _MARKS for letter in "Zalgo text"))  # marks stacked high and wide

# -- length ----------------------------------------------------------------------------------------------

LONG_WORD = ("Donaudampfschifffahrtsgesellschaftskapitän" * 8)[:300]  # 300 characters, no space to break at


def long_word(length: int) -> str:
    """A word of `length` characters without a space, for fields shorter than a note."""
    return (LONG_WORD * (length // len(LONG_WORD) + 1))[:length]


# -- names made of nothing visible: the rules refuse them as empty (a clear 4xx) ------------------------------

INVISIBLE_NAMES = (
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\u2060\ufeff",  # every zero-width character at once
    f"{RLO}{PDI}\u200e\u200f",  # bidi controls and marks
    "\u3164",  # HANGUL FILLER: a letter that draws nothing
    "\u2800",  # BRAILLE PATTERN BLANK
    "\ufe0f\u034f",  # a variation selector and a combining grapheme joiner with nothing to join
    "\u00ad",  # a soft hyphen alone
)

# -- everything that must show as typed -------------------------------------------------------------------

# The note texts a test posts (each fits a note's 500 characters).
# The first few of each site go into themes (hostile_event), so the theme boxes get the override, the long word and Zalgo.
NOTES = (
    BIDI_OVERRIDE, LONG_WORD, ZALGO, SCRIPT, IMG, SVG, ATTRIBUTE_BREAK, SINGLE_QUOTE_BREAK, STYLE, IFRAME, JAVASCRIPT_URL,
    ENTITY, CSS_URL, IMG_REMOTE, JINJA, *FORMULAS, MARKDOWN, MARKDOWN_LINES, BIDI_MIXED, BIDI_STRAY_PDI, ARABIC,
    ZERO_WIDTH, EMOJI,
)

# Short hostile strings that fit every name field (a display name holds 60 characters, a theme name 60).
NAMES = (SCRIPT, IMG, SVG, ATTRIBUTE_BREAK, STYLE[:60], JINJA[:40], FORMULA[:60], "# **Heading** | [x](javascript:1)",
         BIDI_OVERRIDE, BIDI_STRAY_PDI, EMOJI_FAMILY, ZERO_WIDTH, ZALGO[:60], long_word(60))

# Markup that must never become an element: a CSS selector for each, to look for in a page in the browser.
INJECTED_SELECTORS = ("script:not([src])", "img[src='x']", "svg[onload]", "b", "i", "iframe", "body style", "link[href^='file:']",
                      "img[src^='http://evil']")


# -- reading a page back ------------------------------------------------------------------------------------


class Parsed(HTMLParser):
    """A page as a browser's parser sees it: its elements (tag, attributes) and its runs of text,
    entities decoded. A payload that escaped escaping shows up as an element, not as text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self._tags: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._tags:
            del self._tags[len(self._tags) - 1 - self._tags[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._tags and self._tags[-1] == "style" and "display:none" in data:
            self.elements.append(("style:injected", {}))

    def injected(self) -> list[str]:
        """The payloads' elements and event-handler attributes found as markup: there must be none."""
        found = [f"<{tag} {name}=...>" for tag, attrs in self.elements for name in attrs if name.startswith("on")]
        for tag, attrs in self.elements:
            src, href = attrs.get("src") or "", attrs.get("href") or ""
            if (tag in ("b", "i", "iframe", "style:injected") or (tag == "script" and not src) or src in ("x", "javascript:alert(1)")
                    or "evil.example" in src + href or href.startswith(("file:", "javascript:"))):
                found.append(f"<{tag} {attrs}>")
        return found

    def shows(self, value: str) -> bool:
        """Whether `value` is on the page as text, whole, in one run (not cut by markup)."""
        return any(value in text for text in self.texts)

    def values(self, name: str) -> list[str]:
        """Every value of the attribute `name` (decoded), e.g. what an input holds."""
        return [attrs[name] or "" for _, attrs in self.elements if name in attrs]


def drawn_by_the_server_font(text: str) -> bool:
    """Whether the PDF's font (DejaVu, the only one scripts/setup installs) has glyphs for `text`: it
    has none for the emoji outside the Basic Multilingual Plane, which the PDF draws as empty boxes."""
    return all(ord(ch) < 0x10000 for ch in text)


# -- one event full of it ---------------------------------------------------------------------------------

API = "/api/v1"


@dataclass
class HostileSite:
    id: str
    name: str
    join_code: str
    facilitator_token: str
    board_url: str
    phones: list[str] = field(default_factory=list)  # participant tokens


@dataclass
class HostileEvent:
    """An event whose every user-written field is hostile, set up through the JSON API."""

    id: str
    host_token: str
    title: str
    theme: str
    sites: list[HostileSite]
    notes: dict[str, str]  # text -> note id
    themes: dict[str, str]  # theme name -> theme id
    names: list[str]  # participants' display names
    phase_name: str
    by_site: dict[str, list[str]]  # site id -> its notes' ids, in posting order
    authors: dict[str, str]  # note id -> its author's token (a facilitator's for the note posted for a table)

    def site_of(self, note_id: str) -> HostileSite:
        return next(site for site in self.sites if note_id in self.by_site[site.id])

    @property
    def host(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.host_token}"}


# The sites: a name with a stray PDI and a bidi override left open, one that is markup, one word as long as a site name may be.
SITE_NAMES = (f"Aalborg {PDI}{BIDI_OVERRIDE}", SCRIPT, long_word(100))
TITLE = f"{IMG} {BIDI_OVERRIDE}"
EVENT_THEME = LONG_WORD  # 300 characters, the most an event's theme may have
DESCRIPTION = f"{MARKDOWN_LINES}\n{SCRIPT}\n{JINJA}"
PHASE_NAME = f"{SVG} {RLO}Ideas"
THEME_NAMES = (ATTRIBUTE_BREAK, f"Mobility {BIDI_OVERRIDE}", long_word(60), ZALGO[:60], EMOJI_FAMILY + " " + SCRIPT[:20], "@SUM(A1:A9)")
PROXY_NAME = STYLE[:60]
BUILD_ON = f"{IMG} {LONG_WORD[:200]}"
QUESTION = f"{SVG} {MARKDOWN} {RLO}?"


def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def hostile_event(api: httpx.Client, *, notes: tuple[str, ...] = NOTES, names: tuple[str, ...] = NAMES,
                  theme_names: tuple[str, ...] = THEME_NAMES) -> HostileEvent:
    """Make the event: three hostile sites, an agenda with a hostile phase running, a participant per
    hostile name, every hostile note (spread over the participants), a note posted for a hostile table,
    a build-on and a question across sites, hostile themes with notes of two sites in each, and votes.

    `api` is any httpx client on the app: Starlette's TestClient, or a client of a live server."""
    created = _ok(api.post(f"{API}/events", json={"title": TITLE, "theme": EVENT_THEME, "description": DESCRIPTION}))
    host = {"Authorization": f"Bearer {created['host_token']}"}
    _ok(api.patch(f"{API}/events/{created['id']}", json={"status": "live"}, headers=host), 200)
    sites = []
    for name in SITE_NAMES:
        made = _ok(api.post(f"{API}/events/{created['id']}/sites", json={"name": name, "angle": f"{SVG} {LONG_WORD}"}, headers=host))
        sites.append(HostileSite(made["id"], made["name"], made["join_code"], made["facilitator_token"], made["board_url"]))
    phase = {"name": PHASE_NAME, "minutes": 30, "allows": ["post", "build", "vote"], "instructions": f"{SCRIPT}\n{MARKDOWN}",
             "script": f"{STYLE}\n{JINJA}"}
    _ok(api.put(f"{API}/events/{created['id']}/agenda", json={"phases": [phase]}, headers=host), 200)
    _ok(api.post(f"{API}/events/{created['id']}/clock", json={"action": "next"}, headers=host), 200)

    for number, name in enumerate(names):
        site = sites[number % 2]  # the first two sites; the third keeps few notes, as a quiet site does
        site.phones.append(_ok(api.post(f"{API}/join", json={"code": site.join_code, "name": name, "role": "citizen"}))["participant_token"])
    posted: dict[str, str] = {}
    by_site: dict[str, list[str]] = {}
    authors: dict[str, str] = {}
    phones = [(site, token) for site in sites[:2] for token in site.phones]
    for number, text in enumerate(notes):
        site, token = phones[number % len(phones)]
        posted[text] = _ok(api.post(f"{API}/sites/{site.id}/notes", json={"text": text}, headers=_bearer(token)))["id"]
        by_site.setdefault(site.id, []).append(posted[text])
        authors[posted[text]] = token
    third = sites[2]
    posted[PROXY_NAME + ": " + SCRIPT] = _ok(api.post(
        f"{API}/sites/{third.id}/notes", json={"text": PROXY_NAME + ": " + SCRIPT, "on_behalf_of": PROXY_NAME},
        headers=_bearer(third.facilitator_token)))["id"]
    by_site[third.id] = [posted[PROXY_NAME + ": " + SCRIPT]]
    authors[posted[PROXY_NAME + ": " + SCRIPT]] = third.facilitator_token
    _ok(api.post(f"{API}/notes/{posted[notes[0]]}/build-ons", json={"text": BUILD_ON}, headers=_bearer(sites[1].phones[0])))
    _ok(api.post(f"{API}/sites/{sites[0].id}/sends", json={"question": QUESTION, "to_site_id": sites[1].id},
                 headers=_bearer(sites[0].facilitator_token)))

    themes = {name: _ok(api.post(f"{API}/events/{created['id']}/themes", json={"name": name}, headers=host))["id"]
              for name in theme_names}
    for number, theme_id in enumerate(themes.values()):  # each theme holds a note of each of the first two sites
        for site in sites[:2]:
            if len(by_site.get(site.id, [])) > number:
                _ok(api.put(f"{API}/notes/{by_site[site.id][number]}/theme", json={"theme_id": theme_id}, headers=host), 200)
    for site in sites[:2]:  # everyone votes for the last notes posted, which stay unplaced
        for token in site.phones:
            _ok(api.post(f"{API}/notes/{by_site[site.id][-1]}/votes", headers=_bearer(token)))
    return HostileEvent(created["id"], created["host_token"], TITLE, EVENT_THEME, sites, posted, themes, list(names), PHASE_NAME, by_site, authors)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- fixtures shared by the hostile page and export tests (imported there by name) ----------------


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for a test module, holding one event full of hostile text."""
    with running(tmp_path_factory.mktemp("hostile") / "hostile.db") as client:
        yield client


@pytest.fixture(scope="module")
def event(hostile_app: TestClient) -> HostileEvent:
    return hostile_event(hostile_app)
