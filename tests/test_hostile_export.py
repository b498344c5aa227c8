"""Hostile text in every export the host downloads (`GET /api/v1/events/{id}/export`): the Markdown
summary (rendered by a CommonMark parser: no raw HTML, no link, image or code, no forged heading,
list, quote or rule), the HTML summary (no markup from the payloads, every text whole), the PDF
(the text read back out equals what was posted; nothing fetched, even for markup that would ask),
the CSV (no cell a spreadsheet would run as a formula) and the JSON (every text exactly as stored).
Right-to-left overrides stay inside the name that carries them in the Markdown and the PDF as well.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader
from starlette.testclient import TestClient

from tests import hostile
from tests.hostile import event, hostile_app  # noqa: F401  (fixtures)
from workshop.domain import rules
from workshop.export import markdown, pdf

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")



def download(hostile_app: TestClient, event: hostile.HostileEvent, fmt: str) -> tuple[bytes, dict[str, str]]:
    response = hostile_app.get(f"/api/v1/events/{event.id}/export?format={fmt}&names=true&hidden=true", headers=event.host)
    assert response.status_code == 200, response.text[:300]
    assert re.fullmatch(r'attachment; filename="[a-z0-9-]+-summary\.\w+"', response.headers["content-disposition"])
    return response.content, dict(response.headers)


def stored_notes(event: hostile.HostileEvent) -> list[str]:
    return [rules.note_text(text) for text in event.notes]


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- Markdown ---------------------------------------------------------------------------------------------


def test_the_markdown_summary_is_text_in_any_commonmark_viewer(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    source = download(hostile_app, event, "md")[0].decode()
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = [token for block in parser.parse(source) for token in [block, *(block.children or [])]]
    kinds = {token.type for token in tokens}
    assert not kinds & {"html_block", "html_inline", "link_open", "image", "code_inline", "code_block", "fence", "s_open", "hr"}, kinds
    rendered = hostile.Parsed(parser.render(source))
    assert rendered.injected() == []
    tags = [tag for tag, _ in rendered.elements]
    assert tags.count("h1") == 1 and tags.count("blockquote") == 1  # the title, and what the summary includes
    assert [text for text in map(one_line, stored_notes(event)) if not rendered.shows(text)] == []  # each note, one line, as typed
    assert rendered.shows(event.title) and all(rendered.shows(site.name) for site in event.sites)


def test_markdown_keeps_a_bidi_override_inside_the_text_that_carries_it() -> None:
    for value in (hostile.BIDI_OVERRIDE, hostile.BIDI_MIXED, hostile.BIDI_STRAY_PDI, hostile.ARABIC, f"{hostile.PDI}{hostile.PDI}{hostile.RLI}x"):
        shown = markdown.text(value)
        assert shown.replace("\u2068", "").replace("\u2069", "") == value.replace("\u2068", "").replace("\u2069", "")
        depth = 0
        for position, ch in enumerate(shown):  # an isolate is open from the first character to the last, and only then closed
            depth += {"\u2066": 1, "\u2067": 1, "\u2068": 1, "\u2069": -1}.get(ch, 0)
            assert depth > 0 or position == len(shown) - 1, (value, shown)
        assert depth == 0, (value, shown)
    assert markdown.text("Aalborg") == "Aalborg"  # plain left-to-right text gets nothing added


# -- HTML -------------------------------------------------------------------------------------------------


def test_the_html_summary_shows_hostile_text_as_text(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    page, headers = download(hostile_app, event, "html")
    assert headers["content-type"].startswith("text/html")
    parsed = hostile.Parsed(page.decode())
    assert parsed.injected() == []
    assert [text for text in stored_notes(event) if not parsed.shows(text)] == []
    assert all(parsed.shows(name) for name in [event.title, *(site.name for site in event.sites), *event.themes, *event.names])
    # A site's name with an override is its own island wherever other text follows it on the line.
    aalborg = re.escape(event.sites[0].name.replace("<", "&lt;").replace(">", "&gt;"))
    assert not re.search(rf"[^>]{aalborg}|{aalborg}[^<]", page.decode())


# -- PDF --------------------------------------------------------------------------------------------------


def read_back(document: bytes) -> str:
    """The PDF's text without what a PDF does not keep: line breaks, spaces and invisible format characters."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    return comparable(text)


def comparable(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


@pytest.fixture(scope="module")
def drawable_event(hostile_app: TestClient) -> hostile.HostileEvent:
    """The hostile event without the emoji the server's font cannot draw (they come out as empty boxes,
    and their two-byte font encoding is more than pypdf reads back: see test_an_emoji_note_still_makes_a_pdf)."""
    def drawn(texts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(text for text in texts if hostile.drawn_by_the_server_font(text))

    return hostile.hostile_event(hostile_app, notes=drawn(hostile.NOTES), names=drawn(hostile.NAMES), theme_names=drawn(hostile.THEME_NAMES))


def test_the_pdf_reads_back_as_what_was_posted(hostile_app: TestClient, drawable_event: hostile.HostileEvent) -> None:
    document, headers = download(hostile_app, drawable_event, "pdf")
    assert headers["content-type"] == "application/pdf" and document.startswith(b"%PDF-")
    text = read_back(document)
    reversed_on_purpose = (hostile.RLO, hostile.RLE, hostile.RLI)  # an override shows its own text reversed, as typed
    expected = [note for note in stored_notes(drawable_event) if not any(mark in note for mark in reversed_on_purpose)]
    assert [note for note in expected if comparable(note) not in text] == []
    assert comparable(drawable_event.title.split(hostile.RLO)[0]) in text
    # The Aalborg name's override stays inside it: what follows it on the line still reads forwards.
    assert comparable(f"→ {hostile.SCRIPT}") in text and comparable(f"→ {hostile.SCRIPT}")[::-1] not in text


def test_an_emoji_note_still_makes_a_pdf(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    document = download(hostile_app, event, "pdf")[0]
    assert document.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(document)).pages) >= 2


class Recording(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        Recording.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A web server of the test's own that writes down every request it gets."""
    Recording.asked = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_pdf_fetches_nothing_that_hostile_text_names(hostile_app: TestClient, event: hostile.HostileEvent, listener: str, tmp_path: Path) -> None:
    aalborg = event.sites[0]
    for text in (f'<img src="{listener}/note.png">', f"url({listener}/css.png)", f'<link rel=stylesheet href="{listener}/x.css">'):
        posted = hostile_app.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": text}, headers={"Authorization": f"Bearer {aalborg.phones[0]}"})
        assert posted.status_code == 201, posted.text
    assert download(hostile_app, event, "pdf")[0].startswith(b"%PDF-")
    # And had markup slipped through escaping, WeasyPrint would still fetch nothing: no URL scheme is allowed.
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: url(" + listener + "/from-file.png) }")
    leaked = (f'<html><head><link rel="stylesheet" href="{listener}/raw.css"><link rel="stylesheet" href="file://{secret}">'
              f'<style>@import url("{listener}/import.css"); p {{ background: url({listener}/bg.png) }}</style></head>'
              f'<body><p>x</p><img src="{listener}/raw.png"><img src="file:///etc/passwd"></body></html>')
    assert pdf.render(leaked).startswith(b"%PDF-")
    assert Recording.asked == []


# -- CSV --------------------------------------------------------------------------------------------------


def test_no_csv_cell_is_a_formula_and_every_text_reads_back(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    raw = download(hostile_app, event, "csv")[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    texts = {row[2] for row in rows[1:]}
    for note in stored_notes(event):
        assert ("'" + note if note.startswith(FORMULA_STARTS) else note) in texts, note
    assert "'" + hostile.FORMULA[:60] in cells and "'@SUM(A1:A9)" in cells  # a participant's name, a theme's


# -- JSON -------------------------------------------------------------------------------------------------


def test_the_json_export_holds_every_text_exactly(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    raw, headers = download(hostile_app, event, "json")
    assert headers["content-type"].startswith("application/json")
    document = json.loads(raw)
    assert {note["text"] for note in document["notes"]} >= set(stored_notes(event))
    assert {site["name"] for site in document["sites"]} == {site.name for site in event.sites}
    assert {theme["name"] for theme in document["themes"]} >= set(event.themes)
    assert {person["name"] for person in document["participants"]} >= set(event.names)
    assert document["event"]["title"] == event.title and document["event"]["theme"] == event.theme
