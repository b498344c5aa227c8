"""Dot voting on the pages without JavaScript: phones vote and take votes back with plain forms, a
refusal is a readable sentence, the facilitator reveals hidden totals from the console, and the host
sets the vote up and reads the results across sites."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.test_pages import (  # noqa: F401 - the fixtures too
    _phase_id, add_site, app_settings, browser, create_event, facilitator_browser, form_fields, join, other_browser, text_of,
)


def vote_action(page: str, text: str, action: str = "vote") -> str:
    """Where the phone's form for `action` (vote, unvote) on the note with this text posts to."""
    card = re.search(r'<article id="note-([\w-]+)"[^>]*>\s*<p class="note__text">' + re.escape(text) + "</p>", page)
    assert card, page
    return f"/notes/{card.group(1)}/{action}"


def note_id(action: str) -> str:
    return action.split("/")[2]


def setup(host: TestClient) -> tuple[str, dict[str, str], dict[str, TestClient]]:
    """Two sites with a phone each, a note from each, and the open-workshop kit at its idea round."""
    event_id = create_event(host)
    sites, phones = {}, {}
    for name, text in (("Aalborg", "Shade trees"), ("Odense", "Bike lanes")):
        site_id, code = add_site(host, event_id, name)
        sites[name] = site_id
        phones[name] = other_browser(host)
        join(phones[name], code)
    host.post(f"/host/{event_id}/agenda/kit", data={"kit": "open-workshop"})
    host.post(f"/host/{event_id}/clock", data={"action": "start", "phase_id": _phase_id(host, event_id, "Idea round")})
    for name, text in (("Aalborg", "Shade trees"), ("Odense", "Bike lanes")):
        assert phones[name].post(f"/sites/{sites[name]}/notes", data={"text": text}).status_code == 303
    return event_id, sites, phones


def start(host: TestClient, event_id: str, phase: str) -> None:
    assert host.post(f"/host/{event_id}/clock", data={"action": "start", "phase_id": _phase_id(host, event_id, phase)}).status_code == 303


def test_a_phone_votes_and_takes_a_vote_back_without_javascript(browser: TestClient) -> None:
    event_id, sites, phones = setup(browser)
    phone, aalborg = phones["Aalborg"], sites["Aalborg"]
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert re.search(r'<div class="note__vote" [^>]*hidden>', page)  # the idea round: no voting yet
    assert re.search(r'<section class="vote-status" [^>]*hidden>', page)

    start(browser, event_id, "Voting")
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert "3 of 3 votes left" in text_of(page, "vote-status")
    assert 'aria-label="Vote for: Bike lanes"' in page  # the other site's note, in the feed
    own, theirs = vote_action(page, "Shade trees"), vote_action(page, "Bike lanes")

    counted = phone.post(own)
    assert counted.status_code == 303 and counted.headers["location"] == f"/sites/{aalborg}/phone#note-{note_id(own)}"
    assert phone.post(theirs).status_code == 303
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert "1 of 3 votes left" in text_of(page, "vote-status")
    assert "1 vote" in text_of(page, f"note-{note_id(own)}") and "Take back a vote" in text_of(page, f"note-{note_id(own)}")
    assert f'action="{vote_action(page, "Shade trees", "unvote")}" data-api' in page
    assert "1 vote" in text_of(browser.get(f"/sites/{aalborg}/board").text, f"note-{note_id(own)}")  # the board shows the total

    again = phone.post(own)
    assert again.status_code == 409 and "You have already voted for this note." in text_of(again.text, "vote-message")
    assert phone.post(vote_action(page, "Shade trees", "unvote")).status_code == 303
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert "2 of 3 votes left" in text_of(page, "vote-status") and "vote" not in text_of(page, f"note-{note_id(own)}-votes")
    nothing = phone.post(vote_action(page, "Shade trees", "unvote"))
    assert nothing.status_code == 409 and "You have no vote on this note to take back." in nothing.text


def test_a_vote_out_of_phase_is_refused_readably(browser: TestClient) -> None:
    event_id, sites, phones = setup(browser)
    phone, aalborg = phones["Aalborg"], sites["Aalborg"]
    start(browser, event_id, "Voting")
    stale = phone.get(f"/sites/{aalborg}/phone").text  # a page loaded while voting was open...
    start(browser, event_id, "Harvest and next steps")  # ...and tapped after it closed
    refused = phone.post(vote_action(stale, "Shade trees"))
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "Voting is not open in this phase. Wait until the facilitator starts a voting phase." in text_of(refused.text, "vote-message")
    assert phone.post("/notes/no-such-note/vote").status_code == 404


def test_the_console_reveals_hidden_totals_for_its_own_site_only(browser: TestClient) -> None:
    event_id, sites, phones = setup(browser)
    aalborg, odense = sites["Aalborg"], sites["Odense"]
    fields = form_fields(browser.get(f"/host/{event_id}").text, f"/host/{event_id}/voting")
    assert fields == {"budget": ["3"]}  # the defaults: three votes, one per note, totals shown
    saved = browser.post(f"/host/{event_id}/voting", data={"budget": "2", "hidden": "1"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/host/{event_id}#voting"
    assert form_fields(browser.get(f"/host/{event_id}").text, f"/host/{event_id}/voting") == {"budget": ["2"], "hidden": ["1"]}

    start(browser, event_id, "Voting")
    phone = phones["Aalborg"]
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert "2 of 2 votes left" in text_of(page, "vote-status")
    own = vote_action(page, "Shade trees")
    assert phone.post(own).status_code == 303
    assert "vote" not in text_of(browser.get(f"/sites/{aalborg}/board").text, f"note-{note_id(own)}")  # hidden on the board

    facilitator = facilitator_browser(browser, event_id, aalborg)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "1 vote" in text_of(console, f"note-{note_id(own)}")  # the facilitator sees it before revealing
    assert "Shade trees 1 100%" in text_of(console, "results")
    assert "hidden from your board" in text_of(console, "votes-panel")
    assert facilitator.post(f"/sites/{odense}/reveal", data={"revealed": "1"}).status_code == 403  # not their site
    assert phone.post(f"/sites/{aalborg}/reveal", data={"revealed": "1"}).status_code == 403  # nor a participant's
    revealed = facilitator.post(f"/sites/{aalborg}/reveal", data={"revealed": "1"})
    assert revealed.status_code == 303 and revealed.headers["location"] == f"/sites/{aalborg}/console#votes-panel"
    assert "1 vote" in text_of(browser.get(f"/sites/{aalborg}/board").text, f"note-{note_id(own)}")
    assert "Hide the totals" in text_of(facilitator.get(f"/sites/{aalborg}/console").text, "votes-panel")


def test_the_host_sees_results_across_sites_as_shares(browser: TestClient) -> None:
    event_id, sites, phones = setup(browser)
    refused = browser.post(f"/host/{event_id}/voting", data={"budget": "0"})
    assert refused.status_code == 422 and "The number of votes must be a whole number from 1 to 20." in refused.text
    assert browser.post(f"/host/{event_id}/voting", data={"budget": "lots"}).status_code == 422
    start(browser, event_id, "Voting")
    for name in ("Aalborg", "Odense"):
        page = phones[name].get(f"/sites/{sites[name]}/phone").text
        assert phones[name].post(vote_action(page, "Shade trees")).status_code == 303
    page = phones["Odense"].get(f"/sites/{sites['Odense']}/phone").text
    assert phones["Odense"].post(vote_action(page, "Bike lanes")).status_code == 303
    results = text_of(browser.get(f"/host/{event_id}").text, "results")
    # A vote counts at its note's site: Aalborg's note has both phones' votes, all of Aalborg's; Odense's has all of Odense's.
    assert "1 Shade trees Aalborg 2 100%" in results and "1 Bike lanes Odense 1 100%" in results
    assert results.index("Shade trees Aalborg") < results.index("Bike lanes Odense")  # equal shares: more votes first
