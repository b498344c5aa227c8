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


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    event_id: str
    name: str
    angle: str
    join_code: str
    position: int
    created_at: str


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    event_id: str
    site_id: str
    name: str | None
    role: Role | None
    created_at: str


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


@dataclass(frozen=True, slots=True)
class Board:
    """The whole current state of an event, as of log entry `seq`."""

    seq: int
    event: Event
    sites: list[Site]
    notes: list[Note]
    phases: list[Phase] = field(default_factory=list)
    clocks: list[SiteClock] = field(default_factory=list)  # one per site, in the sites' order


def as_json(record: Event | Site | Participant | Note | Phase | SiteClock) -> dict[str, Any]:
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
    }
