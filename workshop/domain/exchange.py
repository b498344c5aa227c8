"""Ideas travelling between people and sites: build-ons, notes and questions sent across, spotlights.

A participant builds on any note of their event, also another site's: a short text under it, so the
note's own site sees that another site took its idea further. A facilitator sends one of their
site's notes, or a question of their own, to one other site or to all of them, where it lands in an
"incoming" lane. Pure rules: who may act is decided by the access layer, the counts by the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Note, Phase, Send
from workshop.domain.rules import bounded, refuse_if_closed

BUILD_ON_MAX = 280
QUESTION_MAX = 300


def can_exchange(status: EventStatus) -> None:
    """Once closed, what was built on and sent is part of the record: nothing more travels or changes."""
    refuse_if_closed(status, "This event is closed; ideas no longer travel between its sites.")


def build_on_text(value: str) -> str:
    return bounded(value, field="text", maximum=BUILD_ON_MAX, single_line=False)


def can_build_on(phase: Phase | None) -> None:
    """Participants build on notes before the agenda starts, and in a phase that allows it."""
    if phase is not None and "build" not in phase.allows:
        raise RuleError("not_in_this_phase", f"Building on notes is not open in this phase ({phase.name}).")


@dataclass(frozen=True, slots=True)
class SendDraft:
    """What a facilitator sends: one of their notes, or a question; to one site (or None: all others)."""

    note_id: str | None
    question: str | None
    to_site_id: str | None


def send(from_site_id: str, *, note_id: str | None, question: str | None, to_site_id: str | None, sites: Iterable[str]) -> SendDraft:
    """Check a send against the event's sites: something to send, and somewhere else to send it."""
    if (note_id is None) == (question is None):
        raise RuleError("invalid_send", "Send either a note or a question, not both.", "note_id")
    if to_site_id == from_site_id:
        raise RuleError("invalid_send", "A site cannot send to itself; choose another site, or all.", "to_site_id")
    others = [site for site in sites if site != from_site_id]
    if to_site_id is not None and to_site_id not in others:
        raise RuleError("unknown_site", "That site is not part of this event.", "to_site_id")
    if not others:
        raise RuleError("no_other_site", "This event has no other site to send to yet.", "to_site_id")
    text = bounded(question, field="question", maximum=QUESTION_MAX, single_line=False) if question is not None else None
    return SendDraft(note_id, text, to_site_id)


def reaches(sent: Send, site_id: str) -> bool:
    """Whether a send arrives at a site: sent to it, or to all (every site but the sender)."""
    return sent.to_site_id == site_id if sent.to_site_id is not None else sent.from_site_id != site_id


def can_spotlight(site_id: str, note: Note, *, sent_here: bool) -> None:
    """A site spotlights what its own board shows: one of its notes, or one another site sent to it."""
    if not note.visible or (note.site_id != site_id and not sent_here):
        raise RuleError("not_shown_here", "That note is not shown at this site: spotlight one of its notes, or one sent to it.", "note_id")


def can_send_note(note: Note, from_site_id: str) -> None:
    """A site sends its own notes, while they are shown (not hidden by a moderator)."""
    if not note.visible or note.site_id != from_site_id:
        raise RuleError("not_your_note", "A site sends only its own notes; this note is not one of them.", "note_id")
