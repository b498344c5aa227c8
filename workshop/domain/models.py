"""The records of a workshop: events, sites, participants, notes, the agenda and the event log."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class EventStatus(str, enum.Enum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"


class Role(str, enum.Enum):
    """A participant's optional role tag: who is in the room, for the summary's participation figures."""

    CITIZEN = "citizen"
    STAFF = "staff"
    MANAGER = "manager"
    POLITICIAN = "politician"
    OTHER = "other"


class NoteKind(str, enum.Enum):
    IDEA = "idea"
    QUESTION = "question"
    CONCERN = "concern"


class Colour(str, enum.Enum):
    """Sticky-note colours. Each pairs with dark text at a contrast ratio above 7:1 (WCAG AAA)."""

    YELLOW = "yellow"
    BLUE = "blue"
    PINK = "pink"
    GREEN = "green"
    ORANGE = "orange"
    PURPLE = "purple"


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    theme: str
    description: str
    language: str
    timezone: str
    status: EventStatus
    created_at: str
    updated_at: str
    kit: str | None = None  # the format kit the agenda was taken from, if any
    # Dot voting (workshop.domain.votes): votes per participant per voting phase, whether several
    # may go on one note, and whether totals stay hidden at a site until its facilitator reveals them.
    vote_budget: int = 3
    votes_several_per_note: bool = False
    votes_hidden: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    event_id: str
    name: str
    angle: str
    join_code: str
    position: int
    created_at: str
    locked: bool = False  # moderation: a locked board takes nothing from participants
    votes_revealed: bool = False  # dot voting: its facilitator revealed the totals the host hides


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    event_id: str
    site_id: str
    name: str | None
    role: Role | None
    created_at: str
    # Moderation: a removed participant's tokens no longer work; a proxy stands for a table or
    # paper notes, and is posted for by a facilitator.
    removed_at: str | None = None
    proxy: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    event_id: str
    site_id: str
    participant_id: str
    seq: int  # the log entry that created it: its place in the event's order
    text: str
    kind: NoteKind
    colour: Colour
    visible: bool
    created_at: str
    updated_at: str
    client_id: str | None = None
    # Moderation: the note this duplicate was merged into; who hid it ("moderator" or "author");
    # whom a facilitator posted it for ("Table 3").
    merged_into: str | None = None
    hidden_by: str | None = None
    on_behalf_of: str | None = None
    theme_id: str | None = None  # the theme it was placed in (workshop.domain.themes), if any


@dataclass(frozen=True, slots=True)
class Phase:
    """One step of an event's agenda."""

    id: str
    event_id: str
    position: int
    name: str
    minutes: int
    allows: tuple[str, ...]  # what participants may do: "post", "vote", "build"; none is read only
    instructions: str  # for participants, on their phones and the boards
    script: str  # the facilitator's step-by-step notes, in the console


@dataclass(frozen=True, slots=True)
class SiteClock:
    """Where one site is in the agenda. `phase_id` None: the agenda has not started there."""

    site_id: str
    phase_id: str | None = None
    started_at: str | None = None
    paused_at: str | None = None
    paused_seconds: float = 0.0
    extra_seconds: int = 0


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One change to an event, in the order it was committed.

    `seq` is strictly increasing and gap-free within an event: live sync, catch-up after a reconnect
    and the summary's timeline all read the log by it.
    """

    event_id: str
    seq: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""


# -- ideas travelling: build-ons and sends (workshop.domain.exchange) ------------------------------


@dataclass(frozen=True, slots=True)
class BuildOn:
    """A participant's short addition under a note, possibly a note of another site."""

    id: str
    event_id: str
    note_id: str
    site_id: str  # the note's site: where the thread is shown, and who sees that others built on it
    participant_id: str
    author_site_id: str  # the author's site: "Odense built on this"
    seq: int  # the log entry that created it
    text: str
    created_at: str
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class Send:
    """A note of one site, or a facilitator's question, sent to one other site or (to_site_id None) all."""

    id: str
    event_id: str
    from_site_id: str
    to_site_id: str | None
    note_id: str | None
    question: str | None
    seq: int  # the log entry that created it
    created_at: str


@dataclass(frozen=True, slots=True)
class Theme:
    """A named group of notes, shared by every site of its event (workshop.domain.themes)."""

    id: str
    event_id: str
    name: str
    seq: int  # the log entry that created it: themes are listed in that order
    created_at: str


@dataclass(frozen=True, slots=True)
class Board:
    """The whole current state of an event, as of log entry `seq`."""

    seq: int
    event: Event
    sites: list[Site]
    notes: list[Note]
    phases: list[Phase] = field(default_factory=list)
    clocks: list[SiteClock] = field(default_factory=list)  # one per site, in the sites' order
    # Only for moderators' screens (`Store.board(..., moderation=True)`): notes hidden or merged
    # away, and the participants who have not been removed (proxies left out).
    hidden_notes: list[Note] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)  # note id -> votes it received (notes with any)
    # Ideas travelling (workshop.domain.exchange): build-ons of visible notes, in order; sends whose
    # note is visible (or that carry a question), in order; each site's spotlighted note (site -> note).
    build_ons: list[BuildOn] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    spotlights: dict[str, str] = field(default_factory=dict)
    themes: list[Theme] = field(default_factory=list)  # in the order they were created


def as_json(record: Event | Site | Participant | Note | Phase | SiteClock | BuildOn | Send | Theme) -> dict[str, Any]:
    """A record as the JSON object the API, the live stream and the log carry."""
    out: dict[str, Any] = {}
    for name in record.__slots__:  # type: ignore[union-attr]
        value = getattr(record, name)
        out[name] = value.value if isinstance(value, enum.Enum) else list(value) if isinstance(value, tuple) else value
    return out


def board_as_json(board: Board) -> dict[str, Any]:
    """The whole state as the API's board and the live stream's snapshot carry it."""
    return {
        "seq": board.seq,
        "event": as_json(board.event),
        "sites": [as_json(site) for site in board.sites],
        "notes": [as_json(note) for note in board.notes],
        "phases": [as_json(phase) for phase in board.phases],
        "clocks": [as_json(clock) for clock in board.clocks],
        "votes": shown_votes(board),
        "build_ons": [as_json(build_on) for build_on in board.build_ons],
        "sends": [as_json(send) for send in board.sends],
        "spotlights": dict(board.spotlights),
        "themes": [as_json(theme) for theme in board.themes],
    }


def shown_votes(board: Board) -> dict[str, int]:
    """The totals anyone may see: of visible notes, at sites whose totals are not hidden (or revealed)."""
    shown = {site.id for site in board.sites if not board.event.votes_hidden or site.votes_revealed}
    return {note.id: board.votes[note.id] for note in board.notes if note.id in board.votes and note.site_id in shown}
