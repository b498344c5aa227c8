"""Theme rules (workshop.domain.themes): names, who places and removes, counts per site."""

from __future__ import annotations

from collections import Counter

import pytest

from workshop.domain import themes
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, Note, NoteKind, Theme


def note(site_id: str = "aalborg", *, visible: bool = True) -> Note:
    return Note("n1", "e1", site_id, "p1", 3, "More buses", NoteKind.IDEA, Colour.YELLOW, visible, "t0", "t0")


def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call()
    return caught.value.code


def test_a_name_is_trimmed_single_line_and_bounded() -> None:
    assert themes.theme_name("  Data \n and   privacy ") == "Data and privacy"
    assert code_of(lambda: themes.theme_name(" \u200b ")) == "empty"
    assert code_of(lambda: themes.theme_name("x" * (themes.NAME_MAX + 1))) == "too_long"


def test_names_that_differ_only_in_case_or_spacing_are_the_same_theme() -> None:
    assert code_of(lambda: themes.can_name("DATA and Privacy", taken=["Data  and privacy"])) == "theme_exists"
    themes.can_name("Data", taken=["Data and privacy"])  # a different name is fine
    assert themes.name_key("Ældre  Borgere") == themes.name_key("ældre borgere")
    assert code_of(lambda: themes.can_name("Da\u200bta\u202e", taken=["data"])) == "theme_exists"  # invisible characters too


def test_an_event_has_a_bounded_number_of_themes() -> None:
    themes.can_add_theme(themes.THEMES_MAX - 1)
    assert code_of(lambda: themes.can_add_theme(themes.THEMES_MAX)) == "too_many_themes"


def test_a_facilitator_places_only_their_sites_visible_notes_and_the_host_any() -> None:
    themes.can_place(note("aalborg"), "aalborg")
    themes.can_place(note("aalborg"), None)
    assert code_of(lambda: themes.can_place(note("aalborg"), "odense")) == "not_your_note"
    assert code_of(lambda: themes.can_place(note(visible=False), None)) == "not_shown_here"


def test_a_theme_with_another_sites_notes_is_removed_only_by_the_host() -> None:
    theme = Theme("t1", "e1", "Mobility", 4, "t0")
    themes.can_remove(theme, [], "aalborg")  # empty: anyone who facilitates
    themes.can_remove(theme, ["aalborg", "aalborg"], "aalborg")
    assert code_of(lambda: themes.can_remove(theme, ["aalborg", "odense"], "aalborg")) == "theme_shared"
    themes.can_remove(theme, ["aalborg", "odense"], None)


def test_a_theme_is_not_merged_into_itself_and_a_closed_event_keeps_its_themes() -> None:
    assert code_of(lambda: themes.can_merge("t1", "t1")) == "invalid_merge"
    assert code_of(lambda: themes.can_change_themes(EventStatus.CLOSED)) == "event_closed"
    themes.can_change_themes(EventStatus.DRAFT)


def test_counts_are_per_theme_and_site_and_leave_unplaced_notes_out() -> None:
    counted = themes.counts([("aalborg", "t1"), ("aalborg", "t1"), ("odense", "t1"), ("odense", None), ("odense", "t2")])
    assert counted == {"t1": Counter(aalborg=2, odense=1), "t2": Counter(odense=1)}
    assert themes.raised_at(counted["t1"]) and not themes.raised_at(counted["t2"])
