"""Moderation in the store (SQLite and PostgreSQL): the lock read inside the note's transaction, merging with what hangs
on a note, removing people, proxies, and every change logged in the same transaction."""

from __future__ import annotations

import asyncio

import pytest

from tests.stores import Backend
from tests.test_store import draft, new_event, new_participant, new_site
from workshop.domain import agenda
from workshop.domain.agenda import ClockAction
from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus
from workshop.domain.votes import VotingSettings
from workshop.store import NotFound, Store


async def refused(call, *args, **kwargs) -> RuleError:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        await call(*args, **kwargs)
    return caught.value


# -- locking ------------------------------------------------------------------------------------


async def test_a_lock_that_commits_first_refuses_notes_read_before_it(store: Store) -> None:
    """The participant (and their site) was read before the lock; the note's transaction still sees it."""
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)  # what the service holds when the lock lands
    locked, entry = await store.update_site(site.id, locked=True)
    assert locked.locked and entry is not None and entry.type == "site.updated"
    assert entry.data == {"site": {**entry.data["site"], "locked": True}, "changed": ["locked"]}

    assert (await refused(store.create_note, person, draft("While locked"))).code == "site_locked"
    assert await store.list_notes(event.id) == []
    await store.update_site(site.id, locked=False)
    assert (await store.create_note(person, draft("Open again"))).created


async def test_notes_racing_a_lock_land_before_it_or_are_refused(store: Store) -> None:
    """Posts in flight when the lock is asked for: those whose transaction comes first are stored
    (seq below the lock's entry), every one after it is refused, though all read the site unlocked."""
    event = await new_event(store)
    site = await new_site(store, event.id)
    people = [await new_participant(store, site) for _ in range(20)]

    async def post(number: int) -> int | None:
        try:
            return (await store.create_note(people[number], draft(f"note {number}"))).note.seq
        except RuleError as error:
            assert error.code == "site_locked"
            return None

    async def lock() -> int:
        _, entry = await store.update_site(site.id, locked=True)
        assert entry is not None
        return entry.seq

    # Ten posts, the lock, ten more posts. Which transaction goes first is the database's to decide
    # (SQLite takes them in the order asked, PostgreSQL's pool need not); what lands is before the lock.
    results = await asyncio.gather(*(post(n) for n in range(10)), lock(), *(post(n) for n in range(10, 20)))
    lock_seq = results[10]
    assert lock_seq is not None
    stored = [seq for seq in results[:10] + results[11:] if seq is not None]
    assert all(seq < lock_seq for seq in stored)
    assert len(await store.list_notes(event.id)) == len(stored)
    assert "note.created" not in [entry.type for entry in await store.log_since(event.id, lock_seq)]


async def test_locking_twice_logs_once_and_a_closed_event_is_not_locked(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    await store.update_site(site.id, locked=True)
    last = await store.last_seq(event.id)
    again, entry = await store.update_site(site.id, locked=True)
    assert again.locked and entry is None and await store.last_seq(event.id) == last
    assert (await store.get_site(site.id)).locked  # and read back
    await store.update_event(event.id, status=EventStatus.CLOSED)
    assert (await refused(store.update_site, site.id, locked=False)).code == "event_closed"
    with pytest.raises(NotFound):
        await store.update_site("no-such-site", locked=True)


# -- merging ------------------------------------------------------------------------------------


async def test_merging_hides_the_duplicate_and_logs_it(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    kept = (await store.create_note(person, draft("More trees"))).note
    duplicate = (await store.create_note(person, draft("more trees!"))).note

    merged, entry = await store.merge_note(duplicate.id, kept.id)
    assert (merged.visible, merged.merged_into, merged.hidden_by) == (False, kept.id, "moderator")
    assert entry.type == "note.merged" and entry.seq == await store.last_seq(event.id)
    assert {key: entry.data[key] for key in ("note_id", "into", "site_id")} == {"note_id": duplicate.id, "into": kept.id, "site_id": site.id}
    assert [n.id for n in await store.list_notes(event.id)] == [kept.id]

    assert (await refused(store.merge_note, duplicate.id, kept.id)).code == "already_merged"
    assert (await refused(store.merge_note, kept.id, duplicate.id)).code == "already_merged"
    assert (await refused(store.merge_note, kept.id, kept.id)).code == "invalid_merge"
    with pytest.raises(NotFound):
        await store.merge_note(kept.id, "no-such-note")


async def test_a_note_cannot_be_merged_into_a_hidden_one_or_another_events(store: Store) -> None:
    ours, theirs = await new_event(store), await new_event(store)
    person = await new_participant(store, await new_site(store, ours.id))
    stranger = await new_participant(store, await new_site(store, theirs.id))
    note = (await store.create_note(person, draft("Ours"))).note
    hidden = (await store.create_note(person, draft("Hidden"))).note
    foreign = (await store.create_note(stranger, draft("Theirs"))).note
    await store.update_note(hidden.id, visible=False, hidden_by="moderator")
    assert (await refused(store.merge_note, note.id, hidden.id)).code == "invalid_merge"
    assert (await refused(store.merge_note, note.id, foreign.id)).code == "invalid_merge"
    assert (await store.get_note(note.id)).visible


async def test_merging_carries_votes_and_build_ons_to_the_kept_note(store: Store, backend: Backend) -> None:
    event = await new_event(store)
    here, there = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    author, voter = await new_participant(store, here), await new_participant(store, there)
    kept = (await store.create_note(await new_participant(store, here), draft("Car-free Sundays"))).note
    duplicate = (await store.create_note(author, draft("Sundays without cars"))).note
    await store.create_build_on(voter, duplicate.id, "And free buses", client_id=None)  # before any phase: allowed
    phases, _ = await store.set_agenda(event.id, [agenda.phase_draft("Vote", 10, ["vote"])], kit=None)
    await store.move_clocks(event.id, ClockAction.START, phase_id=phases[0].id)
    await store.cast_vote(voter, duplicate.id)
    await store.cast_vote(author, duplicate.id)

    _, entry = await store.merge_note(duplicate.id, kept.id)
    assert (entry.data["carried"], entry.data["into_votes"]) == ({"votes": 2, "build_ons": 1, "votes_dropped": 0}, 2)
    assert (await store.board(event.id)).votes == {kept.id: 2}
    assert [b.note_id for b in await store.list_build_ons(kept.id)] == [kept.id]
    # every row now hangs on the kept note
    assert await backend.sql("SELECT DISTINCT note_id, site_id FROM votes") == [(kept.id, here.id)]
    assert await backend.sql("SELECT DISTINCT note_id, site_id FROM build_ons") == [(kept.id, here.id)]


async def test_a_note_is_not_merged_into_another_sites_note_inside_the_transaction(store: Store) -> None:
    event = await new_event(store)
    here, there = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    ours = (await store.create_note(await new_participant(store, here), draft("Dup"))).note
    theirs = (await store.create_note(await new_participant(store, there), draft("Bikes"))).note
    last = await store.last_seq(event.id)
    error = await refused(store.merge_note, ours.id, theirs.id)
    assert (error.code, error.field) == ("invalid_merge", "into") and "same site" in error.message
    assert (await store.get_note(ours.id)).visible and await store.last_seq(event.id) == last


async def _voting(store: Store, *, several_per_note: bool):  # type: ignore[no-untyped-def]
    """One site in a voting phase, a kept note and its duplicate, with the host's rule for several votes per note."""
    event = await new_event(store)
    site = await new_site(store, event.id)
    author = await new_participant(store, site)
    kept = (await store.create_note(author, draft("Bike lanes"))).note
    duplicate = (await store.create_note(author, draft("Bike lanes!"))).note
    await store.set_voting(event.id, VotingSettings(budget=3, several_per_note=several_per_note, hidden=False))
    phases, _ = await store.set_agenda(event.id, [agenda.phase_draft("Vote", 10, ["vote"])], kit=None)
    await store.move_clocks(event.id, ClockAction.START, phase_id=phases[0].id)
    return event, site, kept, duplicate


async def test_a_merge_drops_a_vote_that_would_be_a_voters_second_on_the_kept_note(store: Store) -> None:
    event, site, kept, duplicate = await _voting(store, several_per_note=False)
    both, once = await new_participant(store, site), await new_participant(store, site)
    await store.cast_vote(both, kept.id)
    await store.cast_vote(both, duplicate.id)
    await store.cast_vote(once, duplicate.id)

    _, entry = await store.merge_note(duplicate.id, kept.id)
    assert entry.data["carried"] == {"votes": 1, "build_ons": 0, "votes_dropped": 1}
    assert entry.data["into_votes"] == 2
    assert (await store.board(event.id)).votes == {kept.id: 2}
    ballot = await store.ballot(both)
    assert (ballot.notes, ballot.spent) == ({kept.id: 1}, 1)  # one vote on the note, and the dropped one to spend again
    assert (await store.ballot(once)).notes == {kept.id: 1}


async def test_a_merge_carries_every_vote_when_several_per_note_are_allowed(store: Store) -> None:
    event, site, kept, duplicate = await _voting(store, several_per_note=True)
    voter = await new_participant(store, site)
    await store.cast_vote(voter, kept.id)
    await store.cast_vote(voter, duplicate.id)
    _, entry = await store.merge_note(duplicate.id, kept.id)
    assert (entry.data["carried"], entry.data["into_votes"]) == ({"votes": 1, "build_ons": 0, "votes_dropped": 0}, 2)
    assert (await store.ballot(voter)).notes == {kept.id: 2}


# -- removing participants ----------------------------------------------------------------------


async def test_removing_a_participant_can_hide_their_notes_in_the_same_entry(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    troll, other = await new_participant(store, site), await new_participant(store, site)
    for text in ("one", "two"):
        await store.create_note(troll, draft(text))
    kept = (await store.create_note(other, draft("kept"))).note

    removed, hidden, entry = await store.remove_participant(troll.id, hide_notes=True)
    assert removed.removed_at is not None and entry is not None and entry.type == "participant.removed"
    assert [n.text for n in hidden] == ["one", "two"] and all(n.hidden_by == "moderator" for n in hidden)
    assert [n["id"] for n in entry.data["hidden_notes"]] == [n.id for n in hidden]
    assert entry.data["participant"]["removed_at"] == removed.removed_at
    assert [n.id for n in await store.list_notes(event.id)] == [kept.id]
    assert [p.id for p in await store.list_participants(site.id)] == [other.id]
    with pytest.raises(NotFound):  # a post already on its way when the removal landed
        await store.create_note(troll, draft("too late"))


async def test_removing_with_hidden_notes_deletes_their_build_ons_in_the_same_entry(store: Store) -> None:
    event = await new_event(store)
    here, there = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    troll, author = await new_participant(store, here), await new_participant(store, there)
    note = (await store.create_note(author, draft("Bikes"))).note
    spam = [(await store.create_build_on(troll, note.id, f"spam {n}", client_id=None)).build_on for n in range(2)]
    kind = (await store.create_build_on(author, note.id, "And racks", client_id=None)).build_on

    _, hidden, entry = await store.remove_participant(troll.id, hide_notes=True)
    assert hidden == [] and entry is not None and entry.seq == await store.last_seq(event.id)
    assert [(b["id"], b["text"], b["site_id"]) for b in entry.data["deleted_build_ons"]] == [(b.id, b.text, there.id) for b in spam]
    assert [b.id for b in await store.list_build_ons(note.id)] == [kind.id]
    assert [b.id for b in (await store.board(event.id)).build_ons] == [kind.id]
    assert (await store.remove_participant(troll.id, hide_notes=True))[2] is None  # nothing left to take away: nothing logged


async def test_removing_keeps_notes_unless_asked_and_a_second_removal_logs_only_new_hides(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person = await new_participant(store, site)
    note = (await store.create_note(person, draft("stays"))).note
    _, hidden, entry = await store.remove_participant(person.id, hide_notes=False)
    assert hidden == [] and entry is not None and (await store.get_note(note.id)).visible
    last = await store.last_seq(event.id)
    assert (await store.remove_participant(person.id, hide_notes=False))[2] is None
    assert await store.last_seq(event.id) == last
    _, hidden, entry = await store.remove_participant(person.id, hide_notes=True)  # hiding them afterwards
    assert [n.id for n in hidden] == [note.id] and entry is not None


# -- posting for a table --------------------------------------------------------------------------


async def test_posting_for_a_table_makes_one_proxy_per_name_and_ignores_the_lock(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    await store.update_site(site.id, locked=True)
    phases, _ = await store.set_agenda(event.id, [agenda.phase_draft("Listen", 5, [])], kit=None)
    await store.move_clocks(event.id, ClockAction.START, phase_id=phases[0].id)

    firsts = await asyncio.gather(*(store.create_proxy_note(site.id, "Table 3", draft(f"paper {n}")) for n in range(3)))
    other = await store.create_proxy_note(site.id, "Paper notes", draft("by hand"))
    assert len({w.note.participant_id for w in firsts}) == 1 and other.note.participant_id != firsts[0].note.participant_id
    assert {w.note.on_behalf_of for w in firsts} == {"Table 3"} and firsts[0].entry.data["note"]["on_behalf_of"] == "Table 3"
    proxy = await store.get_participant(firsts[0].note.participant_id)
    assert proxy.proxy and proxy.name == "Table 3"
    assert await store.list_participants(site.id) == []  # proxies are not people to remove

    again = await store.create_proxy_note(site.id, "Table 3", draft("paper 0", client_id="c-1"))
    retried = await store.create_proxy_note(site.id, "Table 3", draft("paper 0", client_id="c-1"))
    assert again.created and not retried.created and retried.note.id == again.note.id
    await store.update_event(event.id, status=EventStatus.CLOSED)
    assert (await refused(store.create_proxy_note, site.id, "Table 3", draft("late"))).code == "event_closed"


async def test_the_moderators_board_adds_hidden_notes_and_present_participants(store: Store) -> None:
    event = await new_event(store)
    site = await new_site(store, event.id)
    person, gone = await new_participant(store, site, "Ana"), await new_participant(store, site, "Bo")
    shown = (await store.create_note(person, draft("shown"))).note
    hidden = (await store.create_note(person, draft("hidden"))).note
    await store.update_note(hidden.id, visible=False, hidden_by="moderator")
    await store.remove_participant(gone.id, hide_notes=False)
    await store.create_proxy_note(site.id, "Table 1", draft("for a table"))

    plain = await store.board(event.id)
    assert plain.hidden_notes == [] and plain.participants == []
    full = await store.board(event.id, moderation=True)
    assert [n.id for n in full.hidden_notes] == [hidden.id] and full.hidden_notes[0].hidden_by == "moderator"
    assert [p.name for p in full.participants] == ["Ana"]
    assert shown.id in {n.id for n in full.notes}
