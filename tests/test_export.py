"""The session summary and the exports, against a known event built through the service.

Two sites: Aalborg (Ana, a citizen, and Bo, staff) and Odense (Ole, a politician, and a table its
facilitator posts for). Notes in two themes, one raised at both sites; votes in a voting phase;
a build-on and a send between the sites; a note hidden by a moderator; and hostile text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from workshop.access import Tokens
from workshop.bus import MemoryBus
from workshop.domain.errors import RuleError
from workshop.domain.record import Record
from workshop.export import FORMATS, Includes, export
from workshop.export.summary import agenda_as_run, build
from workshop.service import Workshop
from workshop.store import Store, open_store

NOW = "2030-05-01T16:00:00.000Z"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
EVERYTHING = Includes(names=True, hidden=True)


@dataclass
class Known:
    workshop: Workshop
    event_id: str
    notes: dict[str, str]  # text -> id


@pytest.fixture
def workshop(store: Store) -> Workshop:
    return Workshop(store, Tokens("test-secret", store), MemoryBus())


async def known_event(workshop: Workshop, language: str = "en") -> Known:
    event = (await workshop.create_event(title="Green streets", theme="Trees on every street", language=language,
                                         timezone="Europe/Copenhagen")).event
    await workshop.update_event(event.id, {"status": "live"})
    aalborg = await workshop.add_site(event.id, name="Aalborg", angle="Streets")
    odense = await workshop.add_site(event.id, name="Odense", angle="Parks")
    await workshop.set_agenda(event.id, phases=[
        {"name": "Ideas", "minutes": 10, "allows": ["post", "build"]},
        {"name": "Dot vote", "minutes": 5, "allows": ["vote"]},
    ])
    ana = (await workshop.join(aalborg.join_code, name="Ana Jensen", role="citizen")).participant
    bo = (await workshop.join(aalborg.join_code, name="Bo", role="staff")).participant
    ole = (await workshop.join(odense.join_code, name="Ole Hansen", role="politician")).participant
    await workshop.move_clock(event.id, "next")  # Ideas, at both sites
    notes = {}
    for who, text in ((ana, "Car-free Sundays"), (bo, "Bike lanes to school"), (ana, SCRIPT), (bo, FORMULA),
                      (ole, "More trees in parks"), (ole, "Car-free city centre"), (ole, "A rude remark")):
        notes[text] = (await workshop.post_note(who.id, text)).note.id
    notes["Benches"] = (await workshop.post_for(odense.id, "Table 3", "Benches", kind="concern")).note.id
    await workshop.edit_note(notes["A rude remark"], visible=False)
    mobility = await workshop.create_theme(event.id, "Mobility")
    green = await workshop.create_theme(event.id, "Green")
    for text in ("Car-free Sundays", "Bike lanes to school", "Car-free city centre"):
        await workshop.place_note(notes[text], mobility.id, by_site=None)
    await workshop.place_note(notes["More trees in parks"], green.id, by_site=None)
    await workshop.build_on(ole.id, notes["Car-free Sundays"], "Also in Odense!")
    await workshop.send(aalborg.id, note_id=notes["Bike lanes to school"], to_site_id=odense.id)
    await workshop.move_clock(event.id, "next")  # Dot vote
    for who, text in ((ana, "Car-free Sundays"), (bo, "Car-free Sundays"), (ole, "Car-free city centre")):
        await workshop.cast_vote(who.id, notes[text])
    return Known(workshop, event.id, notes)


async def download(known: Known, fmt: str, includes: Includes = Includes()) -> bytes:
    return export(await known.workshop.record(known.event_id), fmt, includes, NOW)


def section(document: str, start: str, end: str | None = None) -> str:
    """The text of a document from one heading to the next one given."""
    tail = document[document.index(start):]
    return tail[: tail.index(end, len(start))] if end else tail


# -- the summary ------------------------------------------------------------------------------------


async def test_a_note_appears_under_its_site_and_theme_in_markdown(workshop: Workshop) -> None:
    known = await known_event(workshop)
    md = (await download(known, "md")).decode()
    assert md.startswith("# Green streets\n")
    aalborg = section(md, "\n## Aalborg", "\n## Odense")
    mobility = section(aalborg, "#### Mobility", "####")
    assert "Car-free Sundays" in mobility and "Bike lanes to school" in mobility
    assert "Car-free city centre" not in aalborg  # Odense's
    odense = section(md, "\n## Odense")
    assert "More trees in parks" in section(odense, "#### Green", "####")
    assert "Benches" in section(odense, "#### In no theme", "###")  # unplaced notes come last
    assert "Also in Odense!" in section(aalborg, "### Build-ons from other sites")


async def test_a_note_appears_under_its_site_and_theme_in_html(workshop: Workshop) -> None:
    known = await known_event(workshop)
    page = (await download(known, "html")).decode()
    aalborg = section(page, ">Aalborg</h2>", "</section>")
    assert "Car-free Sundays" in section(aalborg, "<h4>Mobility</h4>", "</ul>")
    assert "More trees in parks" in section(section(page, ">Odense</h2>", "</section>"), "<h4>Green</h4>", "</ul>")
    assert not re.search(r"<(link|img|script|iframe)\b|\bsrc=|\bhref=|url\(|@import", page)  # nothing to fetch
    assert "@media print" in page and 'role="img"' in page and "<title id=" in page


async def test_counts_shared_themes_top_votes_and_travels_are_right(workshop: Workshop) -> None:
    known = await known_event(workshop)
    made = build(await workshop.record(known.event_id), Includes(), NOW)
    assert [(row.name, row.per_site, row.sites) for row in made.themes] == [
        ("Mobility", [2, 1], ["Aalborg", "Odense"]), ("Green", [0, 1], ["Odense"]),
    ]
    assert [row.name for row in made.shared_themes] == ["Mobility"]
    aalborg, odense = made.sites
    assert [(line.note.text, line.votes) for line in aalborg.top] == [("Car-free Sundays", 2)]
    assert (aalborg.note_count, odense.note_count) == (4, 3)  # the hidden note is not counted
    by_site = {row.key: (row.participants, row.notes, row.votes, row.build_ons) for row in made.by_site}
    assert by_site == {"Aalborg": (2, 4, 2, 0), "Odense": (1, 3, 1, 1)}  # the table's proxy is not a participant
    assert (made.total.participants, made.total.notes, made.total.votes) == (3, 7, 3)
    by_role = {row.key: (row.participants, row.notes) for row in made.by_role}
    assert by_role == {"citizen": (1, 2), "staff": (1, 2), "politician": (1, 2), "proxy": (0, 1)}
    assert [(t.source, t.to, t.text) for t in made.travelled] == [("Aalborg", "Odense", "Bike lanes to school")]
    assert made.hidden_left_out == 1
    md = (await download(known, "md")).decode()
    assert "- **Mobility**: Aalborg, Odense" in section(md, "### Themes raised at two sites or more", "###")
    assert "| Aalborg | 2 | 4 | 2 | 0 |" in md


async def test_the_agenda_as_it_ran_comes_from_the_log(workshop: Workshop) -> None:
    known = await known_event(workshop)
    record = await workshop.record(known.event_id)
    moves = [entry for entry in record.log if entry.type == "clock.changed"]
    runs = agenda_as_run(record, NOW)
    assert [(run.phase, run.site) for run in runs] == [("Ideas", "Aalborg"), ("Ideas", "Odense"), ("Dot vote", "Aalborg"), ("Dot vote", "Odense")]
    assert all(run.started_at == moves[0].created_at and run.ended_at == moves[1].created_at for run in runs[:2])
    assert all(run.started_at == moves[1].created_at and run.ended_at is None for run in runs[2:])  # still running
    assert runs[0].planned_minutes == 10
    await workshop.update_event(known.event_id, {"status": "closed"})  # a close ends what was running
    closed = agenda_as_run(await workshop.record(known.event_id), NOW)
    assert all(run.ended_at is not None for run in closed)
    md = (await download(known, "md")).decode()
    assert "| Ideas | Aalborg |" in section(md, "## The agenda as it ran", "## Across sites")


async def test_the_summary_is_in_the_events_language(workshop: Workshop) -> None:
    known = await known_event(workshop, language="da")
    md = (await download(known, "md")).decode()
    page = (await download(known, "html")).decode()
    for document in (md, page):
        assert "Deltagelse" in document and "Temaer rejst på to steder eller flere" in document
        assert "Participation" not in document
    assert '<html lang="da">' in page


async def test_names_and_hidden_notes_only_when_asked_and_the_export_says_so(workshop: Workshop) -> None:
    known = await known_event(workshop)
    for fmt in ("md", "html", "csv", "json"):
        plain = (await download(known, fmt)).decode("utf-8-sig")
        assert "Ana Jensen" not in plain and "Table 3" not in plain and "A rude remark" not in plain, fmt
        full = (await download(known, fmt, EVERYTHING)).decode("utf-8-sig")
        assert "Ana Jensen" in full and "A rude remark" in full, fmt
    md = (await download(known, "md")).decode()
    assert "> Participants' names are left out" in md and "> 1 note hidden by a moderator or merged into another is left out." in md
    assert "Participants' names are included." in html.unescape((await download(known, "html", EVERYTHING)).decode())


async def test_hostile_text_is_shown_as_text(workshop: Workshop) -> None:
    known = await known_event(workshop)
    page = (await download(known, "html")).decode()
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = (await download(known, "md")).decode()
    assert SCRIPT not in md and r"\<script\>alert(1)\</script\>" in md


# -- CSV --------------------------------------------------------------------------------------------


async def test_the_csv_opens_in_columns_with_one_row_per_note(workshop: Workshop) -> None:
    known = await known_event(workshop)
    raw = await download(known, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: a spreadsheet reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Site", "Kind", "Text", "Theme", "Votes", "Build-ons", "Role", "Created", "Hidden"]
    body = {row[2]: row for row in rows[1:]}
    assert len(body) == len(rows) - 1 == 7  # one row per visible note
    assert body["Car-free Sundays"][:7] == ["Aalborg", "Idea", "Car-free Sundays", "Mobility", "2", "1", "Citizen"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", body["Car-free Sundays"][7])
    assert body["Benches"][1] == "Concern" and body["Benches"][6].startswith("Posted by a facilitator")
    assert "'" + FORMULA in body and FORMULA not in body  # a formula stays text
    with_all = list(csv.reader(io.StringIO((await download(known, "csv", EVERYTHING)).decode("utf-8-sig")), delimiter=";"))
    assert with_all[0][-1] == "Name" and len(with_all) == 9
    hidden = next(row for row in with_all if row[2] == "A rude remark")
    assert hidden[8] == "yes" and hidden[9] == "Ole Hansen"
    assert next(row for row in with_all if row[2] == "Benches")[9] == "Table 3"


# -- PDF --------------------------------------------------------------------------------------------


async def test_the_pdf_holds_the_summary(workshop: Workshop) -> None:
    known = await known_event(workshop)
    pdf = await download(known, "pdf")
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Green streets", "The agenda as it ran", "Themes raised at two sites or more", "Car-free Sundays", SCRIPT):
        assert expected in text, expected


# -- JSON and import ------------------------------------------------------------------------------------


async def test_the_json_export_round_trips_through_an_import(workshop: Workshop, tmp_path: Path) -> None:
    known = await known_event(workshop)
    first = json.loads(await download(known, "json", EVERYTHING))
    assert (first["format"], first["version"], first["includes"]["complete"]) == ("open-workshop-export", 1, True)
    assert len(first["votes"]) == 3 and len(first["log"]) == first["seq"] and len(first["notes"]) == 8
    other = open_store(str(tmp_path / "other.db"))
    await other.open()
    try:
        copy = Workshop(other, Tokens("another-secret", other), MemoryBus())
        imported = await copy.import_event(first)
        assert imported.event.id == known.event_id and imported.host_token.startswith("h_")
        again = json.loads(export(await copy.record(known.event_id), "json", EVERYTHING, NOW))
        assert again == first
        assert await other.event_id_for_host_secret(imported.host_token) is None  # the raw token is not the hash
        with pytest.raises(RuleError) as twice:
            await copy.import_event(first)
        assert twice.value.code == "event_exists"
        board = await other.board(known.event_id)
        assert len(board.notes) == 7 and board.votes  # the copy is a working event
    finally:
        await other.close()


async def test_only_a_complete_and_consistent_export_is_imported(workshop: Workshop) -> None:
    known = await known_event(workshop)
    partial = json.loads(await download(known, "json"))
    assert partial["log"] is None and partial["includes"] == {"names": False, "hidden": False, "complete": False}
    assert all(p["name"] is None for p in partial["participants"])
    for bad in (partial, {"format": "something else"}, {**json.loads(await download(known, "json", EVERYTHING)), "version": 2}):
        with pytest.raises(RuleError) as refused:
            await workshop.import_event(bad)
        assert refused.value.code == "invalid_export" and refused.value.message.startswith("This file cannot be imported")
    complete = json.loads(await download(known, "json", EVERYTHING))
    complete["event"]["id"] = "someone-else"  # its parts now belong to another event
    with pytest.raises(RuleError) as foreign:
        await workshop.import_event(complete)
    assert foreign.value.code == "invalid_export"


async def test_a_hand_edited_export_with_values_of_the_wrong_type_is_refused_in_words(workshop: Workshop) -> None:
    known = await known_event(workshop)
    complete = json.loads(await download(known, "json", EVERYTHING))
    edits = (("notes", "text", 42), ("notes", "seq", "7"), ("themes", "name", 3), ("clocks", "extra_seconds", "x"))
    for part, field, value in edits:
        edited = json.loads(json.dumps(complete))
        edited[part][0][field] = value
        with pytest.raises(RuleError) as refused:
            await workshop.import_event(edited)
        assert refused.value.code == "invalid_export" and f"{field} of the wrong type" in refused.value.message, (part, field)


def test_every_format_has_a_media_type() -> None:
    assert set(FORMATS) == {"md", "html", "pdf", "csv", "json"}
    assert FORMATS["pdf"].media_type == "application/pdf" and FORMATS["csv"].extension == "csv"


def test_an_empty_event_exports_in_every_format() -> None:
    from workshop.domain.models import Event, EventStatus

    event = Event("e1", "Empty", "Nothing yet", "", "en", "UTC", EventStatus.DRAFT, NOW, NOW)
    record = Record(seq=1, event=event, sites=[], participants=[], notes=[])
    for fmt in FORMATS:
        assert export(record, fmt, Includes(), NOW)
