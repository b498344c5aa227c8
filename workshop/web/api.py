"""The JSON API under /api/v1: every operation a browser page can do, for other programs.

Each handler reads and checks its body (`read_json`), checks who asks (`require`), calls the
`Workshop` service and answers with a schema from `workshop.web.schemas`. Errors are raised, and
turned into JSON by `workshop.web.errors`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workshop.access import Principal, Role
from workshop.domain import agenda, kits, votes
from workshop.domain.agenda import PhaseDraft
from workshop.domain.models import Note, Site, Theme, as_json, board_as_json
from workshop.i18n import gettext, in_locale, negotiate
from workshop.live.room import Rooms
from workshop.live.suggesting import NotReady, Suggester
from workshop.live.themes import ThemeState, note_suggestions_json, offer_json
from workshop.service import Agenda, Workshop
from workshop.store import NotFound
from workshop.store.base import VoteWritten
from workshop.web import exports, links, schemas
from workshop.web.access import require
from workshop.web.bodies import flag_param, read_json
from workshop.web.errors import ApiError
from workshop.web.qr import qr_svg
from workshop.web.throttle import Action, admit, admit_code, admit_new_event


def service(request: Request) -> Workshop:
    return request.app.state.workshop  # type: ignore[no-any-return]


def agenda_json(found: Agenda, now: datetime) -> dict[str, Any]:
    sites = []
    for clock in found.clocks:
        where = agenda.progress(clock, found.phases, now)
        sites.append(
            {
                "site_id": clock.site_id,
                "phase_id": clock.phase_id,
                "phase_number": where.number,
                "started_at": clock.started_at,
                "paused": where.paused,
                "extra_seconds": clock.extra_seconds,
                "remaining_seconds": round(where.remaining, 1),
                "ends_at": where.ends_at,
            }
        )
    return {"kit": found.event.kit, "now": agenda.stamp(now), "phases": [as_json(p) for p in found.phases], "sites": sites}


async def site_links(request: Request, site: Site) -> dict[str, Any]:
    base = links.base_url(request)
    tokens = service(request).tokens
    facilitator_token = await tokens.facilitator_token(site.id)
    return {
        "id": site.id,
        "name": site.name,
        "angle": site.angle,
        "join_code": site.join_code,
        "join_url": links.join_url(base, site.join_code),
        "qr_url": links.qr_url(base, site.id),
        "facilitator_token": facilitator_token,
        "facilitator_url": links.facilitator_url(base, site.id, facilitator_token),
        "board_url": links.site_board_url(base, site.id, tokens.viewer_token(site.event_id, site.id)),
    }


def _int_param(request: Request, name: str, default: int, *, minimum: int = 0, maximum: int = 10**12) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "invalid_parameter", f"{name} must be a whole number.")
    if not minimum <= value <= maximum:
        raise ApiError(422, "invalid_parameter", f"{name} must be between {minimum} and {maximum}.")
    return value


# -- events ---------------------------------------------------------------------------------------


async def create_event(request: Request) -> Response:
    admit_new_event(request)
    body = await read_json(request, schemas.EventCreate)
    created = await service(request).create_event(
        title=body.title, theme=body.theme, language=body.language, description=body.description, timezone=body.timezone, kit=body.kit
    )
    event = created.event
    base = links.base_url(request)
    viewer = service(request).tokens.viewer_token(event.id)
    return JSONResponse(
        {
            "id": event.id,
            "host_token": created.host_token,
            "host_url": links.host_url(base, event.id, created.host_token),
            "board_url": links.event_board_url(base, event.id, viewer),
            "event": as_json(event),
        },
        status_code=201,
    )


async def get_event(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_read(event_id), "read this event")
    return JSONResponse(as_json(await service(request).event(event_id)))


async def update_event(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "change this event")
    body = await read_json(request, schemas.EventUpdate)
    event = await service(request).update_event(event_id, body.model_dump(exclude_unset=True))
    return JSONResponse(as_json(event))


async def delete_event(request: Request) -> Response:
    """The host deletes the event and all its data (docs/privacy.md); its live sockets are closed with 4004."""
    event_id = request.path_params["event_id"]
    try:
        await require(request, lambda p: p.can_host(event_id), "delete this event")
    except ApiError as refused:
        # The host's token went with the event: a repeated delete (its first answer lost) learns it is gone.
        if refused.status == 401 and not await service(request).event_exists(event_id):
            raise NotFound(f"event {event_id}") from None
        raise
    await service(request).delete_event(event_id)
    return Response(status_code=204)


# -- sites ----------------------------------------------------------------------------------------


async def create_site(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "add sites to this event")
    body = await read_json(request, schemas.SiteCreate)
    site = await service(request).add_site(event_id, name=body.name, angle=body.angle)
    return JSONResponse(await site_links(request, site), status_code=201)


async def list_sites(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "list this event's site links")
    sites = await service(request).sites(event_id)
    return JSONResponse({"sites": [await site_links(request, site) for site in sites]})


async def site_qr(request: Request) -> Response:
    """The join link as an SVG QR code: public, since the code is on the wall anyway."""
    site = await service(request).site(request.path_params["site_id"])
    svg = qr_svg(links.join_url(links.base_url(request), site.join_code), title=site.name)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# -- participants ---------------------------------------------------------------------------------


async def join(request: Request) -> Response:
    body = await read_json(request, schemas.Join)
    await admit_code(request, body.code, joining=True)
    joined = await service(request).join(body.code, name=body.name, role=body.role)
    participant = joined.participant
    return JSONResponse(
        {
            "participant_token": joined.token,
            "participant_id": participant.id,
            "event_id": participant.event_id,
            "site_id": participant.site_id,
        },
        status_code=201,
    )


# -- notes ----------------------------------------------------------------------------------------


async def create_note(request: Request) -> Response:
    site_id = request.path_params["site_id"]
    # Participants of the site post; its facilitator and the host post for a table (`on_behalf_of`).
    await require(request, lambda p: p.is_participant_of(site_id) or p.role in MODERATORS, "post notes at this site")
    body = await read_json(request, schemas.NoteCreate)
    if body.on_behalf_of is not None:
        return await post_for(request, site_id, body)
    principal = await require(request, lambda p: p.is_participant_of(site_id), "post notes at this site")
    assert principal.participant_id is not None
    admit(request, Action.POST, principal)
    written = await service(request).post_note(
        principal.participant_id, body.text, kind=body.kind, colour=body.colour, client_id=body.client_id
    )
    # A retry answers exactly as the first post did; the header tells the two apart for those who care.
    headers = {} if written.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(as_json(written.note), status_code=201, headers=headers)


async def _own_note(request: Request, action: str) -> tuple[Note, Principal]:
    note = await service(request).note_of(request.path_params["note_id"])
    principal = await require(request, lambda p: p.participant_id == note.participant_id, action)
    return note, principal


async def update_note(request: Request) -> Response:
    """The author edits; the site's moderators may edit too, and only they may hide or restore."""
    note = await service(request).note_of(request.path_params["note_id"])
    principal = await require(
        request, lambda p: p.participant_id == note.participant_id or p.can_facilitate(note.event_id, note.site_id), "edit this note"
    )
    admit(request, Action.CHANGE, principal)  # the author; a moderator was counted against their own limit by require
    body = await read_json(request, schemas.NoteUpdate)
    if body.visible is not None:
        await require(request, lambda p: p.can_facilitate(note.event_id, note.site_id), "hide or restore notes at this site")
    by_author = not principal.can_facilitate(note.event_id, note.site_id)
    updated = await service(request).edit_note(
        note.id, text=body.text, kind=body.kind, colour=body.colour, visible=body.visible, by_author=by_author
    )
    return JSONResponse(as_json(updated))


async def delete_note(request: Request) -> Response:
    note, principal = await _own_note(request, "delete this note")
    admit(request, Action.CHANGE, principal)
    await service(request).delete_note(note.id)
    return Response(status_code=204)


# -- moderation -----------------------------------------------------------------------------------

MODERATORS = (Role.HOST, Role.FACILITATOR)  # who may moderate: a site's facilitator, or the host (every site)


async def post_for(request: Request, site_id: str, body: schemas.NoteCreate) -> Response:
    """A facilitator or the host posts for a table or paper notes; the note says whom it is for."""
    site = await service(request).site(site_id)
    await require(request, lambda p: p.can_facilitate(site.event_id, site.id), "post for a table at this site")
    assert body.on_behalf_of is not None
    written = await service(request).post_for(
        site.id, body.on_behalf_of, body.text, kind=body.kind, colour=body.colour, client_id=body.client_id
    )
    headers = {} if written.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(as_json(written.note), status_code=201, headers=headers)


async def merge_note(request: Request) -> Response:
    note = await service(request).note_of(request.path_params["note_id"])
    await require(request, lambda p: p.can_facilitate(note.event_id, note.site_id), "merge notes at this site")
    body = await read_json(request, schemas.NoteMerge)
    workshop = service(request)
    merged = await workshop.merge_note(note.id, body.into)
    return JSONResponse({"note": as_json(merged), "into": as_json(await workshop.note_of(body.into))})


async def update_site(request: Request) -> Response:
    site = await service(request).site(request.path_params["site_id"])
    await require(request, lambda p: p.can_facilitate(site.event_id, site.id), "lock or unlock this site's board")
    body = await read_json(request, schemas.SiteUpdate)
    return JSONResponse(as_json(await service(request).lock_site(site.id, body.locked)))


async def remove_participant(request: Request) -> Response:
    workshop = service(request)
    participant = await workshop.participant(request.path_params["participant_id"])
    await require(request, lambda p: p.can_facilitate(participant.event_id, participant.site_id), "remove participants of this site")
    hidden = await workshop.remove_participant(participant.id, hide_notes=flag_param(request, "hide_notes"))
    removed = await workshop.participant(participant.id)
    return JSONResponse(
        {"participant_id": removed.id, "site_id": removed.site_id, "removed_at": removed.removed_at, "hidden_note_ids": [n.id for n in hidden]}
    )


# -- the agenda -----------------------------------------------------------------------------------


async def get_agenda(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_read(event_id), "read this event's agenda")
    return JSONResponse(agenda_json(await service(request).agenda(event_id), datetime.now(UTC)))


async def put_agenda(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "change this event's agenda")
    body = await read_json(request, schemas.AgendaPut)
    phases = None if body.phases is None else [phase.model_dump() for phase in body.phases]
    workshop = service(request)
    await workshop.set_agenda(event_id, phases=phases, kit=body.kit)
    return JSONResponse(agenda_json(await workshop.agenda(event_id), datetime.now(UTC)))


async def move_clock(request: Request) -> Response:
    """The host moves one site or all; a facilitator moves their own site (and it is the default)."""
    event_id = request.path_params["event_id"]
    body = await read_json(request, schemas.ClockPost)
    principal = await require(
        request, lambda p: p.can_host(event_id) or (p.site_id is not None and p.can_facilitate(event_id, body.site_id or p.site_id)),
        "run this clock",
    )
    site_id = body.site_id if principal.can_host(event_id) else principal.site_id
    workshop = service(request)
    await workshop.move_clock(event_id, body.action, site_id=site_id, phase_id=body.phase_id, seconds=body.seconds)
    return JSONResponse(agenda_json(await workshop.agenda(event_id), datetime.now(UTC)))


async def list_kits(request: Request) -> Response:
    """The built-in format kits, in the language asked for (?lang=, else Accept-Language)."""
    lang = negotiate(request.query_params.get("lang") or request.headers.get("accept-language"), "en")
    with in_locale(lang):
        found = [
            {
                "id": kit.id,
                "name": gettext(kit.name),
                "summary": gettext(kit.summary),
                "phases": [as_json_kit_phase(draft) for draft in kits.drafts(kit, gettext)],
            }
            for kit in kits.KITS.values()
        ]
    return JSONResponse({"kits": found})


def as_json_kit_phase(draft: PhaseDraft) -> dict[str, Any]:
    return {"name": draft.name, "minutes": draft.minutes, "allows": list(draft.allows), "instructions": draft.instructions, "script": draft.script}


# -- ideas travelling: build-ons, sends, spotlights ----------------------------------------------------


async def create_build_on(request: Request) -> Response:
    """Any participant of the event builds on any site's note (the phase of their own site decides)."""
    note = await service(request).note_of(request.path_params["note_id"])
    principal = await require(request, lambda p: p.is_participant_in(note.event_id), "build on this event's notes")
    admit(request, Action.POST, principal)
    body = await read_json(request, schemas.BuildOnCreate)
    assert principal.participant_id is not None
    written = await service(request).build_on(principal.participant_id, note.id, body.text, client_id=body.client_id)
    headers = {} if written.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(as_json(written.build_on), status_code=201, headers=headers)


async def delete_build_on(request: Request) -> Response:
    """Its author, or a moderator of the note's site (that site's facilitator, or the host)."""
    build_on = await service(request).build_on_of(request.path_params["build_on_id"])
    principal = await require(
        request,
        lambda p: p.participant_id == build_on.participant_id or p.can_facilitate(build_on.event_id, build_on.site_id),
        "delete this build-on",
    )
    admit(request, Action.CHANGE, principal)
    await service(request).delete_build_on(build_on.id)
    return Response(status_code=204)


async def _facilitated_site(request: Request, action: str) -> Site:
    """The path's site, when the caller facilitates it (its facilitator, or the host): 403 otherwise."""
    site = await service(request).site(request.path_params["site_id"])
    await require(request, lambda p: p.can_facilitate(site.event_id, site.id), action)
    return site


async def create_send(request: Request) -> Response:
    site = await _facilitated_site(request, "send from this site")
    body = await read_json(request, schemas.SendCreate)
    sent = await service(request).send(site.id, note_id=body.note_id, question=body.question, to_site_id=body.to_site_id)
    return JSONResponse(as_json(sent), status_code=201)


async def put_spotlight(request: Request) -> Response:
    site = await _facilitated_site(request, "spotlight notes at this site")
    body = await read_json(request, schemas.SpotlightPut)
    note = await service(request).spotlight(site.id, body.note_id)
    return JSONResponse({"site_id": site.id, "note": as_json(note) if note else None})


# -- dot voting -----------------------------------------------------------------------------------


def vote_json(written: VoteWritten) -> dict[str, Any]:
    """The answer to a vote cast or taken back; the total only where the note's site shows totals."""
    return {
        "note_id": written.note_id,
        "votes": written.votes if written.shown else None,
        "votes_left": written.ballot.left,
        "yours": written.ballot.notes.get(written.note_id, 0),
    }


async def _voter(request: Request) -> tuple[str, str]:
    """The participant voting and the note they vote on: any site's note of their own event."""
    note = await service(request).note_of(request.path_params["note_id"])
    principal = await require(request, lambda p: p.is_participant_in(note.event_id), "vote on this note")
    assert principal.participant_id is not None
    admit(request, Action.VOTE, principal)
    return principal.participant_id, note.id


async def cast_vote(request: Request) -> Response:
    participant_id, note_id = await _voter(request)
    if await request.body() or request.headers.get("content-type"):
        await read_json(request, schemas.NoFields)  # nothing to send, but what is sent is checked
    return JSONResponse(vote_json(await service(request).cast_vote(participant_id, note_id)), status_code=201)


async def withdraw_vote(request: Request) -> Response:
    participant_id, note_id = await _voter(request)
    return JSONResponse(vote_json(await service(request).withdraw_vote(participant_id, note_id)))


async def my_votes(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    principal = await require(request, lambda p: p.is_participant_in(event_id), "read your votes")
    assert principal.participant_id is not None
    ballot = await service(request).ballot(principal.participant_id)
    return JSONResponse(
        {"phase_id": ballot.phase_id, "open": ballot.open, "budget": ballot.budget, "spent": ballot.spent,
         "votes_left": ballot.left, "notes": dict(ballot.notes)}
    )


async def put_voting(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "change this event's voting")
    body = await read_json(request, schemas.VotingPut)
    event = await service(request).set_voting(event_id, budget=body.budget, several_per_note=body.several_per_note, hidden=body.hidden)
    return JSONResponse(asdict(votes.settings_of(event)))


async def reveal_votes(request: Request) -> Response:
    site = await _facilitated_site(request, "reveal this site's vote totals")
    body = await read_json(request, schemas.RevealPost)
    revealed = await service(request).reveal_votes(site.id, revealed=body.revealed)
    return JSONResponse({"site_id": revealed.id, "revealed": revealed.votes_revealed})


def _ranked_json(row: votes.Ranked, texts: dict[str, str]) -> dict[str, Any]:
    return {"note_id": row.note_id, "site_id": row.site_id, "text": texts[row.note_id], "votes": row.votes,
            "share": round(row.share, 4), "rank": row.rank}


async def results(request: Request) -> Response:
    """The host and every facilitator of the event see every site's results, hidden totals or not."""
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id) or (p.role is Role.FACILITATOR and p.in_event(event_id)), "read the results")
    found = await service(request).results(event_id)
    sites = [
        {"site_id": site.id, "name": site.name, "notes": [_ranked_json(row, found.texts) for row in found.per_site.get(site.id, [])]}
        for site in found.sites
    ]
    return JSONResponse({"sites": sites, "across_sites": [_ranked_json(row, found.texts) for row in found.across_sites]})


# -- themes ---------------------------------------------------------------------------------------


async def _theme_worker(request: Request, event_id: str, action: str) -> str | None:
    """The host, or a facilitator of any site of the event (403 otherwise); returns their `by_site`."""
    principal = await require(request, lambda p: p.can_work_on_themes(event_id), action)
    return principal.acting_site(event_id)


async def _theme(request: Request, action: str) -> tuple[Theme, str | None]:
    theme = await service(request).theme_of(request.path_params["theme_id"])
    return theme, await _theme_worker(request, theme.event_id, action)


async def list_themes(request: Request) -> Response:
    """Read from the store, not from the live room: the answer is the same from every process."""
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_read(event_id), "read this event's themes")
    state = ThemeState.from_board(await service(request).board(event_id))
    counts = state.counts()
    return JSONResponse({"themes": [
        {**theme, "counts": dict(counts[theme["id"]]), "total": counts[theme["id"]].total(),
         "note_ids": [note["id"] for note in state.members(theme["id"])]}
        for theme in state.ordered()
    ]})


async def create_theme(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await _theme_worker(request, event_id, "start themes in this event")
    body = await read_json(request, schemas.ThemeName)
    return JSONResponse(as_json(await service(request).create_theme(event_id, body.name)), status_code=201)


async def rename_theme(request: Request) -> Response:
    theme, _ = await _theme(request, "rename this theme")
    body = await read_json(request, schemas.ThemeName)
    return JSONResponse(as_json(await service(request).rename_theme(theme.id, body.name)))


async def delete_theme(request: Request) -> Response:
    theme, by_site = await _theme(request, "delete this theme")
    unplaced = await service(request).delete_theme(theme.id, by_site=by_site)
    return JSONResponse({"theme_id": theme.id, "unplaced_note_ids": unplaced})


async def merge_theme(request: Request) -> Response:
    theme, by_site = await _theme(request, "merge this theme")
    body = await read_json(request, schemas.ThemeMerge)
    kept, moved = await service(request).merge_themes(theme.id, body.into, by_site=by_site)
    return JSONResponse({"theme": as_json(kept), "moved_note_ids": moved})


async def place_note(request: Request) -> Response:
    """The note's own site's facilitator, or the host, puts it in a theme or (null) takes it out."""
    note = await service(request).note_of(request.path_params["note_id"])
    principal = await require(request, lambda p: p.can_facilitate(note.event_id, note.site_id), "place this site's notes in themes")
    body = await read_json(request, schemas.NotePlace)
    placed = await service(request).place_note(note.id, body.theme_id, by_site=principal.acting_site(note.event_id))
    return JSONResponse(as_json(placed))


async def _suggester(request: Request, event_id: str) -> Suggester:
    """The event's live suggestions, whose engine has read every note already: no store read, no re-analysis."""
    rooms: Rooms = request.app.state.rooms
    return (await rooms.borrow(event_id)).suggester


async def event_suggestions(request: Request) -> Response:
    """Likely themes for the newest unplaced notes: the host's of every site (or one, ?site=), a facilitator's of their own."""
    event_id = request.path_params["event_id"]
    own_site = await _theme_worker(request, event_id, "read theme suggestions")
    site_id = request.query_params.get("site") or own_site
    if site_id is not None and (await service(request).site(site_id)).event_id != event_id:
        raise ApiError(404, "not_found", "This event has no such site.")
    await require(request, lambda p: site_id is None or p.can_facilitate(event_id, site_id), "read another site's theme suggestions")
    return JSONResponse(offer_json(await (await _suggester(request, event_id)).offer(site_id)))


async def note_suggestions(request: Request) -> Response:
    note = await service(request).note_of(request.path_params["note_id"])
    await require(request, lambda p: p.can_facilitate(note.event_id, note.site_id), "read suggestions for this note")
    try:
        found = await (await _suggester(request, note.event_id)).for_note(note.id)
    except NotReady as exc:
        raise ApiError(503, "not_ready", str(exc)) from exc
    if found is None:  # hidden notes are out of the conversation
        raise ApiError(404, "not_found", "That note is hidden; nothing is suggested for it.")
    return JSONResponse(note_suggestions_json(found))


# -- reading --------------------------------------------------------------------------------------


async def board(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_read(event_id), "read this event's board")
    return JSONResponse(board_as_json(await service(request).board(event_id)))


async def log(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    principal = await require(request, lambda p: p.can_read(event_id), "read this event's log")
    since = _int_param(request, "since", 0)
    limit = _int_param(request, "limit", 1000, minimum=1, maximum=1000)
    workshop = service(request)
    entries = await workshop.log_since(event_id, since, limit)
    shown = await workshop.totals_shown_to(event_id, principal.hidden_totals)
    return JSONResponse(
        {
            "entries": [
                {"seq": e.seq, "type": e.type, "data": votes.without_hidden_totals(e.type, e.data, shown), "created_at": e.created_at}
                for e in entries
            ],
            "last_seq": await workshop.store.last_seq(event_id),
        }
    )


async def openapi(request: Request) -> Response:
    from workshop.web.openapi import document

    return JSONResponse(document(links.base_url(request)))


routes = [
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/events", create_event, methods=["POST"]),
    Route("/events/{event_id}", get_event, methods=["GET"]),
    Route("/events/{event_id}", update_event, methods=["PATCH"]),
    Route("/events/{event_id}", delete_event, methods=["DELETE"]),
    Route("/events/{event_id}/sites", create_site, methods=["POST"]),
    Route("/events/{event_id}/sites", list_sites, methods=["GET"]),
    Route("/events/{event_id}/board", board, methods=["GET"]),
    Route("/events/{event_id}/log", log, methods=["GET"]),
    Route("/events/{event_id}/export", exports.export_event, methods=["GET"]),
    Route("/events/{event_id}/agenda", get_agenda, methods=["GET"]),
    Route("/events/{event_id}/agenda", put_agenda, methods=["PUT"]),
    Route("/events/{event_id}/clock", move_clock, methods=["POST"]),
    Route("/kits", list_kits, methods=["GET"]),
    Route("/sites/{site_id}/qr.svg", site_qr, methods=["GET"]),
    Route("/sites/{site_id}/notes", create_note, methods=["POST"]),
    Route("/notes/{note_id}", update_note, methods=["PATCH"]),
    Route("/notes/{note_id}", delete_note, methods=["DELETE"]),
    Route("/notes/{note_id}/merge", merge_note, methods=["POST"]),
    Route("/sites/{site_id}", update_site, methods=["PATCH"]),
    Route("/participants/{participant_id}", remove_participant, methods=["DELETE"]),
    Route("/join", join, methods=["POST"]),
    Route("/notes/{note_id}/build-ons", create_build_on, methods=["POST"]),
    Route("/build-ons/{build_on_id}", delete_build_on, methods=["DELETE"]),
    Route("/sites/{site_id}/sends", create_send, methods=["POST"]),
    Route("/sites/{site_id}/spotlight", put_spotlight, methods=["PUT"]),
    Route("/notes/{note_id}/votes", cast_vote, methods=["POST"]),
    Route("/notes/{note_id}/votes", withdraw_vote, methods=["DELETE"]),
    Route("/events/{event_id}/my-votes", my_votes, methods=["GET"]),
    Route("/events/{event_id}/voting", put_voting, methods=["PUT"]),
    Route("/events/{event_id}/results", results, methods=["GET"]),
    Route("/sites/{site_id}/reveal", reveal_votes, methods=["POST"]),
    Route("/events/{event_id}/themes", list_themes, methods=["GET"]),
    Route("/events/{event_id}/themes", create_theme, methods=["POST"]),
    Route("/themes/{theme_id}", rename_theme, methods=["PATCH"]),
    Route("/themes/{theme_id}", delete_theme, methods=["DELETE"]),
    Route("/themes/{theme_id}/merge", merge_theme, methods=["POST"]),
    Route("/notes/{note_id}/theme", place_note, methods=["PUT"]),
    Route("/events/{event_id}/suggestions", event_suggestions, methods=["GET"]),
    Route("/notes/{note_id}/suggestions", note_suggestions, methods=["GET"]),
]
