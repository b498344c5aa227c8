"""The agenda's pure rules: checking phases, moving clocks, the countdown and who may do what when."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workshop.domain import agenda
from workshop.domain.agenda import Activity, ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Phase, SiteClock

T0 = "2026-12-02T13:00:00.000Z"


def at(seconds: float) -> str:
    return agenda.stamp(agenda.instant(T0) + timedelta(seconds=seconds))


def phases(*specs: tuple[str, int, tuple[str, ...]]) -> list[Phase]:
    return [Phase(f"p{n}", "e", n, name, minutes, allows, "", "") for n, (name, minutes, allows) in enumerate(specs)]


AGENDA = phases(("Welcome", 10, ()), ("Ideas", 20, ("post",)), ("Voting", 5, ("vote",)))


def refused(call, *args, **kwargs) -> RuleError:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- checking phases ----------------------------------------------------------------------------


def test_a_phase_draft_is_cleaned() -> None:
    draft = agenda.phase_draft("  Idea   round ", "20", ["BUILD", "post"], " Write ideas \r\n", "Step 1\nStep 2")
    assert (draft.name, draft.minutes, draft.allows) == ("Idea round", 20, ("post", "build"))
    assert (draft.instructions, draft.script) == ("Write ideas", "Step 1\nStep 2")


@pytest.mark.parametrize(
    ("name", "minutes", "allows", "code", "field"),
    [
        ("", 5, [], "empty", "name"),
        ("\u200b", 5, [], "empty", "name"),
        ("x" * 101, 5, [], "too_long", "name"),
        ("Ok", 0, [], "invalid_minutes", "minutes"),
        ("Ok", 481, [], "invalid_minutes", "minutes"),
        ("Ok", "5.5", [], "invalid_minutes", "minutes"),
        ("Ok", True, [], "invalid_minutes", "minutes"),
        ("Ok", "\u00b2", [], "invalid_minutes", "minutes"),
        ("Ok", 5, ["dance"], "invalid_activity", "allows"),
        (7, 5, [], "invalid_phase", "name"),
    ],
)
def test_bad_phases_are_refused(name: object, minutes: object, allows: list[str], code: str, field: str) -> None:
    error = refused(agenda.phase_draft, name, minutes, allows)
    assert (error.code, error.field) == (code, field)


def test_an_agenda_has_a_limit_and_each_kept_id_once() -> None:
    draft = agenda.phase_draft("Ok", 5, [])
    assert len(agenda.agenda([draft] * agenda.AGENDA_PHASES_MAX)) == agenda.AGENDA_PHASES_MAX
    assert refused(agenda.agenda, [draft] * (agenda.AGENDA_PHASES_MAX + 1)).code == "too_many_phases"
    kept = agenda.phase_draft("Ok", 5, [], id="p1")
    assert refused(agenda.agenda, [kept, kept]).code == "invalid_phase"


@pytest.mark.parametrize("seconds", [0, -60, 3601, 1.5, "60", True])
def test_extensions_are_whole_seconds_up_to_an_hour(seconds: object) -> None:
    assert refused(agenda.extend_seconds, seconds).code == "invalid_seconds"


def test_unknown_clock_actions_are_refused() -> None:
    assert agenda.clock_action("next") is ClockAction.NEXT
    assert refused(agenda.clock_action, "rewind").code == "invalid_action"


# -- the countdown ------------------------------------------------------------------------------


def test_the_countdown_runs_from_server_time_and_goes_negative_when_over() -> None:
    clock = agenda.move(SiteClock("s"), AGENDA, ClockAction.START, T0, phase_id="p1")
    ideas = AGENDA[1]
    assert agenda.remaining(clock, ideas, agenda.instant(at(60))) == 19 * 60
    assert agenda.ends_at(clock, ideas) == at(20 * 60)
    over = agenda.progress(clock, AGENDA, agenda.instant(at(23 * 60)))
    assert (over.number, over.remaining, over.over) == (2, -180, True)


def test_a_pause_stops_the_countdown_and_a_resume_moves_the_end() -> None:
    running = agenda.move(SiteClock("s"), AGENDA, ClockAction.START, T0, phase_id="p1")
    paused = agenda.move(running, AGENDA, ClockAction.PAUSE, at(60))
    ideas = AGENDA[1]
    assert agenda.ends_at(paused, ideas) is None
    assert agenda.remaining(paused, ideas, agenda.instant(at(600))) == 19 * 60  # frozen while paused
    resumed = agenda.move(paused, AGENDA, ClockAction.RESUME, at(120))
    assert agenda.ends_at(resumed, ideas) == at(20 * 60 + 60)
    assert agenda.move(resumed, AGENDA, ClockAction.RESUME, at(130)) == resumed  # resuming twice changes nothing


def test_extending_adds_time_to_the_current_phase_only() -> None:
    running = agenda.move(SiteClock("s"), AGENDA, ClockAction.START, T0, phase_id="p1")
    extended = agenda.move(running, AGENDA, ClockAction.EXTEND, at(10), seconds=300)
    assert agenda.ends_at(extended, AGENDA[1]) == at(25 * 60)
    following = agenda.move(extended, AGENDA, ClockAction.NEXT, at(30))
    assert (following.phase_id, following.extra_seconds, following.started_at) == ("p2", 0, at(30))


def test_moving_a_clock_that_cannot_move() -> None:
    fresh = SiteClock("s")
    assert refused(agenda.move, fresh, AGENDA, ClockAction.PAUSE, T0).code == "not_started"
    assert refused(agenda.move, fresh, [], ClockAction.NEXT, T0).code == "no_agenda"
    assert refused(agenda.move, fresh, AGENDA, ClockAction.START, T0, phase_id="elsewhere").code == "unknown_phase"
    last = agenda.move(fresh, AGENDA, ClockAction.START, T0, phase_id="p2")
    assert refused(agenda.move, last, AGENDA, ClockAction.NEXT, T0).code == "agenda_finished"
    assert agenda.move(fresh, AGENDA, ClockAction.NEXT, T0).phase_id == "p0"  # next from nothing is the first phase


def test_stopping_leaves_the_agenda_and_opens_everything_again() -> None:
    running = agenda.move(SiteClock("s"), AGENDA, ClockAction.START, T0, phase_id="p0")
    stopped = agenda.move(running, AGENDA, ClockAction.STOP, at(5))
    assert stopped == SiteClock("s") and agenda.current_phase(stopped, AGENDA) is None
    assert refused(agenda.move, stopped, AGENDA, ClockAction.STOP, at(6)).code == "not_started"


def test_the_hosts_next_takes_every_site_past_the_one_furthest_along() -> None:
    behind = SiteClock("aalborg", "p0", T0)
    ahead = SiteClock("copenhagen", "p1", T0, extra_seconds=60)
    idle = SiteClock("riga")
    moved = agenda.move_many([behind, ahead, idle], AGENDA, ClockAction.NEXT, at(5))
    assert [(c.site_id, c.phase_id, c.started_at, c.extra_seconds) for c in moved] == [
        ("aalborg", "p2", at(5), 0), ("copenhagen", "p2", at(5), 0), ("riga", "p2", at(5), 0),
    ]


def test_pausing_every_site_skips_those_not_started() -> None:
    moved = agenda.move_many([SiteClock("a", "p1", T0), SiteClock("b")], AGENDA, ClockAction.PAUSE, at(5))
    assert [(c.site_id, c.paused_at) for c in moved] == [("a", at(5))]
    assert refused(agenda.move_many, [SiteClock("b")], AGENDA, ClockAction.PAUSE, at(5)).code == "not_started"


# -- what participants may do -------------------------------------------------------------------


def test_before_the_agenda_starts_participants_may_do_anything() -> None:
    for activity in Activity:
        agenda.can_do(activity, None)


def test_a_phase_allows_only_what_it_says() -> None:
    agenda.can_do(Activity.POST, AGENDA[1])
    error = refused(agenda.can_do, Activity.POST, AGENDA[2])
    assert error.code == "not_in_this_phase" and "Voting" in error.message
    for activity in Activity:
        assert refused(agenda.can_do, activity, AGENDA[0]).code == "not_in_this_phase"  # read only


def test_a_closed_events_agenda_is_final() -> None:
    agenda.can_change_agenda(EventStatus.LIVE)
    assert refused(agenda.can_change_agenda, EventStatus.CLOSED).code == "event_closed"


def test_stamps_read_back_and_sort_in_time_order() -> None:
    assert agenda.stamp(agenda.instant(T0)) == T0
    assert sorted([at(61), at(5), at(600)]) == [at(5), at(61), at(600)]
