"""Dot voting's pure rules: the settings, when a vote counts, and the per-site normalised ranking."""

from __future__ import annotations

import pytest

from workshop.domain import votes
from workshop.domain.errors import RuleError
from workshop.domain.models import Phase

VOTING = Phase("p", "e", 0, "Voting", 10, ("vote",), "", "")
IDEAS = Phase("q", "e", 1, "Ideas", 10, ("post",), "", "")


def refused(call, *args, **kwargs) -> RuleError:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("budget", "several", "hidden", "code"),
    [(0, False, False, "invalid_budget"), (21, False, False, "invalid_budget"), ("3", False, False, "invalid_budget"),
     (True, False, False, "invalid_budget"), (3, "yes", False, "invalid_setting"), (3, False, 1, "invalid_setting")],
)
def test_bad_settings_are_refused(budget: object, several: object, hidden: object, code: str) -> None:
    assert refused(votes.settings, budget, several, hidden).code == code


def test_votes_are_spent_only_in_a_voting_phase_and_within_the_budget() -> None:
    three = votes.settings(3, False, False)
    votes.can_vote(VOTING, three, spent=2, on_note=0)
    for phase in (None, IDEAS):
        assert refused(votes.can_vote, phase, three, spent=0, on_note=0).code == "not_in_this_phase"
    over = refused(votes.can_vote, VOTING, three, spent=3, on_note=0)
    assert over.code == "over_budget" and "3" in over.message


def test_several_votes_on_one_note_only_when_the_host_allows_it() -> None:
    assert refused(votes.can_vote, VOTING, votes.settings(3, False, False), spent=1, on_note=1).code == "already_voted"
    votes.can_vote(VOTING, votes.settings(3, True, False), spent=2, on_note=2)


def test_a_small_site_is_not_drowned_by_a_big_one() -> None:
    note_sites = {"big-1": "big", "big-2": "big", "big-3": "big", "small-1": "small", "small-2": "small"}
    counted = {"big-1": 40, "big-2": 30, "big-3": 30, "small-1": 6, "small-2": 2, "unvoted": 0}
    ranked = votes.ranking(counted, note_sites)
    assert [(r.note_id, r.rank, r.share) for r in ranked["big"]] == [("big-1", 1, 0.4), ("big-2", 2, 0.3), ("big-3", 2, 0.3)]
    assert [(r.note_id, r.share) for r in ranked["small"]] == [("small-1", 0.75), ("small-2", 0.25)]
    # Across sites the small site's favourite (6 votes, 75 % of its site) comes before the big one's (40, 40 %).
    assert [r.note_id for r in votes.across_sites(ranked)][:2] == ["small-1", "big-1"]


def test_notes_without_votes_or_unknown_notes_are_not_ranked() -> None:
    assert votes.ranking({"a": 0, "ghost": 3}, {"a": "s"}) == {}
