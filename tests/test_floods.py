"""Floods: the rate limits on posting, voting, changing, joining and creating events, per participant,
per host or facilitator token and per address, on opening live sockets and on the messages a live
socket sends (workshop/web/throttle.py); and the cap on an event's sites.

Each limit refuses past its threshold with 429, a message and Retry-After, in the API and on the
pages; one participant (or host, or facilitator) flooding leaves everyone else alone; a whole room on
one address at the default limits, typos and reconnections included, is never refused; wrong join
codes are throttled per address (an IPv6 /48) while another address joins, and someone who already
joined passes with their token; a socket flooding messages is refused and then closed while the
other sockets of the event carry on. Small limits come through Settings, counted per day so that no
window passes within a test: nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.api_helpers import API, Phone, bearer, board, check_error, csrf_ready, join, make_event, post_note, running
from tests.servers import LiveServer, free_port
from tests.test_api_agenda import clock, put_agenda
from tests.test_api_votes import PHASES
from tests.test_live import auth, live_url, messages
from tests.test_pages import text_of
from tests.test_pages import join as join_page
from workshop.config import RateLimits, Settings
from workshop.domain.codes import ALPHABET
from workshop.domain.rules import SITES_MAX
from workshop.web.app import create_app
from workshop.web.live import CLOSE_TRY_AGAIN, MAX_CLIENT_FRAME
from workshop.web.pages import vote_messages
from workshop.web.throttle import SENTENCES, Action, Throttle, Throttled

SMALL = RateLimits(
    post="3/day", vote="3/day", change="3/day", post_per_address="5/day",
    join_per_address="6/day", wrong_code_per_address="3/day", event_per_address="2/day", live_messages="5/day",
)
ELSEWHERE = ("203.0.113.7", 50000)  # another client address (TEST-NET-3)
STAFF_SMALL = RateLimits(staff="4/day")


def retry_after(response: httpx.Response) -> int:
    """The Retry-After a 429 carries: whole seconds, at least one, at most the day the small limits count."""
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 86400, seconds
    return seconds


def throttled(response: httpx.Response, mentions: str) -> None:
    """A 429 as the API promises it: JSON {error, message} saying why, and when to try again."""
    check_error(response, 429, "too_many_requests", mentions)
    assert f"Try again in {retry_after(response)} second" in response.json()["message"]


def wrong_codes(real: str, count: int) -> list[str]:
    """Well-formed join codes that are not the real one."""
    return [code for code in (ALPHABET[n] * 6 for n in range(count + 1)) if code != real][:count]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running(tmp_path / "floods.db", rate_limits=SMALL) as started:
        yield started


def elsewhere(client: TestClient, address: tuple[str, int] = ELSEWHERE, **options: Any) -> TestClient:
    """Someone on another address, on the same running app (and its event loop, where its live rooms run)."""
    other = TestClient(client.app, client=address, **options)
    other.portal = client.portal
    return csrf_ready(other)


def same_address(client: TestClient, **options: Any) -> TestClient:
    """Someone else on the same address (the venue's NAT), with cookies of their own."""
    return elsewhere(client, ("testclient", 50000), **options)


# -- the API, per participant -------------------------------------------------------------------------


def test_a_participant_posting_too_fast_is_refused_alone(client: TestClient) -> None:
    world = make_event(client, sites=1)
    flooder, neighbour = join(client, world.sites[0]), join(client, world.sites[0])
    first = post_note(client, flooder, "Idea 0").json()
    for number in (1, 2):
        assert post_note(client, flooder, f"Idea {number}").status_code == 201
    throttled(post_note(client, flooder, "One too many"), "posting notes or build-ons too fast")
    # A build-on is a post too, and a refused one is not saved.
    throttled(client.post(f"{API}/notes/{first['id']}/build-ons", json={"text": "And more"}, headers=flooder.auth), "too fast")
    # Everyone else on the same address posts on, and the host posting for a table counts only against
    # the host's own limit (a far larger one: test_a_host_or_facilitator_writing_too_fast_is_refused_alone).
    assert post_note(client, neighbour, "My own idea").status_code == 201
    facilitator = bearer(world.sites[0]["facilitator_token"])
    for number in range(5):
        for_table = client.post(f"{API}/sites/{world.sites[0]['id']}/notes", json={"text": f"Paper note {number}", "on_behalf_of": "Table 3"},
                                headers=world.host if number % 2 else facilitator)
        assert for_table.status_code == 201, for_table.text
    shown = board(client, world)
    assert "One too many" not in [note["text"] for note in shown["notes"]] and shown["build_ons"] == []
    assert len(shown["notes"]) == 3 + 1 + 5


def test_voting_too_fast_is_refused_and_counts_nothing(client: TestClient) -> None:
    world = make_event(client, sites=1)
    voter, author = join(client, world.sites[0]), join(client, world.sites[0])
    put_agenda(client, world, phases=PHASES)
    clock(client, world, action="next")  # ideas
    note = post_note(client, author, "Trees on every street").json()
    clock(client, world, action="next")  # voting
    votes = f"{API}/notes/{note['id']}/votes"
    assert client.post(votes, headers=voter.auth).status_code == 201
    assert client.delete(votes, headers=voter.auth).status_code == 200
    assert client.post(votes, headers=voter.auth).status_code == 201
    throttled(client.delete(votes, headers=voter.auth), "voting too fast")  # the vote stays
    throttled(client.post(votes, headers=voter.auth), "voting too fast")
    mine = client.get(f"{API}/events/{world.id}/my-votes", headers=voter.auth).json()
    assert mine["notes"] == {note["id"]: 1}
    assert client.post(votes, headers=author.auth).status_code == 201  # the author's own vote is theirs to cast


def test_editing_and_deleting_too_fast_is_refused_but_moderation_is_not_held_to_it(client: TestClient) -> None:
    world = make_event(client, sites=1)
    author = join(client, world.sites[0])
    note = post_note(client, author, "Draft").json()
    url = f"{API}/notes/{note['id']}"
    for number in range(3):
        assert client.patch(url, json={"text": f"Draft {number}"}, headers=author.auth).status_code == 200
    throttled(client.patch(url, json={"text": "Too fast"}, headers=author.auth), "editing or deleting too fast")
    throttled(client.delete(url, headers=author.auth), "editing or deleting too fast")
    facilitator = bearer(world.sites[0]["facilitator_token"])
    for visible in (False, True, False, True):
        assert client.patch(url, json={"visible": visible}, headers=facilitator).status_code == 200
    assert [n["text"] for n in board(client, world)["notes"]] == ["Draft 2"]


def test_an_address_limit_counts_only_what_each_participant_was_allowed(client: TestClient) -> None:
    """Per participant 3, per address 5: a flooder's refused posts leave the address's count alone."""
    world = make_event(client, sites=1)
    flooder, second, third = (join(client, world.sites[0]) for _ in range(3))
    statuses = [post_note(client, flooder, f"Flood {n}").status_code for n in range(20)]
    assert statuses == [201] * 3 + [429] * 17
    assert [post_note(client, second, f"Second {n}").status_code for n in range(2)] == [201, 201]
    throttled(post_note(client, third, "Third"), "Too many notes come from your address")
    away = elsewhere(client)
    outside = join(away, world.sites[0])
    assert post_note(away, outside, "From another network").status_code == 201


# -- hosts and facilitators, per token ----------------------------------------------------------------


@pytest.fixture
def staff_client(tmp_path: Path) -> Iterator[TestClient]:
    with running(tmp_path / "staff.db", rate_limits=STAFF_SMALL) as started:
        yield started


def test_a_host_or_facilitator_writing_too_fast_is_refused_alone(staff_client: TestClient) -> None:
    """At 4 writes a token: the host's two sites and two posts for a table, then every kind of write
    is refused (nothing made); reads go on, and the site's facilitator, the other site's facilitator
    and the participants each write on, on limits of their own."""
    client = staff_client
    world = make_event(client, sites=2)
    site, other_site = world.sites
    facilitator = bearer(site["facilitator_token"])

    def for_table(headers: dict[str, str], text: str) -> httpx.Response:
        return client.post(f"{API}/sites/{site['id']}/notes", json={"text": text, "on_behalf_of": "Table 3"}, headers=headers)

    assert [for_table(world.host, f"Host's paper note {n}").status_code for n in range(2)] == [201, 201]
    throttled(for_table(world.host, "One too many"), "This host or facilitator token is making changes too fast")
    throttled(client.post(f"{API}/events/{world.id}/sites", json={"name": "City 2"}, headers=world.host), "making changes too fast")
    throttled(client.post(f"{API}/events/{world.id}/themes", json={"name": "Shade"}, headers=world.host), "making changes too fast")
    assert client.get(f"{API}/events/{world.id}/board", headers=world.host).status_code == 200  # reading is not counted

    first = for_table(facilitator, "Facilitator's paper note").json()
    theme = client.post(f"{API}/events/{world.id}/themes", json={"name": "Shade"}, headers=facilitator)
    assert theme.status_code == 201
    assert client.put(f"{API}/notes/{first['id']}/theme", json={"theme_id": theme.json()["id"]}, headers=facilitator).status_code == 200
    assert client.patch(f"{API}/notes/{first['id']}", json={"visible": False}, headers=facilitator).status_code == 200
    throttled(client.patch(f"{API}/notes/{first['id']}", json={"visible": True}, headers=facilitator), "making changes too fast")
    throttled(for_table(facilitator, "Another paper note"), "making changes too fast")

    assert client.post(f"{API}/sites/{other_site['id']}/notes", json={"text": "Elsewhere", "on_behalf_of": "Table 1"},
                       headers=bearer(other_site["facilitator_token"])).status_code == 201
    assert post_note(client, join(client, site), "A participant's own idea").status_code == 201
    shown = board(client, world)
    assert sorted(note["text"] for note in shown["notes"]) == ["A participant's own idea", "Elsewhere", "Host's paper note 0", "Host's paper note 1"]
    assert len(shown["sites"]) == 2 and [theme["name"] for theme in shown["themes"]] == ["Shade"]


def test_a_console_past_the_facilitators_limit_says_why(staff_client: TestClient) -> None:
    world = make_event(staff_client, sites=1)
    site = world.sites[0]
    console = same_address(staff_client, follow_redirects=False)
    assert console.get(site["facilitator_url"]).status_code == 303  # the link's token becomes a cookie
    for number in range(4):
        posted = console.post(f"/sites/{site['id']}/console/notes", data={"on_behalf_of": "Table 3", "text": f"Paper note {number}"})
        assert posted.status_code == 303, posted.text
    refused = console.post(f"/sites/{site['id']}/console/notes", data={"on_behalf_of": "Table 3", "text": "One too many"})
    assert refused.status_code == 429 and retry_after(refused)
    assert "Please wait a moment" in refused.text and "You are making changes very fast. Wait " in refused.text
    assert console.get(f"/sites/{site['id']}/console").status_code == 200  # reading the console is not counted
    assert "One too many" not in [note["text"] for note in board(staff_client, world)["notes"]]


def test_an_event_has_at_most_50_sites(client: TestClient) -> None:
    world = make_event(client, sites=SITES_MAX)
    check_error(client.post(f"{API}/events/{world.id}/sites", json={"name": "One more"}, headers=world.host), 409, "too_many_sites",
                f"at most {SITES_MAX} sites")
    host = same_address(client, follow_redirects=False)
    assert host.get(world.created["host_url"]).status_code == 303
    page = host.post(f"/host/{world.id}/sites", data={"name": "One more"})
    assert page.status_code == 409 and "A workshop can have at most 50 sites." in page.text
    assert len(board(client, world)["sites"]) == SITES_MAX


# -- joining and new events, per address --------------------------------------------------------------


def test_wrong_join_codes_are_throttled_per_address_while_another_address_joins(client: TestClient) -> None:
    world = make_event(client, sites=1)
    code = world.sites[0]["join_code"]
    for guess in wrong_codes(code, 3):
        check_error(client.post(f"{API}/join", json={"code": guess}), 404, "unknown_code")
    # Now even the right code is refused from this address: answering it would confirm a guess.
    throttled(client.post(f"{API}/join", json={"code": code}), "wrong join codes")
    throttled(client.post(f"{API}/join", json={"code": wrong_codes(code, 4)[-1]}), "wrong join codes")
    page = client.get(f"/join/{code}")
    assert page.status_code == 429 and retry_after(page)
    assert "Too many wrong codes were tried from your network." in text_of(page.text, "join-error")
    assert "Join City 0" not in page.text  # nothing about the site behind the code
    # Another address looks the code up and joins, as a page and through the API.
    away = elsewhere(client, follow_redirects=False)
    assert "City 0" in away.get(f"/join/{code}").text
    assert away.post(f"{API}/join", json={"code": code}).status_code == 201


def test_wrong_codes_typed_on_the_join_page_count_too(client: TestClient) -> None:
    world = make_event(client, sites=1)
    code = world.sites[0]["join_code"]
    guesses = wrong_codes(code, 3)
    assert client.get(f"/join/{guesses[0]}").status_code == 404
    assert client.get("/join", params={"code": guesses[1]}).status_code == 404
    assert client.post("/join", data={"code": guesses[2]}, follow_redirects=False).status_code == 404
    refused = client.post("/join", data={"code": code}, follow_redirects=False)
    assert refused.status_code == 429 and retry_after(refused)
    assert "check the code on the board" in text_of(refused.text, "join-error")


def test_someone_who_joined_passes_the_wrong_code_lock_with_their_token_and_learns_nothing_new(client: TestClient) -> None:
    """Someone hostile on the venue's address locks it with wrong codes; a participant who joined
    before scans the code again (their cookie) or joins through the API (their token) and gets in.
    Their token opens no other code: a wrong one, or another event's, is refused like any."""
    world, other = make_event(client, sites=1), make_event(client, sites=1)
    code = world.sites[0]["join_code"]
    phone = same_address(client, follow_redirects=False)
    join_page(phone, code)
    program = join(client, world.sites[0])
    for guess in wrong_codes(code, 3):
        check_error(client.post(f"{API}/join", json={"code": guess}), 404, "unknown_code")
    throttled(client.post(f"{API}/join", json={"code": code}), "wrong join codes")  # no token: locked out

    assert "Join City 0" in phone.get(f"/join/{code}").text
    assert phone.post("/join", data={"code": code}).status_code == 303
    assert client.post(f"{API}/join", json={"code": code}, headers=program.auth).status_code == 201
    for elsewhere_code in (wrong_codes(code, 4)[-1], other.sites[0]["join_code"]):
        throttled(client.post(f"{API}/join", json={"code": elsewhere_code}, headers=program.auth), "wrong join codes")
        assert phone.get(f"/join/{elsewhere_code}").status_code == 429


def test_wrong_codes_count_an_ipv6_client_by_its_48(client: TestClient) -> None:
    """Walking through the /64s of one /48 gains nothing: a wrong code from one counts for all of them."""
    world = make_event(client, sites=1)
    code = world.sites[0]["join_code"]
    guesser = elsewhere(client, ("2001:db8:7:1::5", 50000))
    for guess in wrong_codes(code, 3):
        check_error(guesser.post(f"{API}/join", json={"code": guess}), 404, "unknown_code")
    next_door = elsewhere(client, ("2001:db8:7:beef::9", 50000))  # another /64 of the same /48
    throttled(next_door.post(f"{API}/join", json={"code": code}), "wrong join codes")
    assert elsewhere(client, ("2001:db8:8::9", 50000)).post(f"{API}/join", json={"code": code}).status_code == 201


def test_joins_from_one_address_are_limited_in_a_burst_too(tmp_path: Path) -> None:
    with running(tmp_path / "burst.db", rate_limits=RateLimits(join_burst_per_address="2/day")) as client:
        world = make_event(client, sites=1)
        join(client, world.sites[0]), join(client, world.sites[0])
        throttled(client.post(f"{API}/join", json={"code": world.sites[0]["join_code"]}), "joined from your address just now")
        refused = client.post("/join", data={"code": world.sites[0]["join_code"]}, follow_redirects=False)
        assert refused.status_code == 429 and "Very many people are joining from your network" in text_of(refused.text, "join-error")
        join(elsewhere(client), world.sites[0])


def test_joins_from_one_address_are_limited_loosely(client: TestClient) -> None:
    world = make_event(client, sites=1)
    for _ in range(6):
        join(client, world.sites[0])
    throttled(client.post(f"{API}/join", json={"code": world.sites[0]["join_code"]}), "joined from your address")
    refused = client.post("/join", data={"code": world.sites[0]["join_code"]}, follow_redirects=False)
    assert refused.status_code == 429 and "Very many people are joining from your network" in text_of(refused.text, "join-error")
    join(elsewhere(client), world.sites[0])


def test_creating_events_is_limited_per_address(client: TestClient) -> None:
    make_event(client, sites=0)
    make_event(client, sites=0)
    throttled(client.post(f"{API}/events", json={"title": "Third", "theme": "Too many"}), "events were created from your address")
    page = client.post("/host/new", data={"title": "Kept title", "theme": "Kept theme"}, follow_redirects=False)
    assert page.status_code == 429 and retry_after(page)
    assert "Many workshops were created from your network" in page.text and "Kept title" in page.text
    assert elsewhere(client).post(f"{API}/events", json={"title": "Fine", "theme": "Elsewhere"}).status_code == 201


# -- the pages --------------------------------------------------------------------------------------


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """A host and a phone (on one address), on an app with the small limits; redirects not followed."""
    app = create_app(Settings(database=str(tmp_path / "pages.db"), rate_limits=SMALL))
    with TestClient(app, follow_redirects=False) as host:
        yield csrf_ready(host), csrf_ready(TestClient(app, follow_redirects=False))


def _phone_on_site(pages: tuple[TestClient, TestClient], language: str = "en") -> tuple[TestClient, str]:
    """A phone that joined, on its page, a site of a new event; returns it and the site's id."""
    host, phone = pages
    made = host.post(f"{API}/events", json={"title": "Climate week", "theme": "Cooler streets", "language": language}).json()
    as_host = bearer(made["host_token"])
    site = host.post(f"{API}/events/{made['id']}/sites", json={"name": "Aalborg"}, headers=as_host).json()
    everything = {"name": "Open floor", "minutes": 30, "allows": ["post", "build", "vote"]}  # votes count only in a phase that allows them
    assert host.put(f"{API}/events/{made['id']}/agenda", json={"phases": [everything]}, headers=as_host).status_code == 200
    assert host.post(f"{API}/events/{made['id']}/clock", json={"action": "next"}, headers=as_host).status_code == 200
    join_page(phone, site["join_code"])
    return phone, str(site["id"])


def _own_note_id(phone: TestClient, site_id: str) -> str:
    """The one note this phone may edit, from its edit link."""
    (note_id,) = set(re.findall(r'href="/notes/([\w-]+)/edit"', phone.get(f"/sites/{site_id}/phone").text))
    return note_id


def test_the_phone_form_past_the_limit_keeps_the_note_and_says_why_in_the_events_language(pages: tuple[TestClient, TestClient]) -> None:
    phone, site_id = _phone_on_site(pages, language="da")
    for number in range(3):
        assert phone.post(f"/sites/{site_id}/notes", data={"text": f"Idé {number}", "kind": "idea"}).status_code == 303
    refused = phone.post(f"/sites/{site_id}/notes", data={"text": "Gemt tekst", "kind": "idea", "client_id": "phone-note-4"})
    assert refused.status_code == 429 and retry_after(refused)
    assert text_of(refused.text, "note-error").startswith("Du sender meget hurtigt. Vent ")
    assert ">Gemt tekst</textarea>" in refused.text and 'name="client_id" value="phone-note-4"' in refused.text
    assert "Gemt tekst" not in phone.get(f"/sites/{site_id}/phone").text


def test_build_ons_votes_edits_and_deletes_on_the_pages_say_why(pages: tuple[TestClient, TestClient]) -> None:
    phone, site_id = _phone_on_site(pages)
    assert phone.post(f"/sites/{site_id}/notes", data={"text": "Benches", "kind": "idea"}).status_code == 303
    note_id = _own_note_id(phone, site_id)
    for number in range(2):
        assert phone.post(f"/notes/{note_id}/build-ons", data={"text": f"With shade {number}"}).status_code == 303
    build = phone.post(f"/notes/{note_id}/build-ons", data={"text": "And water"})
    assert build.status_code == 429 and retry_after(build)
    assert "You are posting very fast." in text_of(build.text, "build-error") and "And water" in text_of(build.text, "build-error")

    for action in ("vote", "unvote", "vote"):
        assert phone.post(f"/notes/{note_id}/{action}").status_code == 303
    vote = phone.post(f"/notes/{note_id}/unvote")
    assert vote.status_code == 429 and retry_after(vote)
    assert re.fullmatch(r"You are voting very fast\. Wait \d+ (seconds?|minutes?|hours?) and try again\.", text_of(vote.text, "vote-message"))
    # With JavaScript, app.js says the same sentence, the wait filled in from Retry-After.
    assert 'data-refused-too_many_requests="You are voting very fast. Wait {wait} and try again."' in vote.text

    for number in range(3):
        assert phone.post(f"/notes/{note_id}/edit", data={"text": f"Benches {number}", "kind": "idea"}).status_code == 303
    edit = phone.post(f"/notes/{note_id}/edit", data={"text": "Benches, kept", "kind": "idea"})
    assert edit.status_code == 429 and retry_after(edit)
    assert "You are changing notes very fast." in edit.text and ">Benches, kept</textarea>" in edit.text
    delete = phone.post(f"/notes/{note_id}/delete")
    assert delete.status_code == 429 and retry_after(delete)
    assert "Please wait a moment" in delete.text and "You are changing notes very fast." in delete.text
    assert "Benches 2" in phone.get(f"/sites/{site_id}/phone").text


# -- a whole room on one address, at the default limits ------------------------------------------------


def test_a_room_of_300_behind_one_address_is_never_refused_at_the_default_limits(tmp_path: Path) -> None:
    """300 phones join through one venue NAT within seconds (far faster than people do), a tenth of
    them mistyping the code first and a few of those twice, some on the join page; each posts and
    votes, and a tenth of them flush an outbox of five notes at once: every request succeeds."""
    with running(tmp_path / "room.db") as room:
        world = make_event(room, sites=3)
        put_agenda(room, world, phases=PHASES)
        clock(room, world, action="next")  # ideas
        typos = 0
        for n in range(30):  # a tenth of the room mistypes, a third of them twice
            code = world.sites[n % 3]["join_code"]
            for typo in wrong_codes(code, 1 + (n % 3 == 0)):
                typos += 1
                typed = room.get(f"/join/{typo}") if n % 2 else room.post(f"{API}/join", json={"code": typo})
                assert typed.status_code == 404, typed.text
        assert typos == 40
        phones = [join(room, world.sites[n % 3]) for n in range(300)]
        posted = [post_note(room, phone, f"Idea from phone {n}") for n, phone in enumerate(phones)]
        assert {response.status_code for response in posted} == {201}
        for n, phone in enumerate(phones[:30]):
            assert [post_note(room, phone, f"Queued {n}.{k}").status_code for k in range(5)] == [201] * 5
        clock(room, world, action="next")  # voting
        votes = [room.post(f"{API}/notes/{posted[(n + 1) % 300].json()['id']}/votes", headers=phone.auth) for n, phone in enumerate(phones)]
        assert {response.status_code for response in votes} == {201}
        assert len(board(room, world)["notes"]) == 300 + 150


def test_the_default_address_limits_hold_a_room_of_300_each_at_their_own_limit() -> None:
    """The limits alone (no server): 300 participants on one address, each at the most their own
    limit allows within its window, all pass; a participant past theirs is refused alone. The room
    joins at once, a sixth of it mistyping the code first, and every phone's socket reconnects twice
    within the minute (a Wi-Fi blip, then another)."""
    throttle, address = Throttle(RateLimits()), "198.51.100.1"
    per_participant = throttle.rates["post"].amount
    for participant in range(300):
        for _ in range(per_participant):
            throttle.participant(Action.POST, f"p{participant}", address)
        if participant == 0:  # one more from the first, at once: refused, and not counted for the address
            with pytest.raises(Throttled) as refused:
                throttle.participant(Action.POST, "p0", address)
            assert refused.value.limit == "post"
    for _ in range(50):
        throttle.wrong_code(address)
    assert throttle.codes_refused(address) is None
    for _ in range(300):
        throttle.join(address)
    for _ in range(300 * 2):
        throttle.live_open(address)


def test_a_vote_refused_for_voting_too_fast_is_said_in_one_sentence() -> None:
    assert vote_messages()["too_many_requests"] == str(SENTENCES["vote"]) % {"wait": "{wait}"}


# -- real sockets -----------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    limits = getattr(request, "param", RateLimits())
    live = LiveServer(tmp_path / "live.db", rate_limits=limits).start()
    yield live
    live.stop()


async def _event(api: httpx.AsyncClient, phones: int) -> tuple[dict[str, Any], list[Phone]]:
    made = (await api.post(f"{API}/events", json={"title": "Floods", "theme": "Hold the line"})).json()
    site = (await api.post(f"{API}/events/{made['id']}/sites", json={"name": "Aalborg"}, headers=bearer(made["host_token"]))).json()
    joined = [(await api.post(f"{API}/join", json={"code": site["join_code"]})).json() for _ in range(phones)]
    return made, [Phone(body["participant_token"], body["participant_id"], site["id"]) for body in joined]


async def _read_until(socket: Any, wanted: set[str]) -> None:
    """Read the board's messages until every note text in `wanted` has arrived."""
    async with asyncio.timeout(30):
        while wanted:
            for message in await messages(socket, 1, timeout=30):
                if message.get("type") == "note.created":
                    wanted.discard(message["note"]["text"])


@pytest.mark.parametrize("server", [RateLimits(post="20/day")], indirect=True)
async def test_one_phone_flooding_posts_leaves_another_phone_and_the_board_unaffected(server: LiveServer) -> None:
    """One phone fires 300 posts as fast as it can while another posts ten notes one after another
    and the board watches. The flood is cut at the phone's limit (20, as many as the default allows
    a minute, counted per day so that no window's edge lets one more by); every note of the other
    phone is stored and reaches the board."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as api:
        made, (flooder, neighbour) = await _event(api, 2)
        async with connect(live_url(server, made), additional_headers=auth(made["host_token"])) as board_socket:
            await messages(board_socket, 1)  # the snapshot

            async def flood() -> list[httpx.Response]:
                answers: list[httpx.Response] = []
                for start in range(0, 300, 50):
                    answers += await asyncio.gather(*(
                        api.post(f"{API}/sites/{flooder.site_id}/notes", json={"text": f"Flood {n}"}, headers=flooder.auth)
                        for n in range(start, start + 50)
                    ))
                return answers

            async def neighbour_posts() -> list[httpx.Response]:
                return [await api.post(f"{API}/sites/{neighbour.site_id}/notes", json={"text": f"Neighbour {n}"}, headers=neighbour.auth)
                        for n in range(10)]

            flooded, calm = await asyncio.gather(flood(), neighbour_posts())
            assert [answer.status_code for answer in calm] == [201] * 10
            accepted = [answer for answer in flooded if answer.status_code == 201]
            refused = [answer for answer in flooded if answer.status_code != 201]
            assert len(accepted) == 20
            for answer in refused:
                throttled(answer, "posting notes or build-ons too fast")
            await _read_until(board_socket, {f"Neighbour {n}" for n in range(10)} | {answer.json()["text"] for answer in accepted})
        stored = (await api.get(f"{API}/events/{made['id']}/board", headers=bearer(made["host_token"]))).json()["notes"]
        assert len(stored) == len(accepted) + 10


@pytest.mark.parametrize("server", [RateLimits(live_messages="5/day", post="2/day")], indirect=True)
async def test_a_socket_flooding_messages_is_refused_then_closed_while_the_others_carry_on(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
        made, (flooder, poster) = await _event(api, 2)
        async with connect(live_url(server, made), additional_headers=auth(made["host_token"])) as board_socket, \
                connect(live_url(server, made), additional_headers=auth(flooder.token)) as flooding:
            await messages(board_socket, 1)
            await messages(flooding, 1)
            for _ in range(40):  # without waiting for answers
                await flooding.send(json.dumps({"type": "ping"}))
            answers: list[dict[str, Any]] = []
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        answers.append(json.loads(await flooding.recv()))
            assert [a["type"] for a in answers[:5]] == ["pong"] * 5
            assert [a.get("error") for a in answers[5:10]] == ["too_many_messages"] * 5
            assert all(a["retry_after"] >= 1 and "not read" in a["message"] for a in answers[5:10])
            assert answers[10:] == [{"type": "error", "error": "too_many_messages", "message": "Too many messages: this socket is closed."}]
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4029

            # The board never noticed: a note posted now arrives.
            assert (await api.post(f"{API}/sites/{poster.site_id}/notes", json={"text": "Still live"}, headers=poster.auth)).status_code == 201
            await _read_until(board_socket, {"Still live"})


@pytest.mark.parametrize("server", [RateLimits(post="2/day")], indirect=True)
async def test_notes_over_a_socket_share_the_posting_limit_and_big_frames_close_only_their_socket(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
        made, (writer, _) = await _event(api, 2)
        async with connect(live_url(server, made), additional_headers=auth(made["host_token"])) as board_socket, \
                connect(live_url(server, made), additional_headers=auth(writer.token)) as phone:
            await messages(board_socket, 1)
            await messages(phone, 1)
            assert (await api.post(f"{API}/sites/{writer.site_id}/notes", json={"text": "Through the API"}, headers=writer.auth)).status_code == 201
            await phone.send(json.dumps({"type": "note.create", "text": "Over the socket", "client_id": "s-1"}))
            await phone.send(json.dumps({"type": "note.create", "text": "One too many", "client_id": "s-2"}))
            replies = [m for m in await messages(phone, 4) if m["type"] in ("note.ack", "error")]
            assert [m["type"] for m in replies] == ["note.ack", "error"]
            assert replies[1]["error"] == "too_many_requests" and replies[1]["retry_after"] >= 1 and "too fast" in replies[1]["message"]

            async with connect(live_url(server, made), additional_headers=auth(writer.token), max_size=None) as oversized:
                await messages(oversized, 1)
                await oversized.send(json.dumps({"type": "ping", "padding": "x" * MAX_CLIENT_FRAME}))
                with pytest.raises(ConnectionClosed) as closed:
                    async with asyncio.timeout(10):
                        while True:
                            await oversized.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
            await phone.send(json.dumps({"type": "ping"}))
            assert {"type": "pong"} in await messages(phone, 1)
            await _read_until(board_socket, {"Through the API", "Over the socket"})


# -- configuration ----------------------------------------------------------------------------------


def test_limits_are_set_and_lifted_through_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WORKSHOP_RATE_POST", "5 per 10 seconds")
    monkeypatch.setenv("WORKSHOP_RATE_VOTE", "")
    monkeypatch.setenv("WORKSHOP_RATE_STAFF", "300/minute")
    limits = Settings.from_env().rate_limits
    assert limits.post == "5 per 10 seconds" and Throttle(limits).rates["post"].amount == 5
    assert Throttle(limits).rates["staff"].amount == 300
    assert "vote" not in Throttle(limits).rates and "vote_per_address" in Throttle(limits).rates  # "" lifts that one limit
    monkeypatch.setenv("WORKSHOP_RATE_LIMITS", "off")
    assert Throttle(Settings.from_env().rate_limits).rates == {}

    from workshop.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    serve_help = capsys.readouterr().out
    for name, default in (("STAFF", "120/minute"), ("JOIN_BURST_PER_ADDRESS", "300/minute"),
                          ("WRONG_CODE_PER_ADDRESS", "100/10 minutes"), ("LIVE_OPEN_PER_ADDRESS", "600/minute")):
        assert re.search(rf"WORKSHOP_RATE_{name} +default {default}\n", serve_help), name
    monkeypatch.setenv("WORKSHOP_RATE_POST", "lots")  # refused before serving, even with the limits off
    assert main(["serve", "--database", str(tmp_path / "bad.db"), "--port", str(free_port())]) == 2
    assert "WORKSHOP_RATE_POST must be a rate such as 20/minute" in capsys.readouterr().err


@pytest.mark.parametrize("server", [RateLimits(live_open_per_address="2/day")], indirect=True)
async def test_live_sockets_opened_too_often_from_one_address_are_told_to_try_again_later(server: LiveServer) -> None:
    """Past the address's limit a socket is accepted, told why and when, and closed with 1013, before
    its board is read; a socket from another address (127.0.0.2, also loopback) opens as usual."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
        made, _ = await _event(api, 0)
    url, host = live_url(server, made), auth(made["host_token"])
    for _ in range(2):
        async with connect(url, additional_headers=host) as socket:
            assert (await messages(socket, 1))[0]["type"] == "snapshot"
    async with connect(url, additional_headers=host) as socket:
        (told,) = await messages(socket, 1)
        assert told["type"] == "error" and told["error"] == "too_many_requests" and told["retry_after"] >= 1
        assert "Too many live sockets were opened from your address" in told["message"]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TRY_AGAIN
    async with connect(url, additional_headers=host, local_addr=("127.0.0.2", 0)) as socket:
        assert (await messages(socket, 1))[0]["type"] == "snapshot"
