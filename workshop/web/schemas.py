"""The JSON API's request and response bodies, as pydantic models.

Requests are strict (no type coercion) and refuse unknown fields, so a client's typo is an error,
not silently ignored. These models are also the source of the OpenAPI document's schemas. Lengths
and allowed values are checked by the domain rules, which also trim and normalise; the limits here
only mirror them for the document and cap what is parsed at all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workshop.domain import agenda, rules

Kind = Literal["idea", "question", "concern"]
ColourName = Literal["yellow", "blue", "pink", "green", "orange", "purple"]
RoleTag = Literal["citizen", "staff", "manager", "politician", "other"]
Status = Literal["draft", "live", "closed"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class EventCreate(Request):
    title: str = Field(max_length=rules.TITLE_MAX * 2, description="The event's title, 1 to 200 characters.")
    theme: str = Field(max_length=rules.THEME_MAX * 2, description="The shared theme every site works on.")
    language: str | None = Field(default=None, max_length=20, description="Default language: " + ", ".join(rules.LANGUAGES))
    description: str | None = Field(default=None, max_length=rules.DESCRIPTION_MAX * 2)
    timezone: str | None = Field(default=None, max_length=64, description="IANA time zone, default Europe/Copenhagen.")


class EventUpdate(Request):
    title: str | None = Field(default=None, max_length=rules.TITLE_MAX * 2)
    theme: str | None = Field(default=None, max_length=rules.THEME_MAX * 2)
    language: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=rules.DESCRIPTION_MAX * 2)
    timezone: str | None = Field(default=None, max_length=64)
    status: Status | None = Field(default=None, description="draft → live → closed; closing releases join codes.")


class SiteCreate(Request):
    name: str = Field(max_length=rules.SITE_NAME_MAX * 2, description="The site's name, usually its city.")
    angle: str | None = Field(default=None, max_length=rules.ANGLE_MAX * 2, description="The site's own angle or question.")


class Join(Request):
    code: str = Field(max_length=20, description="The site's join code; case, spaces and dashes are ignored.")
    name: str | None = Field(default=None, max_length=rules.DISPLAY_NAME_MAX * 2, description="Optional display name.")
    role: RoleTag | None = None


class NoteCreate(Request):
    text: str = Field(max_length=rules.NOTE_TEXT_MAX * 4, description="1 to 500 characters after trimming.")
    kind: Kind | None = None
    colour: ColourName | None = None
    client_id: str | None = Field(
        default=None, max_length=rules.CLIENT_ID_MAX, description="The client's id for this post: a retry with the same id returns the first note."
    )


class NoteUpdate(Request):
    text: str | None = Field(default=None, max_length=rules.NOTE_TEXT_MAX * 4)
    kind: Kind | None = None
    colour: ColourName | None = None


Activity = Literal["post", "vote", "build"]
ClockActionName = Literal["start", "next", "pause", "resume", "extend", "stop"]


class PhaseIn(Request):
    id: str | None = Field(default=None, max_length=40, description="An existing phase's id, to keep it; leave out for a new phase.")
    name: str = Field(max_length=agenda.PHASE_NAME_MAX * 2)
    minutes: int = Field(description=f"1 to {agenda.PHASE_MINUTES_MAX}.")
    allows: list[Activity] = Field(default_factory=list, max_length=3, description="What participants may do; empty is read only.")
    instructions: str | None = Field(default=None, max_length=agenda.PHASE_TEXT_MAX * 2, description="For participants.")
    script: str | None = Field(default=None, max_length=agenda.PHASE_TEXT_MAX * 2, description="The facilitator's notes.")


class AgendaPut(Request):
    kit: str | None = Field(default=None, max_length=40, description="Take a format kit's phases (GET /kits); or give phases.")
    phases: list[PhaseIn] | None = Field(default=None, max_length=agenda.AGENDA_PHASES_MAX * 2)


class ClockPost(Request):
    action: ClockActionName
    site_id: str | None = Field(default=None, max_length=40, description="One site; left out, the host moves every site.")
    phase_id: str | None = Field(default=None, max_length=40, description="For start: the phase to go to.")
    seconds: int | None = Field(default=None, description=f"For extend: 1 to {agenda.EXTEND_SECONDS_MAX}.")


# -- responses ------------------------------------------------------------------------------------


class Response(BaseModel):
    pass


class Error(Response):
    error: str = Field(description="A stable machine-readable code, e.g. too_long, not_found, unauthorized.")
    message: str = Field(description="A readable sentence for people.")


class EventOut(Response):
    id: str
    title: str
    theme: str
    description: str
    language: str
    timezone: str
    status: Status
    created_at: str
    updated_at: str
    kit: str | None


class SiteOut(Response):
    id: str
    event_id: str
    name: str
    angle: str
    join_code: str
    position: int
    created_at: str


class NoteOut(Response):
    id: str
    seq: int = Field(description="The log sequence number of the entry that created the note.")
    event_id: str
    site_id: str
    participant_id: str
    text: str
    kind: Kind
    colour: ColourName
    visible: bool
    created_at: str
    updated_at: str
    client_id: str | None


class PhaseOut(Response):
    id: str
    event_id: str
    position: int
    name: str
    minutes: int
    allows: list[Activity]
    instructions: str
    script: str


class SiteProgress(Response):
    site_id: str
    phase_id: str | None
    phase_number: int = Field(description="1 for the first phase; 0 before the agenda starts at this site.")
    started_at: str | None
    paused: bool
    extra_seconds: int
    remaining_seconds: float = Field(description="Negative once the phase has run over.")
    ends_at: str | None = Field(description="When the phase runs out; null while paused or not started.")


class AgendaOut(Response):
    kit: str | None
    now: str = Field(description="The server's time: count down from ends_at against it, not the client's clock.")
    phases: list[PhaseOut]
    sites: list[SiteProgress]


class KitPhaseOut(Response):
    name: str
    minutes: int
    allows: list[Activity]
    instructions: str
    script: str


class KitOut(Response):
    id: str
    name: str
    summary: str
    phases: list[KitPhaseOut]


class KitList(Response):
    kits: list[KitOut]


class EventCreated(Response):
    id: str
    host_token: str = Field(description="Shown once: the server keeps only its hash.")
    host_url: str
    board_url: str
    event: EventOut


class SiteLinks(Response):
    id: str
    name: str
    angle: str
    join_code: str
    join_url: str
    qr_url: str
    facilitator_token: str
    facilitator_url: str
    board_url: str


class SiteList(Response):
    sites: list[SiteLinks]


class Joined(Response):
    participant_token: str
    participant_id: str
    event_id: str
    site_id: str


class ClockOut(Response):
    site_id: str
    phase_id: str | None
    started_at: str | None
    paused_at: str | None
    paused_seconds: float
    extra_seconds: int


class BoardOut(Response):
    seq: int = Field(description="The last log entry this state includes; pass it as since to catch up.")
    event: EventOut
    sites: list[SiteOut]
    notes: list[NoteOut]
    phases: list[PhaseOut]
    clocks: list[ClockOut] = Field(description="One per site: where it is in the agenda.")


class LogEntryOut(Response):
    seq: int
    type: str
    data: dict[str, object]
    created_at: str


class LogOut(Response):
    entries: list[LogEntryOut]
    last_seq: int


class Health(Response):
    status: Literal["ok"]
