"""Dot voting: the host's settings, when a vote is allowed, and the results per site and across sites.

Votes are spent in a voting phase (one that allows `vote`), from a budget per participant per
phase. Totals may stay hidden at a site until its facilitator reveals them. Results are ranked per
site and, across sites, by each note's share of its own site's votes, so that a big site does not
drown a small one. Pure: counts come in as arguments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from workshop.domain.errors import RuleError
from workshop.domain.rules import refuse_if_closed
from workshop.domain.models import Event, EventStatus, Phase

BUDGET_MAX = 20


@dataclass(frozen=True, slots=True)
class VotingSettings:
    budget: int = 3  # votes per participant per voting phase
    several_per_note: bool = False  # may a participant put more than one of them on one note?
    hidden: bool = False  # totals stay hidden at a site until its facilitator reveals them


def settings(budget: object, several_per_note: object, hidden: object) -> VotingSettings:
    if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= BUDGET_MAX:
        raise RuleError("invalid_budget", f"The vote budget must be a whole number from 1 to {BUDGET_MAX}.", "budget")
    for name, value in (("several_per_note", several_per_note), ("hidden", hidden)):
        if not isinstance(value, bool):
            raise RuleError("invalid_setting", f"{name} must be true or false.", name)
    return VotingSettings(budget, bool(several_per_note), bool(hidden))


def settings_of(event: Event) -> VotingSettings:
    """The host's settings as the event record stores them."""
    return VotingSettings(event.vote_budget, event.votes_several_per_note, event.votes_hidden)


def totals_shown(rules: VotingSettings, revealed: bool) -> bool:
    """Whether a site's screens show its notes' totals: always, unless the host hides them until its facilitator reveals them."""
    return not rules.hidden or revealed


def without_hidden_totals(entry_type: str, data: dict[str, object], shown: Callable[[str], bool]) -> dict[str, object]:
    """An entry's data as someone who may not see a site's hidden totals gets it: the totals blanked.

    `shown(site_id)` says whether that site's totals are on its screens now. Votes stay anonymous
    either way; this keeps "hidden until revealed" true on the JSON stream and in the log too.
    """
    if entry_type in {"vote.cast", "vote.withdrawn"} and not shown(str(data["site_id"])):
        return {**data, "votes": None}
    if entry_type == "note.merged" and "into_votes" in data and not shown(str(data["into_site_id"])):
        carried = data.get("carried")
        return {**data, "into_votes": None, "carried": {**carried, "votes": None} if isinstance(carried, dict) else carried}
    return data


def can_change_votes(status: EventStatus) -> None:
    """Once closed, the votes are part of the record: none cast, taken back, revealed or re-weighed."""
    refuse_if_closed(status, "This event is closed; its votes are final.")


def voting_open(phase: Phase | None) -> bool:
    """Votes are cast only in a phase that allows voting (never before the agenda starts)."""
    return phase is not None and "vote" in phase.allows


def can_vote(phase: Phase | None, rules: VotingSettings, *, spent: int, on_note: int) -> None:
    """Refuse a vote outside a voting phase, beyond the budget, or a second one on a note when not allowed.

    `spent` is what this participant has already spent in this phase, `on_note` how many of those
    are on the note voted for.
    """
    if not voting_open(phase):
        raise RuleError("not_in_this_phase", "Voting is not open now; wait for a voting phase.")
    if spent >= rules.budget:
        raise RuleError("over_budget", f"You have used all {rules.budget} of your votes in this phase.")
    if on_note and not rules.several_per_note:
        raise RuleError("already_voted", "You have already voted for this note; give your other votes to other notes.")


def can_withdraw(phase: Phase | None, *, on_note: int) -> None:
    """A vote is taken back in the voting phase it was cast in, and only one that was cast."""
    if not voting_open(phase):
        raise RuleError("not_in_this_phase", "Voting is not open now, so votes can no longer be taken back.")
    if on_note <= 0:
        raise RuleError("no_vote", "You have no vote on this note to take back in this phase.")


@dataclass(frozen=True, slots=True)
class Ballot:
    """One participant's votes in their site's current phase: what their phone shows."""

    phase_id: str | None
    open: bool  # the phase allows voting
    budget: int
    spent: int  # votes cast in this phase
    notes: Mapping[str, int] = field(default_factory=dict)  # note id -> their votes on it in this phase

    @property
    def left(self) -> int:
        # A budget lowered below what was already spent leaves none, not a negative number.
        return max(0, self.budget - self.spent)


@dataclass(frozen=True, slots=True)
class Ranked:
    note_id: str
    site_id: str
    votes: int
    share: float  # of all the votes cast at the note's site (0 to 1): comparable across sites
    rank: int  # within its site, from 1; notes with equal votes share a rank


def ranking(votes: Mapping[str, int], note_sites: Mapping[str, str]) -> dict[str, list[Ranked]]:
    """Per site, its notes with at least one vote, most votes first, with their share of that site's votes.

    `votes` maps note id to the votes it received; `note_sites` maps note id to its site.
    """
    by_site: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for note_id, count in votes.items():
        if count > 0 and note_id in note_sites:
            by_site[note_sites[note_id]].append((note_id, count))
    ranked: dict[str, list[Ranked]] = {}
    for site_id, counted in by_site.items():
        total = sum(count for _, count in counted)
        counted.sort(key=lambda item: (-item[1], item[0]))
        rows: list[Ranked] = []
        for position, (note_id, count) in enumerate(counted):
            rank = rows[-1].rank if rows and rows[-1].votes == count else position + 1
            rows.append(Ranked(note_id, site_id, count, count / total, rank))
        ranked[site_id] = rows
    return ranked


def across_sites(ranked: Mapping[str, Iterable[Ranked]]) -> list[Ranked]:
    """Every voted note of the event, ordered by its share of its own site's votes, then by votes."""
    rows = [row for rows in ranked.values() for row in rows]
    return sorted(rows, key=lambda row: (-row.share, -row.votes, row.note_id))
