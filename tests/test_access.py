"""Tokens and what each role may do: hosts, facilitators, viewers, participants."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.stores import sqlite_only
from workshop.access import Principal, Role, Tokens, hash_host_secret
from workshop.bus import MemoryBus
from workshop.domain.models import Site
from workshop.service import Workshop
from workshop.store import Store

SECRET_KEY = "test-secret-key-for-signing"


@dataclass
class Setup:
    workshop: Workshop
    tokens: Tokens
    event_id: str
    host_token: str
    sites: list[Site]
    participant_ids: list[str]
    participant_tokens: list[str]


@pytest.fixture
def tokens(store: Store) -> Tokens:
    return Tokens(SECRET_KEY, store)


@pytest.fixture
def workshop(store: Store, tokens: Tokens) -> Workshop:
    return Workshop(store, tokens, MemoryBus())


async def make_event(workshop: Workshop, title: str = "Event") -> Setup:
    created = await workshop.create_event(title=title, theme="Theme")
    sites = [await workshop.add_site(created.event.id, name=name) for name in ("A", "B")]
    joined = [await workshop.join(site.join_code) for site in sites]
    return Setup(
        workshop, workshop.tokens, created.event.id, created.host_token, sites,
        [j.participant.id for j in joined], [j.token for j in joined],
    )


@pytest.fixture
async def one(workshop: Workshop) -> Setup:
    return await make_event(workshop, "One")


@pytest.fixture
async def two(workshop: Workshop) -> Setup:
    return await make_event(workshop, "Two")


def tamper(token: str) -> str:
    """Change the first character of the signature (after the last dot; the end of a host token)."""
    at = token.rfind(".") + 1 or len(token) - 1
    swapped = "A" if token[at] != "A" else "B"
    return token[:at] + swapped + token[at + 1 :]


def tamper_payload(token: str) -> str:
    """Change the first character of a signed token's payload, keeping its signature."""
    at = 2
    swapped = "A" if token[at] != "A" else "B"
    return token[:at] + swapped + token[at + 1 :]


# -- hosts --------------------------------------------------------------------------------------


async def test_host_token_resolves_to_its_event(one: Setup, two: Setup) -> None:
    assert await one.tokens.resolve(one.host_token) == Principal(Role.HOST, one.event_id)
    assert await one.tokens.resolve(two.host_token) == Principal(Role.HOST, two.event_id)
    assert one.host_token.startswith("h_")
    assert one.host_token != two.host_token


@sqlite_only  # reads the database's files
async def test_host_secret_is_stored_only_as_a_hash(one: Setup, store: Store, db_path: Path) -> None:
    await store.close()  # flush everything to the files
    expected_hash = hashlib.sha256(one.host_token.encode()).hexdigest()
    assert hash_host_secret(one.host_token) == expected_hash
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT host_secret_hash FROM events WHERE id = ?", (one.event_id,)).fetchone()[0] == expected_hash
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names come from sqlite_master
                assert not any(isinstance(value, str) and one.host_token[2:] in value for value in row), table
    raw = one.host_token[2:].encode()
    for file in db_path.parent.glob(db_path.name + "*"):  # the file, its WAL and shared memory
        assert raw not in file.read_bytes(), file.name


@pytest.mark.parametrize("wrong", ["h_", "h_not-a-real-secret", "x_whatever"])
async def test_unknown_host_tokens_are_rejected(one: Setup, wrong: str) -> None:
    assert await one.tokens.resolve(wrong) is None


async def test_tampered_host_token_is_rejected(one: Setup) -> None:
    assert await one.tokens.resolve(tamper(one.host_token)) is None
    assert await one.tokens.resolve(one.host_token + "x") is None
    assert await one.tokens.resolve(one.host_token.upper()) is None


async def test_host_may_do_everything_in_their_event_and_nothing_in_another(one: Setup, two: Setup) -> None:
    host = await one.tokens.resolve(one.host_token)
    assert host is not None
    assert host.can_host(one.event_id) and host.can_read(one.event_id)
    assert all(host.can_facilitate(one.event_id, site.id) for site in one.sites)
    assert not host.can_host(two.event_id)
    assert not host.can_read(two.event_id)
    assert not any(host.can_facilitate(two.event_id, site.id) for site in two.sites)
    assert not host.is_participant_of(one.sites[0].id)


# -- facilitators -------------------------------------------------------------------------------


async def test_facilitator_token_resolves_to_its_site(one: Setup) -> None:
    site = one.sites[0]
    token = await one.tokens.facilitator_token(site.id)
    assert token.startswith("f_")
    assert await one.tokens.resolve(token) == Principal(Role.FACILITATOR, one.event_id, site.id)
    assert await one.tokens.facilitator_token(site.id) == token  # the host can show the same link again


async def test_facilitator_of_one_site_cannot_facilitate_another(one: Setup, two: Setup) -> None:
    site_a, site_b = one.sites
    facilitator = await one.tokens.resolve(await one.tokens.facilitator_token(site_a.id))
    assert facilitator is not None
    assert facilitator.can_facilitate(one.event_id, site_a.id)
    assert not facilitator.can_facilitate(one.event_id, site_b.id)
    assert not facilitator.can_facilitate(two.event_id, two.sites[0].id)
    assert not facilitator.can_facilitate(two.event_id, site_a.id)  # own site id, wrong event
    assert not facilitator.can_host(one.event_id)
    assert facilitator.can_read(one.event_id)
    assert not facilitator.can_read(two.event_id)
    assert not facilitator.is_participant_of(site_a.id)


async def test_tampered_or_foreign_facilitator_tokens_are_rejected(one: Setup, store: Store) -> None:
    site = one.sites[0]
    genuine = await one.tokens.facilitator_token(site.id)
    assert await one.tokens.resolve(tamper(genuine)) is None
    assert await one.tokens.resolve(tamper_payload(genuine)) is None
    # Signed by another server's key: looks right, is not.
    foreign = await Tokens("some-other-key", store).facilitator_token(site.id)
    assert foreign != genuine
    assert await one.tokens.resolve(foreign) is None
    # A genuine payload moved under another kind's prefix does not pass that kind's signature.
    assert await one.tokens.resolve("p_" + genuine[2:]) is None
    assert await one.tokens.resolve("v_" + genuine[2:]) is None


# -- viewers ------------------------------------------------------------------------------------


async def test_viewer_tokens_read_only(one: Setup, two: Setup) -> None:
    event_viewer = await one.tokens.resolve(one.tokens.viewer_token(one.event_id))
    assert event_viewer == Principal(Role.VIEWER, one.event_id, None)
    site_viewer = await one.tokens.resolve(one.tokens.viewer_token(one.event_id, one.sites[1].id))
    assert site_viewer == Principal(Role.VIEWER, one.event_id, one.sites[1].id)
    for viewer in (event_viewer, site_viewer):
        assert viewer is not None
        assert viewer.can_read(one.event_id)
        assert not viewer.can_read(two.event_id)
        assert not viewer.can_host(one.event_id)
        assert not any(viewer.can_facilitate(one.event_id, site.id) for site in one.sites)
        assert not viewer.is_participant_of(one.sites[1].id)


async def test_viewer_token_of_an_unknown_event_is_rejected(one: Setup) -> None:
    assert await one.tokens.resolve(one.tokens.viewer_token("no-such-event")) is None
    assert await one.tokens.resolve(tamper(one.tokens.viewer_token(one.event_id))) is None


# -- participants -------------------------------------------------------------------------------


async def test_participant_token_resolves_to_the_participant(one: Setup) -> None:
    for site, participant_id, token in zip(one.sites, one.participant_ids, one.participant_tokens, strict=True):
        assert token.startswith("p_")
        assert await one.tokens.resolve(token) == Principal(Role.PARTICIPANT, one.event_id, site.id, participant_id)


async def test_participant_cannot_host_facilitate_or_touch_another_event(one: Setup, two: Setup) -> None:
    participant = await one.tokens.resolve(one.participant_tokens[0])
    assert participant is not None
    own, other = one.sites
    assert participant.is_participant_of(own.id)
    assert not participant.is_participant_of(other.id)
    assert not participant.is_participant_of(two.sites[0].id)
    assert not participant.can_host(one.event_id)
    assert not participant.can_facilitate(one.event_id, own.id)
    assert not participant.can_facilitate(one.event_id, other.id)
    assert participant.can_read(one.event_id)
    assert not participant.can_read(two.event_id)
    assert not participant.can_host(two.event_id)


async def test_tampered_or_foreign_participant_tokens_are_rejected(one: Setup, store: Store) -> None:
    token = one.participant_tokens[0]
    assert await one.tokens.resolve(tamper(token)) is None
    assert await one.tokens.resolve(tamper_payload(token)) is None
    assert await one.tokens.resolve(Tokens("another-key", store).participant_token(one.participant_ids[0])) is None
    assert await one.tokens.resolve(one.tokens.participant_token("no-such-participant")) is None  # signed, but unknown
    assert await one.tokens.resolve("f_" + token[2:]) is None
    assert await one.tokens.resolve("h_" + token[2:]) is None


async def test_participant_token_does_not_survive_a_key_change(one: Setup, store: Store) -> None:
    assert await Tokens("rotated-key", store).resolve(one.participant_tokens[0]) is None
    assert await Tokens(SECRET_KEY, store).resolve(one.participant_tokens[0]) is not None  # same key, new instance: fine


# -- garbage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [None, "", "Bearer", "p_", "f_", "v_", "p_garbage", "f_garbage.sig", "v_W10.x", "p_" + "x" * 600, "h_" + "x" * 600, "\x00"],
)
async def test_missing_or_malformed_tokens_resolve_to_nobody(one: Setup, token: str | None) -> None:
    assert await one.tokens.resolve(token) is None


async def test_overlong_genuine_looking_token_is_rejected_without_lookup(one: Setup) -> None:
    assert await one.tokens.resolve(one.host_token + " " * 600) is None
