"""The agenda and its clocks: phases, what participants may do in each, and the countdown.

An event's agenda is an ordered list of phases. Every site has its own clock (which phase it is in,
since when, paused or not, extended by how much), so a site that runs over is visible as such; the
host moves every site's clock at once, a facilitator moves their own site's. All of it is pure:
times come in as arguments, nothing here reads a clock or a store.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Phase, SiteClock
from workshop.domain.rules import bounded, refuse_if_closed

PHASE_NAME_MAX = 100
PHASE_TEXT_MAX = 2000  # instructions for participants, and the facilitator's script
PHASE_MINUTES_MAX = 480
AGENDA_PHASES_MAX = 40
EXTEND_SECONDS_MAX = 60 * 60


class Activity(str, enum.Enum):
    """What participants may do in a phase; a phase that allows none of them is read-only."""

    POST = "post"
    VOTE = "vote"
    BUILD = "build"


class ClockAction(str, enum.Enum):
    START = "start"  # go to a given phase, from its beginning
    NEXT = "next"  # go to the phase after the current one (skip what is left of this one)
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"  # add time to the current phase
    STOP = "stop"  # leave the agenda: no phase runs at the site (participants may do anything again)


@dataclass(frozen=True, slots=True)
class PhaseDraft:
    """A phase as typed by a host or taken from a kit, checked; `id` keeps an existing phase."""

    name: str
    minutes: int
    allows: tuple[str, ...]
    instructions: str
    script: str
    id: str | None = None


# -- checking input -----------------------------------------------------------------------------


def _text(value: object, field: str, maximum: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleError("invalid_phase", f"{field} must be text.", field)
    return bounded(value, field=field, maximum=maximum, minimum=1 if required else 0, single_line=required)


def allows(values: Iterable[object]) -> tuple[str, ...]:
    wanted: set[str] = set()
    for value in values:
        try:
            wanted.add(Activity(str(value).strip().lower()).value)
        except ValueError:
            raise RuleError("invalid_activity", "allows may hold post, vote and build (none: read only).", "allows")
    return tuple(activity.value for activity in Activity if activity.value in wanted)


def minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError("invalid_minutes", f"minutes must be a whole number from 1 to {PHASE_MINUTES_MAX}.", "minutes")
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= PHASE_MINUTES_MAX):
        raise RuleError("invalid_minutes", f"minutes must be a whole number from 1 to {PHASE_MINUTES_MAX}.", "minutes")
    return int(text)


def phase_draft(
    name: object, minutes_: object, allows_: Iterable[object], instructions: object = "", script: object = "", id: str | None = None
) -> PhaseDraft:
    return PhaseDraft(
        name=_text(name, "name", PHASE_NAME_MAX, required=True),
        minutes=minutes(minutes_),
        allows=allows(allows_),
        instructions=_text(instructions, "instructions", PHASE_TEXT_MAX),
        script=_text(script, "script", PHASE_TEXT_MAX),
        id=id,
    )


def agenda(drafts: Sequence[PhaseDraft]) -> list[PhaseDraft]:
    if len(drafts) > AGENDA_PHASES_MAX:
        raise RuleError("too_many_phases", f"An agenda has at most {AGENDA_PHASES_MAX} phases.", "phases")
    kept = [draft.id for draft in drafts if draft.id is not None]
    if len(kept) != len(set(kept)):
        raise RuleError("invalid_phase", "Each phase id may appear once.", "phases")
    return list(drafts)


def extend_seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= EXTEND_SECONDS_MAX:
        raise RuleError("invalid_seconds", f"seconds must be a whole number from 1 to {EXTEND_SECONDS_MAX}.", "seconds")
    return value


def clock_action(value: object) -> ClockAction:
    try:
        return ClockAction(str(value))
    except ValueError:
        raise RuleError("invalid_action", "action must be start, next, pause, resume, extend or stop.", "action")


# -- time ---------------------------------------------------------------------------------------


def instant(value: str) -> datetime:
    """A stored timestamp (ISO 8601, UTC, `Z`) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def stamp(moment: datetime) -> str:
    """The stored form of a moment: ISO 8601 in UTC with milliseconds and `Z`, which sorts in time order."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def elapsed(clock: SiteClock, now: datetime) -> float:
    """Seconds the current phase has run, not counting pauses."""
    if clock.started_at is None:
        return 0.0
    until = instant(clock.paused_at) if clock.paused_at else now
    return max(0.0, (until - instant(clock.started_at)).total_seconds() - clock.paused_seconds)


def remaining(clock: SiteClock, phase: Phase, now: datetime) -> float:
    """Seconds left in the phase; negative when it has run over."""
    return phase.minutes * 60 + clock.extra_seconds - elapsed(clock, now)


def ends_at(clock: SiteClock, phase: Phase) -> str | None:
    """When the phase runs out if nobody pauses it; None while paused or not started."""
    if clock.started_at is None or clock.paused_at is not None:
        return None
    end = instant(clock.started_at) + timedelta(seconds=phase.minutes * 60 + clock.extra_seconds + clock.paused_seconds)
    return stamp(end)


# -- moving a clock -----------------------------------------------------------------------------


def _current(clock: SiteClock, phases: Sequence[Phase]) -> Phase | None:
    return next((phase for phase in phases if phase.id == clock.phase_id), None)


def current_phase(clock: SiteClock | None, phases: Sequence[Phase]) -> Phase | None:
    return None if clock is None else _current(clock, phases)


def move(clock: SiteClock, phases: Sequence[Phase], action: ClockAction, now: str, *, phase_id: str | None = None, seconds: int = 0) -> SiteClock:
    """The clock after an action at `now`; RuleError when the action makes no sense here."""
    current = _current(clock, phases)
    if action is ClockAction.START:
        if not any(phase.id == phase_id for phase in phases):
            raise RuleError("unknown_phase", "That phase is not on this event's agenda.", "phase_id")
        return SiteClock(clock.site_id, phase_id, now)
    if action is ClockAction.NEXT:
        if not phases:
            raise RuleError("no_agenda", "This event has no agenda yet.")
        following = phases[0] if current is None else next((p for p in phases if p.position > current.position), None)
        if following is None:
            raise RuleError("agenda_finished", "This is the last phase of the agenda.")
        return SiteClock(clock.site_id, following.id, now)
    if current is None:
        raise RuleError("not_started", "No phase is running at this site.")
    if action is ClockAction.STOP:
        return SiteClock(clock.site_id)
    if action is ClockAction.PAUSE:
        return clock if clock.paused_at else replace(clock, paused_at=now)
    if action is ClockAction.RESUME:
        if clock.paused_at is None:
            return clock
        paused = (instant(now) - instant(clock.paused_at)).total_seconds()
        return replace(clock, paused_at=None, paused_seconds=clock.paused_seconds + max(0.0, paused))
    return replace(clock, extra_seconds=clock.extra_seconds + extend_seconds(seconds))


def move_many(
    clocks: Sequence[SiteClock], phases: Sequence[Phase], action: ClockAction, now: str, *, phase_id: str | None = None, seconds: int = 0
) -> list[SiteClock]:
    """The clocks after one action on all of them: the host's "next" takes every site past the one
    furthest along, so a site that ran over catches up; pause, resume, extend and stop touch only
    the sites where a phase is running."""
    if action is ClockAction.NEXT:
        target = move(lead(clocks, phases), phases, action, now).phase_id
        return [SiteClock(clock.site_id, target, now) for clock in clocks]
    if action is ClockAction.START:
        return [move(clock, phases, action, now, phase_id=phase_id) for clock in clocks]
    running = [clock for clock in clocks if current_phase(clock, phases) is not None]
    if not running:
        raise RuleError("not_started", "No phase is running at these sites.")
    return [move(clock, phases, action, now, seconds=seconds) for clock in running]


def lead(clocks: Iterable[SiteClock], phases: Sequence[Phase]) -> SiteClock:
    """The clock furthest along the agenda: the host's "next" moves every site past it."""
    positions = {phase.id: phase.position for phase in phases}
    started = [clock for clock in clocks if clock.phase_id in positions]
    if not started:
        return SiteClock("")
    return max(started, key=lambda clock: positions[clock.phase_id or ""])


def can_change_agenda(status: EventStatus) -> None:
    """Once closed, the agenda is part of the record of how the afternoon ran."""
    refuse_if_closed(status, "This event is closed; its agenda and clocks no longer change.")


def can_do(activity: Activity, phase: Phase | None) -> None:
    """Participants do anything before the agenda starts; once it runs, what the phase allows."""
    if phase is None or activity.value in phase.allows:
        return
    messages = {
        Activity.POST: "Posting notes is not open in this phase",
        Activity.VOTE: "Voting is not open in this phase",
        Activity.BUILD: "Building on notes is not open in this phase",
    }
    raise RuleError("not_in_this_phase", f"{messages[activity]} ({phase.name}).")


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a site is, as screens show it: "Aalborg still in phase 2, 3 min over"."""

    site_id: str
    phase: Phase | None
    number: int  # the phase's place in the agenda, from 1; 0 before the agenda starts there
    remaining: float  # seconds; negative once the phase has run over
    ends_at: str | None  # None while paused or not started
    paused: bool

    @property
    def over(self) -> bool:
        return self.phase is not None and self.remaining < 0


def progress(clock: SiteClock, phases: Sequence[Phase], now: datetime) -> Progress:
    phase = current_phase(clock, phases)
    if phase is None:
        return Progress(clock.site_id, None, 0, 0.0, None, False)
    number = 1 + [p.id for p in phases].index(phase.id)
    return Progress(clock.site_id, phase, number, remaining(clock, phase, now), ends_at(clock, phase), clock.paused_at is not None)
