"""The JSON API's request and response bodies, as pydantic models.

Requests are strict (no type coercion) and refuse unknown fields, so a client's typo is an error,
not silently ignored. These models are also the source of the OpenAPI document's schemas. Lengths
and allowed values are checked by the domain rules, which also trim and normalise; the limits here
only mirror them for the document and cap what is parsed at all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workshop.domain import rules

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


class BoardOut(Response):
    seq: int = Field(description="The last log entry this state includes; pass it as since to catch up.")
    event: EventOut
    sites: list[SiteOut]
    notes: list[NoteOut]


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
