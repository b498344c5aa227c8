"""The JSON API's request and response bodies, as pydantic models.

Requests are strict (no type coercion) and refuse unknown fields, so a client's typo is an error,
not silently ignored. These models are also the source of the OpenAPI document's schemas. Lengths
and allowed values are checked by the domain rules, which also trim and normalise; the limits here
only mirror them for the document and cap what is parsed at all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workshop.domain import agenda, rules, themes, votes
from workshop.domain import exchange

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
    kit: str | None = Field(default=None, max_length=40, description="A format kit (GET /kits) to take the agenda from.")


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
    on_behalf_of: str | None = Field(
        default=None, max_length=rules.DISPLAY_NAME_MAX * 2,
        description="Facilitator or host only: post for a table or paper notes (\"Table 3\"), 1 to 60 characters.",
    )


class NoteUpdate(Request):
    text: str | None = Field(default=None, max_length=rules.NOTE_TEXT_MAX * 4)
    kind: Kind | None = None
    colour: ColourName | None = None
    visible: bool | None = Field(default=None, description="Moderators only (the site's facilitator or the host): hide or restore.")


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
    vote_budget: int = Field(description="Dot voting: votes per participant per voting phase.")
    votes_several_per_note: bool = Field(description="Dot voting: may one participant put several votes on one note?")
    votes_hidden: bool = Field(description="Dot voting: totals stay off the screens at a site until its facilitator reveals them.")


class SiteOut(Response):
    id: str
    event_id: str
    name: str
    angle: str
    join_code: str
    position: int
    created_at: str
    locked: bool = Field(description="A locked board takes no notes, votes or build-ons from participants.")
    votes_revealed: bool = Field(description="Its facilitator revealed the vote totals the host hides.")


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
    merged_into: str | None = Field(description="The note this duplicate was merged into (it is then hidden).")
    hidden_by: Literal["author", "moderator"] | None = Field(description="Who hid the note; null while it is visible.")
    on_behalf_of: str | None = Field(description="Whom a facilitator posted it for, such as a table.")
    theme_id: str | None = Field(description="The theme it is placed in; null while unplaced.")


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
    votes: dict[str, int] = Field(description="Note id -> votes, for the notes with votes at sites whose totals are shown.")
    build_ons: list[BuildOnOut] = Field(description="Build-ons of the visible notes, oldest first.")
    sends: list[SendOut] = Field(description="Notes and questions sent between sites, oldest first.")
    spotlights: dict[str, str] = Field(description="Site id -> the note in its spotlight (only sites with one).")
    themes: list[ThemeOut] = Field(description="The event's themes, in the order they were made; each note's theme_id places it.")


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


# -- moderation -----------------------------------------------------------------------------------


class NoteMerge(Request):
    into: str = Field(max_length=40, description="The note to keep: another note of the same event, on the board.")


class SiteUpdate(Request):
    locked: bool = Field(description="Lock (true) or unlock (false) the site's board for participants.")


class NoteMerged(Response):
    note: NoteOut = Field(description="The duplicate, now hidden, with merged_into set.")
    into: NoteOut = Field(description="The kept note, which now carries the duplicate's votes and build-ons.")


class ParticipantRemoved(Response):
    participant_id: str
    site_id: str
    removed_at: str
    hidden_note_ids: list[str] = Field(description="The notes hidden by this call (with hide_notes=true).")


# -- dot voting -----------------------------------------------------------------------------------


class NoFields(Request):
    """A call whose path says everything: an empty JSON object, or no body at all."""


class VotingPut(Request):
    budget: int = Field(description=f"Votes per participant per voting phase, 1 to {votes.BUDGET_MAX}.")
    several_per_note: bool = Field(description="May a participant put more than one of their votes on one note?")
    hidden: bool = Field(description="Keep the totals off the screens at each site until its facilitator reveals them.")


class RevealPost(Request):
    revealed: bool = Field(description="Show (true) or hide again (false) the site's totals, when the host hides them.")


class VoteOut(Response):
    note_id: str
    votes: int | None = Field(description="The note's total; null while the note's site hides its totals.")
    votes_left: int = Field(description="How many votes you have left in this phase.")
    yours: int = Field(description="How many of your votes in this phase are on this note.")


class VotingOut(Response):
    budget: int
    several_per_note: bool
    hidden: bool


class RevealOut(Response):
    site_id: str
    revealed: bool


class BallotOut(Response):
    phase_id: str | None = Field(description="Your site's current phase; null before the agenda starts.")
    open: bool = Field(description="Whether that phase allows voting.")
    budget: int
    spent: int = Field(description="Your votes cast in this phase.")
    votes_left: int
    notes: dict[str, int] = Field(description="Note id -> your votes on it in this phase.")


class RankedNote(Response):
    note_id: str
    site_id: str
    text: str
    votes: int
    share: float = Field(description="Its share of all the votes on its own site's notes, 0 to 1: comparable across sites.")
    rank: int = Field(description="Its place within its own site, from 1; equal votes share a rank.")


class SiteResults(Response):
    site_id: str
    name: str
    notes: list[RankedNote] = Field(description="The site's notes with votes, most votes first.")


class ResultsOut(Response):
    sites: list[SiteResults] = Field(description="Every site, in the sites' order.")
    across_sites: list[RankedNote] = Field(description="Every voted note, by its share of its own site's votes, then by votes.")


# -- ideas travelling: build-ons, sends, spotlights ------------------------------------------------


class BuildOnCreate(Request):
    text: str = Field(max_length=exchange.BUILD_ON_MAX * 4, description=f"1 to {exchange.BUILD_ON_MAX} characters after trimming.")
    client_id: str | None = Field(
        default=None, max_length=rules.CLIENT_ID_MAX, description="The client's id for this build-on: a retry with the same id returns the first."
    )


class SendCreate(Request):
    note_id: str | None = Field(default=None, max_length=40, description="One of the sending site's notes; or give a question.")
    question: str | None = Field(default=None, max_length=exchange.QUESTION_MAX * 4, description=f"1 to {exchange.QUESTION_MAX} characters.")
    to_site_id: str | None = Field(default=None, max_length=40, description="Another site of the event; left out or null: every other site.")


class SpotlightPut(Request):
    note_id: str | None = Field(max_length=40, description="A note shown at the site (its own, or one sent to it); null clears the spotlight.")


class BuildOnOut(Response):
    id: str
    event_id: str
    note_id: str
    site_id: str = Field(description="The note's site.")
    participant_id: str
    author_site_id: str = Field(description="The site of the participant who built on the note.")
    seq: int
    text: str
    created_at: str
    client_id: str | None


class SendOut(Response):
    id: str
    event_id: str
    from_site_id: str
    to_site_id: str | None = Field(description="null: every site but the sender.")
    note_id: str | None
    question: str | None
    seq: int
    created_at: str


class SpotlightOut(Response):
    site_id: str
    note: NoteOut | None = Field(description="The note now in the site's spotlight; null when cleared.")


# -- themes ---------------------------------------------------------------------------------------


class ThemeName(Request):
    name: str = Field(max_length=themes.NAME_MAX * 2, description=f"1 to {themes.NAME_MAX} characters; not another theme's name in the event.")


class ThemeMerge(Request):
    into: str = Field(max_length=40, description="The theme to keep: another theme of the same event.")


class NotePlace(Request):
    theme_id: str | None = Field(max_length=40, description="A theme of the note's event; null takes the note out of its theme.")


class ThemeOut(Response):
    id: str
    event_id: str
    name: str
    seq: int = Field(description="The log entry that created it: themes are listed in this order.")
    created_at: str


class ThemeSummary(ThemeOut):
    counts: dict[str, int] = Field(description="Site id -> its visible notes in the theme (only sites with some).")
    total: int
    note_ids: list[str] = Field(description="Its visible notes, newest first.")


class ThemeList(Response):
    themes: list[ThemeSummary] = Field(description="In the order they were made.")


class ThemeMerged(Response):
    theme: ThemeOut = Field(description="The kept theme.")
    moved_note_ids: list[str] = Field(description="The notes moved into it.")


class ThemeDeleted(Response):
    theme_id: str
    unplaced_note_ids: list[str] = Field(description="Its notes, now in no theme.")


class SuggestionOut(Response):
    theme_id: str
    score: float = Field(description="0 to 1: the theme's share among the event's themes, for ranking (1 with a single theme).")
    confidence: float = Field(description="0 to 1: how sure the engine is of this theme on its own, whatever the other themes.")
    words: list[str] = Field(description="Words the note shares with the theme: the reason, to show.")
    nearest: list[str] = Field(description="The theme's notes most like this one.")


class DuplicateOut(Response):
    note_id: str = Field(description="A note that likely makes the same point (any site's, any language).")
    score: float
    words: list[str]


class NoteSuggestionsOut(Response):
    note_id: str
    site_id: str
    themes: list[SuggestionOut] = Field(description="Likely themes, best first.")
    duplicates: list[DuplicateOut] = Field(description="Notes it likely repeats, most alike first.")


class GroupOut(Response):
    note_ids: list[str]
    name: str = Field(description="A name to start the theme from.")
    words: list[str]


class SuggestionsOut(Response):
    site_id: str | None = Field(description="The site whose notes these are; null for every site (the host).")
    ready: bool = Field(description="False while the engine is still reading the event's notes (nothing offered yet): ask again shortly.")
    notes: list[NoteSuggestionsOut] = Field(description="Of the newest unplaced notes (at most 10), those with a theme or a duplicate to offer, newest first.")
    groups: list[GroupOut] = Field(description="Before any theme exists: notes that seem to belong together.")


BoardOut.model_rebuild()  # BoardOut names BuildOnOut, SendOut and ThemeOut, which are defined after it
