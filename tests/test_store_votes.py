"""Dot voting in the store (SQLite and PostgreSQL): the phase and the budget are checked inside the vote's transaction,
so concurrent votes never pass the budget and a phase change that commits first always wins."""

from __future__ import annotations

import asyncio

import pytest

from tests.stores import Backend
from tests.test_store import draft, new_event, new_participant, new_site
from workshop.domain import agenda, votes
from workshop.domain.agenda import ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import Note, Participant
from workshop.store import NotFound, Store, open_store
from workshop.store.sql import migration_scripts


async def voting_room(store: Store, notes: int = 3, **settings: object) -> tuple[str, Participant, list[Note]]:
    """An event with one site in a voting phase, a participant, and `notes` notes to vote on."""
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    posted = [(await store.create_note(person, draft(f"Idea {n}"))).note for n in range(notes)]
    if settings:
        await store.set_voting(event.id, votes.settings(**{"budget": 3, "several_per_note": False, "hidden": False, **settings}))
    await store.set_agenda(event.id, [agenda.phase_draft("Vote", 10, ["vote"]), agenda.phase_draft("Talk", 10, [])], kit=None)
    await store.move_clocks(event.id, ClockAction.NEXT)
    return event.id, person, posted


async def outcomes(calls: list) -> tuple[list, list[str]]:  # type: ignore[type-arg]
    """What concurrent calls gave: the successes, and the codes of the refusals."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    refused = [result.code for result in results if isinstance(result, RuleError)]
    assert all(isinstance(result, RuleError) or not isinstance(result, BaseException) for result in results), results
    return [result for result in results if not isinstance(result, BaseException)], refused


async def test_migration_adds_the_settings_with_their_defaults(store: Store) -> None:
    assert 3 in [version for version, _ in migration_scripts("sqlite")]
    event = await new_event(store)
    site = await new_site(store, event.id)
    assert (event.vote_budget, event.votes_several_per_note, event.votes_hidden) == (3, False, False)
    assert (await store.get_event(event.id)).vote_budget == 3 and not (await store.get_site(site.id)).votes_revealed


async def test_ten_concurrent_votes_with_a_budget_of_three_leave_exactly_three(store: Store) -> None:
    event_id, person, notes = await voting_room(store, notes=10)
    cast, refused = await outcomes([store.cast_vote(person, note.id) for note in notes])
    assert len(cast) == 3 and refused == ["over_budget"] * 7
    assert sum((await store.vote_tallies(event_id)).values()) == 3
    assert sorted(written.ballot.left for written in cast) == [0, 1, 2]
    entries = [e for e in await store.log_since(event_id, 0) if e.type == "vote.cast"]
    assert len(entries) == 3 and [e.seq for e in entries] == sorted(written.entry.seq for written in cast)
    assert (await store.ballot(person)).left == 0


async def test_concurrent_votes_on_one_note_count_once_unless_several_are_allowed(store: Store) -> None:
    event_id, person, (note,) = await voting_room(store, notes=1)
    cast, refused = await outcomes([store.cast_vote(person, note.id) for _ in range(5)])
    assert len(cast) == 1 and refused == ["already_voted"] * 4
    await store.set_voting(event_id, votes.settings(3, True, False))
    cast, refused = await outcomes([store.cast_vote(person, note.id) for _ in range(5)])
    assert len(cast) == 2 and refused == ["over_budget"] * 3
    assert await store.vote_tallies(event_id) == {note.id: 3}


async def test_a_phase_change_that_commits_first_refuses_the_vote(store: Store) -> None:
    """Votes racing the end of the voting phase: those stored were all committed before the change."""
    event_id, person, notes = await voting_room(store, notes=3)
    _, refused = await outcomes([
        store.cast_vote(person, notes[0].id), store.move_clocks(event_id, ClockAction.NEXT),
        store.cast_vote(person, notes[1].id), store.cast_vote(person, notes[2].id),
    ])
    assert set(refused) <= {"not_in_this_phase"}
    log = await store.log_since(event_id, 0)
    moved = [entry.seq for entry in log if entry.type == "clock.changed"][-1]  # the end of the voting phase
    assert all(entry.seq < moved for entry in log if entry.type == "vote.cast")
    assert len([entry for entry in log if entry.type == "vote.cast"]) == 3 - len(refused)
    with pytest.raises(RuleError) as late:
        await store.cast_vote(person, notes[0].id)
    assert late.value.code == "not_in_this_phase"


async def test_a_vote_is_taken_back_once_and_logged_without_the_voter(store: Store) -> None:
    event_id, person, notes = await voting_room(store)
    await store.cast_vote(person, notes[0].id)
    taken = await store.withdraw_vote(person, notes[0].id)
    assert (taken.votes, taken.ballot.left, taken.entry.type) == (0, 3, "vote.withdrawn")
    assert taken.entry.data == {"note_id": notes[0].id, "site_id": notes[0].site_id, "votes": 0, "phase_id": taken.ballot.phase_id}
    with pytest.raises(RuleError) as none_left:
        await store.withdraw_vote(person, notes[0].id)
    assert none_left.value.code == "no_vote"
    assert await store.vote_tallies(event_id) == {}


async def test_only_visible_notes_of_the_voters_event_get_votes(store: Store) -> None:
    event_id, person, notes = await voting_room(store)
    other = await new_event(store, "Another workshop")
    stranger_note = (await store.create_note(await new_participant(store, await new_site(store, other.id)), draft("Theirs"))).note
    await store.update_note(notes[0].id, visible=False)
    for note_id in (stranger_note.id, notes[0].id, "no-such-note"):
        with pytest.raises(NotFound):
            await store.cast_vote(person, note_id)
    assert await store.vote_tallies(event_id) == {}


async def test_unchanged_settings_and_reveals_log_nothing(store: Store) -> None:
    event_id, person, notes = await voting_room(store, hidden=True)
    site_id = person.site_id
    before = await store.last_seq(event_id)
    _, nothing = await store.set_voting(event_id, votes.settings(3, False, True))
    site, unchanged = await store.reveal_votes(site_id, revealed=False)
    assert nothing is None and unchanged is None and not site.votes_revealed
    assert await store.last_seq(event_id) == before
    site, entry = await store.reveal_votes(site_id, revealed=True)
    assert site.votes_revealed and entry is not None and entry.data == {"site_id": site_id, "revealed": True, "totals": {}}


async def test_votes_settings_and_reveals_survive_a_restart_and_are_on_the_board(backend: Backend) -> None:
    first = open_store(backend.url)
    await first.open()
    event_id, person, notes = await voting_room(first, budget=5, hidden=True)
    await first.cast_vote(person, notes[1].id)
    await first.reveal_votes(person.site_id, revealed=True)
    await first.close()

    second = open_store(backend.url)
    await second.open()
    try:
        state = await second.board(event_id)
        assert state.votes == {notes[1].id: 1}
        assert (state.event.vote_budget, state.event.votes_hidden, state.sites[0].votes_revealed) == (5, True, True)
        assert (await second.ballot(person)).left == 4
    finally:
        await second.close()
