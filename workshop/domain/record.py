"""The whole of one event as stored: what the summary is made from, what an export writes and an import reads back.

A `Board` is what screens show (visible notes, totals); a `Record` is everything, for the record:
every participant (removed ones and the proxies a facilitator posted for), every note (hidden and
merged ones too), every single vote, and the log. Secrets are not part of it: the host's secret and
the sites' facilitator nonces stay in the store they were made in (an import makes new ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workshop.domain.errors import RuleError
from workshop.domain.models import BuildOn, Event, LogEntry, Note, Participant, Phase, Send, Site, SiteClock, Theme


@dataclass(frozen=True, slots=True)
class Vote:
    """One dot. `site_id` is the note's site, `voter_site_id` the voter's; `phase_id` the voting phase
    it was cast in (kept even if that phase was later removed from the agenda)."""

    id: str
    event_id: str
    note_id: str
    site_id: str
    participant_id: str
    voter_site_id: str
    phase_id: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Record:
    """One event's whole stored state as of log entry `seq`, with the log up to it."""

    seq: int
    event: Event
    sites: list[Site]  # in their order
    participants: list[Participant]  # all of them, as they joined (removed ones and proxies too)
    notes: list[Note]  # all of them, in log order (hidden and merged ones too)
    themes: list[Theme] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    clocks: list[SiteClock] = field(default_factory=list)  # one per site, in the sites' order
    votes: list[Vote] = field(default_factory=list)  # every dot, oldest first
    build_ons: list[BuildOn] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    spotlights: dict[str, str] = field(default_factory=dict)  # site id -> note id
    log: list[LogEntry] = field(default_factory=list)


def check(record: Record) -> None:
    """Refuse a record whose parts do not all belong to its event (`invalid_export`): a file edited by
    hand, or put together from two exports, must not reach into another event of the store it is
    imported into."""
    event_id = record.event.id
    sites = {site.id for site in record.sites}
    people = {participant.id for participant in record.participants}
    notes = {note.id for note in record.notes}
    themes = {theme.id for theme in record.themes}
    phases = {phase.id for phase in record.phases}
    parts: list[object] = [*record.sites, *record.participants, *record.notes, *record.themes, *record.phases,
                           *record.votes, *record.build_ons, *record.sends, *record.log]
    _require(all(getattr(part, "event_id") == event_id for part in parts), "a record of another event")
    _require(all(p.site_id in sites for p in record.participants), "a participant of an unknown site")
    _require(all(n.site_id in sites and n.participant_id in people for n in record.notes), "a note of an unknown site or participant")
    _require(all(n.theme_id in themes for n in record.notes if n.theme_id), "a note in an unknown theme")
    _require(all(n.merged_into in notes for n in record.notes if n.merged_into), "a note merged into an unknown note")
    _require(all(c.site_id in sites and (c.phase_id is None or c.phase_id in phases) for c in record.clocks), "a clock of an unknown site or phase")
    _require(all(v.note_id in notes and v.participant_id in people and {v.site_id, v.voter_site_id} <= sites for v in record.votes),
             "a vote on an unknown note or by an unknown participant")
    _require(all(b.note_id in notes and b.participant_id in people and {b.site_id, b.author_site_id} <= sites for b in record.build_ons),
             "a build-on of an unknown note or participant")
    _require(all(s.from_site_id in sites and s.to_site_id in sites | {None} and s.note_id in notes | {None} for s in record.sends),
             "a send between unknown sites or of an unknown note")
    _require(all(site in sites and note in notes for site, note in record.spotlights.items()), "a spotlight of an unknown site or note")
    seqs = [entry.seq for entry in record.log]
    _require(seqs == list(range(1, record.seq + 1)), "a log that is not complete (seq 1 to the event's last, without gaps)")


def _require(holds: bool, what: str) -> None:
    if not holds:
        raise RuleError("invalid_export", f"This export cannot be imported: it holds {what}.", "file")
