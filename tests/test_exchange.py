"""Ideas travelling, the pure rules: build-on text, when building is open, what a send may be, where it
arrives, and what a site may spotlight."""

from __future__ import annotations

import pytest

from tests.test_domain import refused
from workshop.domain import exchange
from workshop.domain.models import Colour, EventStatus, Note, NoteKind, Phase, Send

IDEAS = Phase("p1", "e", 0, "Ideas", 10, ("post",), "", "")
BUILDING = Phase("p2", "e", 1, "Build on each other", 10, ("build",), "", "")
LISTENING = Phase("p3", "e", 2, "Listen", 5, (), "", "")
SITES = ["aalborg", "odense", "aarhus"]


def note(site_id: str = "aalborg", visible: bool = True) -> Note:
    return Note("n1", "e", site_id, "someone", 3, "Shade trees", NoteKind.IDEA, Colour.YELLOW, visible, "t", "t")


def sent(from_site: str, to_site: str | None) -> Send:
    return Send("s1", "e", from_site, to_site, "n1", None, 4, "t")


# -- build-ons ------------------------------------------------------------------------------------


def test_build_on_text_is_trimmed_and_may_span_lines() -> None:
    assert exchange.build_on_text("  Plant fruit trees,\nnot only shade trees  ") == "Plant fruit trees,\nnot only shade trees"
    assert len(exchange.build_on_text("x" * exchange.BUILD_ON_MAX)) == exchange.BUILD_ON_MAX


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("   \n\t", "empty"), ("\u200b\u200b", "empty"), ("x" * 281, "too_long")])
def test_bad_build_on_text_is_refused(text: str, code: str) -> None:
    error = refused(exchange.build_on_text, text)
    assert error.code == code and error.field == "text"


def test_building_is_open_before_the_agenda_and_in_a_phase_that_allows_it() -> None:
    exchange.can_build_on(None)  # no agenda running: participants may do anything
    exchange.can_build_on(BUILDING)
    for phase in (IDEAS, LISTENING):
        error = refused(exchange.can_build_on, phase)
        assert error.code == "not_in_this_phase" and phase.name in error.message


def test_nothing_travels_once_the_event_is_closed() -> None:
    exchange.can_exchange(EventStatus.DRAFT)
    exchange.can_exchange(EventStatus.LIVE)
    assert refused(exchange.can_exchange, EventStatus.CLOSED).code == "event_closed"


# -- sends ----------------------------------------------------------------------------------------


def test_a_note_or_a_question_goes_to_one_site_or_to_all() -> None:
    to_one = exchange.send("aalborg", note_id="n1", question=None, to_site_id="odense", sites=SITES)
    assert to_one == exchange.SendDraft("n1", None, "odense")
    to_all = exchange.send("aalborg", note_id=None, question="  How did you reach young people?  ", to_site_id=None, sites=SITES)
    assert to_all == exchange.SendDraft(None, "How did you reach young people?", None)


@pytest.mark.parametrize(
    ("note_id", "question", "to_site_id", "code", "field"),
    [
        (None, None, None, "invalid_send", "note_id"),  # nothing to send
        ("n1", "And this?", None, "invalid_send", "note_id"),  # both at once
        ("n1", None, "aalborg", "invalid_send", "to_site_id"),  # to itself
        ("n1", None, "copenhagen", "unknown_site", "to_site_id"),  # not a site of the event
        (None, "   ", None, "empty", "question"),
        (None, "?" * 301, "odense", "too_long", "question"),
    ],
)
def test_bad_sends_are_refused(note_id: str | None, question: str | None, to_site_id: str | None, code: str, field: str) -> None:
    error = refused(exchange.send, "aalborg", note_id=note_id, question=question, to_site_id=to_site_id, sites=SITES)
    assert (error.code, error.field) == (code, field)


def test_a_lone_site_has_nowhere_to_send() -> None:
    assert refused(exchange.send, "aalborg", note_id="n1", question=None, to_site_id=None, sites=["aalborg"]).code == "no_other_site"


def test_a_site_sends_only_its_own_shown_notes() -> None:
    exchange.can_send_note(note("aalborg"), "aalborg")
    assert refused(exchange.can_send_note, note("odense"), "aalborg").code == "not_your_note"
    assert refused(exchange.can_send_note, note("aalborg", visible=False), "aalborg").code == "not_your_note"


def test_a_send_to_all_reaches_every_site_but_the_sender() -> None:
    assert [site for site in SITES if exchange.reaches(sent("aalborg", None), site)] == ["odense", "aarhus"]
    assert [site for site in SITES if exchange.reaches(sent("aalborg", "aarhus"), site)] == ["aarhus"]


# -- spotlights -----------------------------------------------------------------------------------


def test_a_site_spotlights_its_own_notes_and_those_sent_to_it() -> None:
    exchange.can_spotlight("aalborg", note("aalborg"), sent_here=False)
    exchange.can_spotlight("odense", note("aalborg"), sent_here=True)
    assert refused(exchange.can_spotlight, "odense", note("aalborg"), sent_here=False).code == "not_shown_here"
    assert refused(exchange.can_spotlight, "aalborg", note("aalborg", visible=False), sent_here=False).code == "not_shown_here"
