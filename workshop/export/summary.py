"""The session summary: what a host sends to politicians and participants the same day.

Pure: `build(record, includes, now)` reads an event's `Record` and returns a `Summary` that the
Markdown, HTML and PDF renderers lay out (they translate its labels; this module has no text of its
own). What counts is what the sites saw: the counts, the themes and the top votes are of visible
notes; hidden notes appear, listed apart, only when the host asks for them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from workshop.domain import agenda, themes
from workshop.domain.models import BuildOn, Event, EventStatus, LogEntry, Note, Participant, Send, Site
from workshop.domain.record import Record

TOP_VOTED = 5  # notes per site in "most votes"
PROXY = "proxy"  # the participation row of notes a facilitator posted for a table or paper notes
NO_ROLE = "none"  # the row of participants who gave no role tag


@dataclass(frozen=True, slots=True)
class Includes:
    """What the host asked the export to include; both off by default."""

    names: bool = False  # participants' names, and the names facilitators posted for ("Table 3")
    hidden: bool = False  # notes hidden by a moderator or merged into another

    @property
    def complete(self) -> bool:
        return self.names and self.hidden


@dataclass(frozen=True, slots=True)
class BuildOnLine:
    build_on: BuildOn
    site: str  # the author's site
    from_other_site: bool
    author: str | None  # only with names


@dataclass(frozen=True, slots=True)
class NoteLine:
    note: Note
    site: str
    theme: str | None
    votes: int
    build_ons: list[BuildOnLine]
    role: str  # a Role value, NO_ROLE or PROXY
    author: str | None  # only with names: the participant's name, or whom a facilitator posted for


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    name: str | None  # None: the notes in no theme, listed last
    notes: list[NoteLine]


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: Site
    groups: list[ThemeGroup]
    top: list[NoteLine]  # the most-voted visible notes, at most TOP_VOTED, each with at least one vote
    from_others: list[tuple[NoteLine, BuildOnLine]]  # build-ons other sites wrote on this site's notes
    hidden: list[NoteLine]  # only with hidden
    people: list[str]  # only with names

    @property
    def note_count(self) -> int:
        return sum(len(group.notes) for group in self.groups)


@dataclass(frozen=True, slots=True)
class PhaseRun:
    """One phase as it actually ran at one site: from the clock entries of the log."""

    site: str
    phase: str
    planned_minutes: int | None  # None: the phase is no longer on the agenda
    started_at: str
    ended_at: str | None  # None: still running when the summary was made
    paused_seconds: float = 0.0

    def minutes(self, now: str) -> float:
        """How long it ran, pauses left out."""
        end = agenda.instant(self.ended_at or now)
        return max(0.0, (end - agenda.instant(self.started_at)).total_seconds() - self.paused_seconds) / 60


@dataclass(frozen=True, slots=True)
class ThemeRow:
    name: str
    per_site: list[int]  # in the sites' order
    sites: list[str]  # the sites that raised it (one note or more)

    @property
    def total(self) -> int:
        return sum(self.per_site)


@dataclass(frozen=True, slots=True)
class Travel:
    """A note or question one site sent to another (`to` None: to every other site)."""

    send: Send
    source: str
    to: str | None
    text: str
    question: bool


@dataclass(frozen=True, slots=True)
class Participation:
    key: str  # a site's name, or a role: a Role value, NO_ROLE or PROXY
    participants: int = 0
    notes: int = 0
    votes: int = 0
    build_ons: int = 0


@dataclass(frozen=True, slots=True)
class Summary:
    event: Event
    generated_at: str
    includes: Includes
    sites: list[SiteSummary]
    agenda: list[PhaseRun]
    themes: list[ThemeRow]
    travelled: list[Travel]
    by_site: list[Participation]
    by_role: list[Participation]
    total: Participation
    hidden_left_out: int  # hidden notes not shown (0 when they are included)
    site_names: list[str] = field(default_factory=list)

    @property
    def shared_themes(self) -> list[ThemeRow]:
        """The themes raised at two sites or more: where the sites met."""
        return [row for row in self.themes if len(row.sites) >= 2]


def build(record: Record, includes: Includes, now: str) -> Summary:
    names = {site.id: site.name for site in record.sites}
    people = {participant.id: participant for participant in record.participants}
    visible = [note for note in record.notes if note.visible]
    hidden = [note for note in record.notes if not note.visible]
    shown = {note.id for note in visible} | ({note.id for note in hidden} if includes.hidden else set())
    lines = _note_lines(record, includes, names, people, shown)
    sites = [_site_summary(site, record, includes, lines, people) for site in record.sites]
    return Summary(
        event=record.event, generated_at=now, includes=includes, sites=sites, agenda=agenda_as_run(record, now),
        themes=_theme_rows(record, visible), travelled=_travelled(record, names, shown),
        by_site=_participation_by_site(record, visible), by_role=_participation_by_role(record, visible, people),
        total=_participation(record.event.title, record.participants, visible, record),
        hidden_left_out=0 if includes.hidden else len(hidden), site_names=[site.name for site in record.sites],
    )


# -- notes ----------------------------------------------------------------------------------------


def role_of(participant: Participant | None) -> str:
    if participant is None or participant.proxy:
        return PROXY
    return participant.role.value if participant.role else NO_ROLE


def _note_lines(
    record: Record, includes: Includes, names: dict[str, str], people: dict[str, Participant], shown: set[str]
) -> dict[str, NoteLine]:
    votes = Counter(vote.note_id for vote in record.votes)
    theme_names = {theme.id: theme.name for theme in record.themes}
    threads: dict[str, list[BuildOnLine]] = defaultdict(list)
    for build_on in record.build_ons:
        author = _name(people.get(build_on.participant_id)) if includes.names else None
        threads[build_on.note_id].append(
            BuildOnLine(build_on, names.get(build_on.author_site_id, ""), build_on.author_site_id != build_on.site_id, author)
        )
    out = {}
    for note in record.notes:
        if note.id not in shown:
            continue
        author = people.get(note.participant_id)
        out[note.id] = NoteLine(
            note, names.get(note.site_id, ""), theme_names.get(note.theme_id or ""), votes[note.id], threads[note.id],
            role_of(author), (note.on_behalf_of or _name(author)) if includes.names else None,
        )
    return out


def _name(participant: Participant | None) -> str | None:
    return participant.name if participant is not None else None


def _site_summary(
    site: Site, record: Record, includes: Includes, lines: dict[str, NoteLine], people: dict[str, Participant]
) -> SiteSummary:
    mine = [lines[note.id] for note in record.notes if note.site_id == site.id and note.id in lines]
    shown = [line for line in mine if line.note.visible]
    ranked = sorted(shown, key=lambda line: (-line.votes, line.note.seq))
    groups = [ThemeGroup(theme.name, [line for line in ranked if line.note.theme_id == theme.id]) for theme in record.themes]
    groups.append(ThemeGroup(None, [line for line in ranked if line.note.theme_id is None]))
    return SiteSummary(
        site=site,
        groups=[group for group in groups if group.notes],
        top=[line for line in ranked if line.votes > 0][:TOP_VOTED],
        from_others=[(line, build_on) for line in shown for build_on in line.build_ons if build_on.from_other_site],
        hidden=[line for line in mine if not line.note.visible] if includes.hidden else [],
        people=[p.name for p in people.values() if p.site_id == site.id and p.name and not p.proxy] if includes.names else [],
    )


# -- the agenda as it ran -------------------------------------------------------------------------


def agenda_as_run(record: Record, now: str) -> list[PhaseRun]:
    """Each phase each site went through, from the log's `clock.changed` entries, in time order.

    A run starts when a site's clock enters a phase (or starts it again) and ends at the next
    entry that moves that site elsewhere, or stops it; a run still going when the event closed
    ends at the close. Pauses are counted from the clock's own pause and resume times."""
    phase_names, minutes = _phases_by_id(record)
    site_names = {site.id: site.name for site in record.sites}
    running: dict[str, dict[str, object]] = {}  # site id -> the clock of its current run, as logged
    runs: list[PhaseRun] = []

    def finish(site_id: str, at: str | None) -> None:
        clock = running.pop(site_id, None)
        if clock is None:
            return
        paused = float(clock.get("paused_seconds") or 0.0)
        if clock.get("paused_at") and at:  # stopped while paused: the pause lasted until then
            paused += (agenda.instant(at) - agenda.instant(str(clock["paused_at"]))).total_seconds()
        phase_id = str(clock["phase_id"])
        runs.append(PhaseRun(
            site_names.get(site_id, ""), phase_names.get(phase_id, ""), minutes.get(phase_id), str(clock["started_at"]), at, paused,
        ))

    for entry in record.log:
        if entry.type == "clock.changed":
            for clock in entry.data.get("clocks", []):
                site_id = clock["site_id"]
                current = running.get(site_id)
                if current is not None and (current["phase_id"], current["started_at"]) == (clock["phase_id"], clock["started_at"]):
                    running[site_id] = clock  # paused, resumed or extended: the same run
                    continue
                finish(site_id, entry.created_at)
                if clock.get("phase_id") and clock.get("started_at"):
                    running[site_id] = clock
        elif _closes(entry):
            for site_id in list(running):
                finish(site_id, entry.created_at)
    for site_id in list(running):
        finish(site_id, None)
    order = {name: position for position, name in enumerate(site_names.values())}
    return sorted(runs, key=lambda run: (run.started_at, order.get(run.site, 0)))


def _closes(entry: LogEntry) -> bool:
    return entry.type == "event.updated" and entry.data.get("event", {}).get("status") == EventStatus.CLOSED.value


def _phases_by_id(record: Record) -> tuple[dict[str, str], dict[str, int]]:
    """Every phase's name and planned minutes, including phases later removed from the agenda
    (as the last `agenda.updated` entry that had them named them)."""
    names: dict[str, str] = {}
    minutes: dict[str, int] = {}
    for entry in record.log:
        if entry.type == "agenda.updated":
            for phase in entry.data.get("phases", []):
                names[phase["id"]], minutes[phase["id"]] = phase["name"], phase["minutes"]
    for phase in record.phases:
        names[phase.id], minutes[phase.id] = phase.name, phase.minutes
    return names, minutes


# -- across sites ---------------------------------------------------------------------------------


def _theme_rows(record: Record, counted: list[Note]) -> list[ThemeRow]:
    per_theme = themes.counts((note.site_id, note.theme_id) for note in counted)
    rows = []
    for theme in record.themes:
        per_site = per_theme.get(theme.id, Counter())
        rows.append(ThemeRow(theme.name, [per_site[site.id] for site in record.sites], [s.name for s in record.sites if per_site[s.id] > 0]))
    return rows


def _travelled(record: Record, names: dict[str, str], shown: set[str]) -> list[Travel]:
    texts = {note.id: note.text for note in record.notes}
    out = []
    for sent in record.sends:
        if sent.note_id is not None and sent.note_id not in shown:
            continue
        text = texts.get(sent.note_id or "", "") if sent.note_id else sent.question or ""
        out.append(Travel(sent, names.get(sent.from_site_id, ""), names.get(sent.to_site_id or "") if sent.to_site_id else None,
                          text, sent.note_id is None))
    return out


# -- participation --------------------------------------------------------------------------------


def _participation(key: str, who: Iterable[Participant], notes: list[Note], record: Record) -> Participation:
    """Participants (not proxies), and the notes, votes and build-ons on visible notes of the given people."""
    group = list(who)
    ids = {participant.id for participant in group}
    shown = {note.id for note in notes}
    return Participation(
        key,
        participants=sum(1 for participant in group if not participant.proxy),
        notes=sum(1 for note in notes if note.participant_id in ids),
        votes=sum(1 for vote in record.votes if vote.participant_id in ids and vote.note_id in shown),
        build_ons=sum(1 for build_on in record.build_ons if build_on.participant_id in ids and build_on.note_id in shown),
    )


def _participation_by_site(record: Record, notes: list[Note]) -> list[Participation]:
    return [_participation(site.name, (p for p in record.participants if p.site_id == site.id), notes, record) for site in record.sites]


def _participation_by_role(record: Record, notes: list[Note], people: dict[str, Participant]) -> list[Participation]:
    groups: dict[str, list[Participant]] = defaultdict(list)
    for participant in people.values():
        groups[role_of(participant)].append(participant)
    order = ["citizen", "staff", "manager", "politician", "other", NO_ROLE, PROXY]
    return [_participation(key, groups[key], notes, record) for key in order if groups.get(key)]
