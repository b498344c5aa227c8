"""Property tests (Hypothesis) of the pure domain rules in workshop/domain/.

Each test states something that must hold for every input, and Hypothesis looks for an input that
breaks it: any text (controls, combining marks, invisible and right-to-left characters, surrogates),
any value where a number or a name is expected. The invariants are the ones callers rely on:
- what a rule accepts comes back unchanged when checked again (a stored value stays valid, a
  repeated edit changes nothing);
- what it refuses raises `RuleError` with one of the function's stable codes, never another exception;
- join codes survive being read aloud, lower-cased and typed with spaces or dashes;
- a clock's elapsed time never goes negative or backwards, and a pause stops it;
- a ranking is a permutation of the voted notes, ordered, with shared ranks for equal votes;
- two theme names that differ only in case, spacing or invisible characters are one theme.

Deterministic (derandomized) so CI is stable; `WORKSHOP_PROPERTY_EXAMPLES=5000` runs many more
examples locally.
"""

from __future__ import annotations

import os
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workshop.domain import agenda, codes, exchange, moderation, rules, themes, votes
from workshop.domain.agenda import Activity, ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, Note, NoteKind, Phase, Role, Send, SiteClock

EXAMPLES = int(os.environ.get("WORKSHOP_PROPERTY_EXAMPLES", "200"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)

# Text as people and programs type it: any character (surrogates too, which JSON can carry), with
# the troublesome ones made likely: controls, combining marks, zero-width and bidi formatting,
# odd spaces, and letters that case-fold or compose.
TRICKY = "\x00\x01\x1b\x7f\x85\r\n\t \u00a0\u2028\u2029\u200b\u200d\u2060\ufeff\u202e\u0301\u0308\u030a\u034fe\u00e5a\u00dfI\u0130\u0131\u01c5\ufb01\u3000\u3164"
any_text = st.text(alphabet=st.one_of(st.characters(codec=None), st.sampled_from(TRICKY)), max_size=80)
any_value: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), any_text, st.lists(st.integers(), max_size=3), st.dictionaries(any_text, st.integers(), max_size=2)
)


def refusal(call: Any, *args: Any, **kwargs: Any) -> RuleError | None:
    """None when `call` accepts; the RuleError when it refuses. Any other exception fails the test."""
    try:
        call(*args, **kwargs)
    except RuleError as error:
        assert error.code and error.message.strip(), error
        return error
    return None


# -- rules.py: text ---------------------------------------------------------------------------------


@PROPERTY
@given(st.one_of(any_text, st.text(alphabet="ea \t\n\r\x01\x7f\u0301\u030a\u200b", max_size=12)))
def test_cleaned_text_is_clean_and_cleaning_it_again_changes_nothing(raw: str) -> None:
    cleaned = rules.clean_text(raw)
    assert rules.clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)  # "å" from two keyboards compares equal
    assert cleaned == cleaned.strip()
    assert "\r" not in cleaned
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in cleaned)


TEXT_RULES = [
    (rules.event_title, rules.TITLE_MAX, True),
    (rules.event_theme, rules.THEME_MAX, True),
    (rules.site_name, rules.SITE_NAME_MAX, True),
    (rules.note_text, rules.NOTE_TEXT_MAX, False),
    (rules.event_description, rules.DESCRIPTION_MAX, False),
    (rules.site_angle, rules.ANGLE_MAX, False),
    (themes.theme_name, themes.NAME_MAX, True),
    (moderation.proxy_name, rules.DISPLAY_NAME_MAX, True),
    (exchange.build_on_text, exchange.BUILD_ON_MAX, False),
]


@pytest.mark.parametrize(("rule", "maximum", "single_line"), TEXT_RULES, ids=lambda value: getattr(value, "__name__", ""))
@PROPERTY
@given(raw=st.one_of(any_text, any_text.map(lambda text: text * 40)))
def test_a_text_the_rules_accept_stays_accepted_and_unchanged(rule: Any, maximum: int, single_line: bool, raw: str) -> None:
    error = refusal(rule, raw)
    if error is not None:
        assert error.code in {"empty", "too_long"}, error.code
        assert error.field is not None
        return
    kept = rule(raw)
    assert rule(kept) == kept  # stored, then checked again (an edit, an import): still valid, still the same
    assert len(kept) <= maximum
    if single_line:
        assert kept and not any(ch in kept for ch in "\n\t") and "  " not in kept


@PROPERTY
@given(any_text)
def test_a_required_text_that_shows_nothing_is_refused_as_empty(raw: str) -> None:
    invisible = "".join(ch for ch in raw if unicodedata.category(ch)[0] in "CZ")  # controls, formatting, spaces only
    assert refusal(rules.note_text, invisible).code == "empty"  # type: ignore[union-attr]
    assert refusal(rules.site_name, invisible).code == "empty"  # type: ignore[union-attr]


@PROPERTY
@given(st.one_of(st.none(), any_text))
def test_display_names_are_anonymous_blank_or_kept_as_checked(raw: str | None) -> None:
    error = refusal(rules.display_name, raw)
    if error is not None:
        assert error.code in {"empty", "too_long"}
        return
    name = rules.display_name(raw)
    if name is not None:
        assert rules.display_name(name) == name and len(name) <= rules.DISPLAY_NAME_MAX


@PROPERTY
@given(st.one_of(st.none(), any_text))
def test_client_ids_are_printable_bounded_and_stable(raw: str | None) -> None:
    error = refusal(rules.client_id, raw)
    if error is not None:
        assert error.code == "invalid_client_id"
        return
    kept = rules.client_id(raw)
    if kept is not None:
        assert kept.isprintable() and 0 < len(kept) <= rules.CLIENT_ID_MAX
        assert rules.client_id(kept) == kept


# -- rules.py: names from a fixed list --------------------------------------------------------------


def _spelled(values: list[str]) -> st.SearchStrategy[str]:
    """A valid name as people type it: any case, spaces around."""
    return st.tuples(st.sampled_from(values), st.sampled_from(["", " ", "\t"]), st.booleans()).map(
        lambda parts: f"{parts[1]}{parts[0].upper() if parts[2] else parts[0]}{parts[1]}"
    )


@PROPERTY
@given(st.one_of(st.none(), any_text, _spelled([language for language in rules.LANGUAGES])))
def test_a_language_is_one_of_the_list_or_refused(raw: str | None) -> None:
    error = refusal(rules.language, raw)
    if error is not None:
        assert error.code == "unknown_language" and error.field == "language"
        return
    code = rules.language(raw)
    assert code in rules.LANGUAGES and rules.language(code) == code


@PROPERTY
@given(st.one_of(st.none(), any_text, st.sampled_from(["Europe/Copenhagen", " UTC ", "America/", "../etc/passwd", "/etc/localtime", "Europe", "."])))
def test_a_time_zone_is_an_iana_name_or_refused(raw: str | None) -> None:
    error = refusal(rules.timezone, raw)
    if error is not None:
        assert error.code == "unknown_timezone"
        return
    key = rules.timezone(raw)
    assert rules.timezone(key) == key


@PROPERTY
@given(
    kind=st.one_of(st.none(), any_text, _spelled([kind.value for kind in NoteKind])),
    colour=st.one_of(st.none(), any_text, _spelled([colour.value for colour in Colour])),
    role=st.one_of(st.none(), any_text, _spelled([role.value for role in Role])),
)
def test_kinds_colours_and_roles_are_named_values_or_refused(kind: str | None, colour: str | None, role: str | None) -> None:
    kind_error = refusal(rules.note_kind, kind)
    assert kind_error is None or kind_error.code == "invalid_kind"
    clean_kind = rules.note_kind(kind) if kind_error is None else NoteKind.IDEA
    colour_error = refusal(rules.note_colour, colour, clean_kind)
    assert colour_error is None or colour_error.code == "invalid_colour"
    if colour_error is None and (colour is None or not colour.strip()):
        assert rules.note_colour(colour, clean_kind) == rules.DEFAULT_COLOUR[clean_kind]
    role_error = refusal(rules.role, role)
    assert role_error is None or role_error.code == "invalid_role"


@PROPERTY
@given(current=st.sampled_from(list(EventStatus)), wanted=st.one_of(any_text, st.sampled_from([status.value for status in EventStatus])))
def test_an_event_moves_only_forward_and_a_closed_one_stays_closed(current: EventStatus, wanted: str) -> None:
    error = refusal(rules.status_change, current, wanted)
    if error is not None:
        assert error.code in {"invalid_status", "invalid_status_change"}
        return
    target = rules.status_change(current, wanted)
    assert target == current or target in rules.STATUS_MOVES[current]
    if current is EventStatus.CLOSED:
        assert target is EventStatus.CLOSED


# -- rules.py: edits --------------------------------------------------------------------------------

notes = st.builds(
    lambda text, kind, colour, visible: Note("n1", "e", "s", "p", 1, text, kind, colour, visible, "t", "t"),
    text=st.sampled_from(["More trees", "Caf\u00e9", "e\u0301"]),
    kind=st.sampled_from(list(NoteKind)),
    colour=st.sampled_from(list(Colour)),
    visible=st.booleans(),
)


@PROPERTY
@given(note=notes, text=st.one_of(st.none(), any_text), kind=st.one_of(st.none(), _spelled([k.value for k in NoteKind])),
       colour=st.one_of(st.none(), st.just(""), _spelled([c.value for c in Colour])))
def test_an_edit_changes_only_what_it_changes_and_repeating_it_changes_nothing(
    note: Note, text: str | None, kind: str | None, colour: str | None
) -> None:
    if refusal(rules.note_changes, note, text=text, kind=kind, colour=colour) is not None:
        return
    changes = rules.note_changes(note, text=text, kind=kind, colour=colour)
    assert set(changes) <= {"text", "kind", "colour"}
    assert all(getattr(note, name) != value for name, value in changes.items())
    edited = Note(**{**{name: getattr(note, name) for name in note.__slots__}, **changes})  # type: ignore[attr-defined]
    assert rules.note_changes(edited, text=text, kind=kind, colour=colour) == {}


# -- codes.py ---------------------------------------------------------------------------------------

join_codes = st.text(alphabet=codes.ALPHABET, min_size=codes.LENGTH, max_size=codes.LENGTH)


@PROPERTY
@given(code=join_codes, lower=st.booleans(), separators=st.lists(st.sampled_from([" ", "-", "\t", "  "]), min_size=codes.LENGTH + 1, max_size=codes.LENGTH + 1))
def test_a_join_code_survives_the_wall_the_voice_and_the_keyboard(code: str, lower: bool, separators: list[str]) -> None:
    assert codes.normalise_join_code(code) == code
    assert codes.normalise_join_code(codes.display_join_code(code)) == code  # read off the projector
    typed = "".join(sep + ch for sep, ch in zip(separators, code.lower() if lower else code)) + separators[-1]
    assert codes.normalise_join_code(typed) == code


@PROPERTY
@given(st.one_of(any_text, st.text(alphabet=codes.ALPHABET + "01ILOAEU -ßſ", max_size=10)))
def test_anything_typed_is_a_canonical_code_or_none_and_never_an_error(typed: str) -> None:
    code = codes.normalise_join_code(typed)
    if code is not None:
        assert len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET)
        assert codes.normalise_join_code(code) == code


def test_new_join_codes_are_canonical_and_leave_out_look_alikes() -> None:
    assert not set("01ILOAEU") & set(codes.ALPHABET)
    for _ in range(200):
        code = codes.new_join_code()
        assert codes.normalise_join_code(code) == code


# -- agenda.py --------------------------------------------------------------------------------------


@PROPERTY
@given(name=any_value, minutes=any_value, allows=st.lists(st.one_of(any_value, st.sampled_from(["post", " VOTE ", "build"])), max_size=4),
       instructions=any_value, script=any_value)
def test_a_phase_is_checked_into_clean_values_or_refused_with_a_known_code(
    name: Any, minutes: Any, allows: list[Any], instructions: Any, script: Any
) -> None:
    error = refusal(agenda.phase_draft, name, minutes, allows, instructions, script)
    if error is not None:
        assert error.code in {"invalid_phase", "invalid_minutes", "invalid_activity", "empty", "too_long"}, error.code
        return
    draft = agenda.phase_draft(name, minutes, allows, instructions, script)
    assert 1 <= draft.minutes <= agenda.PHASE_MINUTES_MAX
    assert list(draft.allows) == [activity.value for activity in Activity if activity.value in draft.allows]  # canonical order, once each
    assert agenda.phase_draft(draft.name, draft.minutes, draft.allows, draft.instructions, draft.script) == draft


@PROPERTY
@given(any_value)
def test_extensions_and_clock_actions_are_checked(value: Any) -> None:
    error = refusal(agenda.extend_seconds, value)
    assert error is None or error.code == "invalid_seconds"
    if error is None:
        assert 1 <= agenda.extend_seconds(value) <= agenda.EXTEND_SECONDS_MAX
    error = refusal(agenda.clock_action, value)
    assert error is None or error.code == "invalid_action"


T0 = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
AGENDA = [Phase(f"p{n}", "e", n, name, minutes, allows, "", "") for n, (name, minutes, allows) in
          enumerate([("Welcome", 10, ()), ("Ideas", 20, ("post",)), ("Voting", 5, ("vote",))])]
clock_steps = st.lists(
    st.tuples(
        st.sampled_from(list(ClockAction)),
        st.floats(min_value=-5, max_value=900, allow_nan=False),  # seconds since the step before; a little back: another process's clock
        st.sampled_from([phase.id for phase in AGENDA] + ["nope"]),
        st.integers(min_value=-10, max_value=agenda.EXTEND_SECONDS_MAX + 10),
    ),
    max_size=12,
)


@PROPERTY
@given(clock_steps)
def test_a_clock_never_runs_backwards_never_counts_pauses_and_its_end_matches_its_countdown(steps: list[tuple[ClockAction, float, str, int]]) -> None:
    clock, now = SiteClock("s"), T0
    for action, after, phase_id, seconds in steps:
        now += timedelta(seconds=after)
        error = refusal(agenda.move, clock, AGENDA, action, agenda.stamp(now), phase_id=phase_id, seconds=seconds)
        if error is not None:
            assert error.code in {"unknown_phase", "agenda_finished", "not_started", "invalid_seconds", "no_agenda"}, error.code
            continue
        clock = agenda.move(clock, AGENDA, action, agenda.stamp(now), phase_id=phase_id, seconds=seconds)
        assert clock.paused_seconds >= 0 and clock.extra_seconds >= 0
        phase = agenda.current_phase(clock, AGENDA)
        if phase is None:
            assert clock.phase_id is None
            continue
        where = agenda.progress(clock, AGENDA, now)
        elapsed = agenda.elapsed(clock, now)
        assert elapsed >= 0
        assert where.remaining == pytest.approx(phase.minutes * 60 + clock.extra_seconds - elapsed)
        assert where.over == (where.remaining < 0)
        later = now + timedelta(seconds=90)
        if clock.paused_at is not None:
            assert where.ends_at is None and agenda.elapsed(clock, later) == elapsed  # a pause stops the countdown
        else:
            assert agenda.elapsed(clock, later) >= elapsed
            assert where.ends_at is not None
            assert clock.started_at is not None
            if (now - agenda.instant(clock.started_at)).total_seconds() >= clock.paused_seconds:
                # Screens count down to ends_at: it says what the countdown says (to the stamp's millisecond).
                assert (agenda.instant(where.ends_at) - now).total_seconds() == pytest.approx(where.remaining, abs=0.002)
            else:  # this process's clock is behind the one that started the phase: the countdown waits at full length
                assert where.remaining == phase.minutes * 60 + clock.extra_seconds


@PROPERTY
@given(positions=st.lists(st.one_of(st.none(), st.sampled_from([phase.id for phase in AGENDA])), min_size=1, max_size=5))
def test_the_hosts_next_takes_every_site_to_one_phase_past_the_one_furthest_along(positions: list[str | None]) -> None:
    clocks = [SiteClock(f"s{n}", phase_id, agenda.stamp(T0) if phase_id else None) for n, phase_id in enumerate(positions)]
    furthest = max((AGENDA[[p.id for p in AGENDA].index(pid)].position for pid in positions if pid), default=-1)
    error = refusal(agenda.move_many, clocks, AGENDA, ClockAction.NEXT, agenda.stamp(T0))
    if furthest == AGENDA[-1].position:
        assert error is not None and error.code == "agenda_finished"
        return
    moved = agenda.move_many(clocks, AGENDA, ClockAction.NEXT, agenda.stamp(T0))
    assert [clock.site_id for clock in moved] == [clock.site_id for clock in clocks]
    assert {clock.phase_id for clock in moved} == {AGENDA[furthest + 1].id}


# -- votes.py ---------------------------------------------------------------------------------------


@PROPERTY
@given(budget=any_value, several=any_value, hidden=any_value)
def test_voting_settings_are_a_budget_and_two_flags_or_refused(budget: Any, several: Any, hidden: Any) -> None:
    error = refusal(votes.settings, budget, several, hidden)
    if error is not None:
        assert error.code in {"invalid_budget", "invalid_setting"}
        return
    chosen = votes.settings(budget, several, hidden)
    assert 1 <= chosen.budget <= votes.BUDGET_MAX and type(chosen.budget) is int


@PROPERTY
@given(
    counts=st.dictionaries(st.text("abcdefgh", min_size=1, max_size=2), st.integers(min_value=-2, max_value=6), max_size=12),
    sites=st.dictionaries(st.text("abcdefgh", min_size=1, max_size=2), st.sampled_from(["aalborg", "odense", "aarhus"]), max_size=12),
)
def test_a_ranking_is_a_permutation_of_the_voted_notes_in_order_with_shared_ranks(counts: dict[str, int], sites: dict[str, str]) -> None:
    ranked = votes.ranking(counts, sites)
    voted = {note for note, count in counts.items() if count > 0 and note in sites}
    assert sorted(row.note_id for rows in ranked.values() for row in rows) == sorted(voted)
    for site_id, rows in ranked.items():
        assert rows and all(row.site_id == site_id == sites[row.note_id] and row.votes == counts[row.note_id] for row in rows)
        assert [row.votes for row in rows] == sorted((row.votes for row in rows), reverse=True)
        assert sum(row.share for row in rows) == pytest.approx(1.0)
        for row in rows:  # competition ranking: 1 + how many of the site's notes have more votes
            assert row.rank == 1 + sum(1 for other in rows if other.votes > row.votes)
    across = votes.across_sites(ranked)
    assert sorted(row.note_id for row in across) == sorted(voted)
    assert [row.share for row in across] == sorted((row.share for row in across), reverse=True)


@PROPERTY
@given(budget=st.integers(1, votes.BUDGET_MAX), several=st.booleans(), spent=st.integers(0, 25), on_note=st.integers(0, 5),
       phase_allows=st.one_of(st.none(), st.sampled_from([(), ("vote",), ("post", "vote")])))
def test_a_vote_is_refused_exactly_out_of_phase_over_budget_or_twice_on_a_note(
    budget: int, several: bool, spent: int, on_note: int, phase_allows: tuple[str, ...] | None
) -> None:
    assume(on_note <= spent)
    phase = None if phase_allows is None else Phase("p", "e", 0, "Phase", 5, phase_allows, "", "")
    rules_ = votes.VotingSettings(budget, several, False)
    error = refusal(votes.can_vote, phase, rules_, spent=spent, on_note=on_note)
    expected = (
        "not_in_this_phase" if phase is None or "vote" not in phase.allows
        else "over_budget" if spent >= budget
        else "already_voted" if on_note and not several
        else None
    )
    assert (error.code if error else None) == expected
    assert votes.Ballot("p", True, budget, spent).left == max(0, budget - spent)


@PROPERTY
@given(entry_type=st.sampled_from(["vote.cast", "vote.withdrawn", "note.merged", "note.created"]), shown=st.booleans(), total=st.integers(0, 9))
def test_hidden_totals_are_blanked_and_nothing_else_changes(entry_type: str, shown: bool, total: int) -> None:
    data: dict[str, object] = {"site_id": "s", "into_site_id": "s", "note_id": "n", "votes": total, "into_votes": total, "carried": {"votes": total}}
    before = repr(data)
    out = votes.without_hidden_totals(entry_type, data, lambda site: shown)
    assert repr(data) == before  # the log's own entry is untouched
    assert set(out) == set(data) and out["note_id"] == "n"
    hides = not shown and entry_type != "note.created"
    assert (out.get("votes") is None or out.get("into_votes") is None) == hides


# -- themes.py --------------------------------------------------------------------------------------

INVISIBLE = st.text(alphabet="\u200b\u200c\u200d\u2060\ufeff\u200e\u200f", max_size=3)


@PROPERTY
@given(name=any_text, case=st.sampled_from([str.upper, str.lower, str.title, lambda text: text]), padding=st.sampled_from(["", " ", "  ", "\u00a0"]),
       invisible=INVISIBLE)
def test_names_differing_only_in_case_spacing_or_invisible_characters_are_one_theme(name: str, case: Any, padding: str, invisible: str) -> None:
    assume(refusal(themes.theme_name, name) is None)
    taken = themes.theme_name(name)
    variant = padding + invisible + case(taken).replace(" ", "  ") + invisible + padding
    assume(refusal(themes.theme_name, variant) is None)
    assume(themes.name_key(case(taken)) == themes.name_key(taken))  # a few letters change under upper() ("ß" -> "SS" folds back; "ǰ" does not)
    error = refusal(themes.can_name, themes.theme_name(variant), taken=[taken])
    assert error is not None and error.code == "theme_exists"
    assert themes.name_key(themes.name_key(taken)) == themes.name_key(taken)


@PROPERTY
@given(name=any_text, others=st.lists(any_text, max_size=4))
def test_a_name_is_refused_only_when_another_theme_has_the_same_key(name: str, others: list[str]) -> None:
    error = refusal(themes.can_name, name, taken=others)
    clash = any(themes.name_key(other) == themes.name_key(name) for other in others)
    assert (error is not None) == clash
    assert error is None or error.code == "theme_exists"


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from(["aalborg", "odense"]), st.one_of(st.none(), st.sampled_from(["t1", "t2", "t3"]))), max_size=20))
def test_theme_counts_add_up_to_the_placed_notes(placed: list[tuple[str, str | None]]) -> None:
    counted = themes.counts(placed)
    assert sum(counter.total() for counter in counted.values()) == sum(1 for _, theme in placed if theme is not None)
    for theme_id, counter in counted.items():
        assert counter == Counter(site for site, theme in placed if theme == theme_id)
        assert themes.raised_at(counter) == (len(counter) >= 2)


# -- moderation.py and exchange.py ------------------------------------------------------------------

ids = st.sampled_from(["a", "b", "c"])


@PROPERTY
@given(note=ids, note_event=ids, into=ids, into_event=ids, note_merged=st.booleans(), into_merged=st.booleans())
def test_a_merge_is_refused_exactly_into_itself_across_events_or_of_merged_notes(
    note: str, note_event: str, into: str, into_event: str, note_merged: bool, into_merged: bool
) -> None:
    error = refusal(moderation.can_merge, note, note_event, into, into_event, note_merged=note_merged, into_merged=into_merged)
    allowed = note != into and note_event == into_event and not (note_merged or into_merged)
    assert (error is None) == allowed
    assert error is None or error.code in {"invalid_merge", "already_merged"}


@PROPERTY
@given(note=notes, visible=st.booleans())
def test_hiding_or_restoring_twice_is_the_same_as_once(note: Note, visible: bool) -> None:
    changes = moderation.visibility_changes(note, visible)
    after = Note(**{**{name: getattr(note, name) for name in note.__slots__}, **changes})  # type: ignore[attr-defined]
    assert after.visible == visible
    assert moderation.visibility_changes(after, visible) == {}
    if not visible and changes:
        assert after.hidden_by == moderation.HIDDEN_BY_MODERATOR


@PROPERTY
@given(sender=ids, to=st.one_of(st.none(), ids, st.just("elsewhere")), sites=st.lists(ids, max_size=3, unique=True),
       note_id=st.one_of(st.none(), st.just("n1")), question=st.one_of(st.none(), any_text))
def test_a_send_goes_from_one_site_to_others_of_the_event_and_never_back_to_itself(
    sender: str, to: str | None, sites: list[str], note_id: str | None, question: str | None
) -> None:
    error = refusal(exchange.send, sender, note_id=note_id, question=question, to_site_id=to, sites=sites)
    if error is not None:
        assert error.code in {"invalid_send", "unknown_site", "no_other_site", "empty", "too_long"}, error.code
        return
    draft = exchange.send(sender, note_id=note_id, question=question, to_site_id=to, sites=sites)
    assert (draft.note_id is None) != (draft.question is None)
    sent = Send("x", "e", sender, draft.to_site_id, draft.note_id, draft.question, 1, "t")
    reached = {site for site in sites if exchange.reaches(sent, site)}
    assert sender not in reached and reached
    assert reached == ({draft.to_site_id} if draft.to_site_id else set(sites) - {sender})


@PROPERTY
@given(site=ids, note_site=ids, visible=st.booleans(), sent_here=st.booleans())
def test_a_site_spotlights_and_sends_only_what_it_shows(site: str, note_site: str, visible: bool, sent_here: bool) -> None:
    note = Note("n", "e", note_site, "p", 1, "x", NoteKind.IDEA, Colour.YELLOW, visible, "t", "t")
    spotlight = refusal(exchange.can_spotlight, site, note, sent_here=sent_here)
    assert (spotlight is None) == (visible and (note_site == site or sent_here))
    sending = refusal(exchange.can_send_note, note, site)
    assert (sending is None) == (visible and note_site == site)

