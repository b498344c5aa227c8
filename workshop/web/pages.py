"""The browser pages: join, phone, boards, facilitator console, host dashboard, poster.

Every page works without JavaScript (plain forms, POST and redirect); with it, live regions update
over the websocket (htmx's ws extension) and the phone posts through an offline-safe outbox. Each
page takes its rights from the same tokens as the API: a link carrying `?token=` stores the token
in an HttpOnly cookie and redirects to the same page without it, so it does not linger in history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from workshop import i18n
from workshop.access import Principal, Role
from workshop.domain import agenda, kits, rules, themes, votes
from workshop.domain.codes import display_join_code
from workshop.domain.errors import RuleError
from workshop.domain.models import Event, EventStatus, Note, Phase, Site, SiteClock, Theme, as_json
from workshop.live.themes import Offer
from workshop.live.views import region_context
from workshop.service import Workshop
from workshop.store import NotFound, StoreUnavailable
from workshop.web import links
from workshop.web.access import COOKIES, principals
from workshop.web.errors import UNAVAILABLE_HEADERS, ApiError, log, rule_status
from workshop.web.qr import qr_svg
from workshop.web.templating import LANG_COOKIE
from workshop.web.throttle import SENTENCES, Action, Throttled, admit, admit_code, admit_new_event, admit_staff

COOKIE_MAX_AGE = {Role.HOST: 30 * 86400, Role.FACILITATOR: 7 * 86400, Role.VIEWER: 7 * 86400, Role.PARTICIPANT: 7 * 86400}
ROLE_TAGS = ("citizen", "staff", "manager", "politician", "other")


class PageError(Exception):
    """A page cannot be shown: rendered as the error page with this status and (translated) message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def service(request: Request) -> Workshop:
    return request.app.state.workshop  # type: ignore[no-any-return]


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def set_token_cookie(request: Request, response: Response, role: Role, token: str) -> None:
    response.set_cookie(
        COOKIES[role], token, max_age=COOKIE_MAX_AGE[role], httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )


def in_event_language(request: Request, event: Event) -> str:
    """Pages of an event speak its language, unless the person chose one (switcher or cookie)."""
    if "lang" in request.query_params or request.cookies.get(LANG_COOKIE):
        return i18n.current_locale.get()
    i18n.use_locale(event.language)  # reset by LocaleMiddleware when the request ends
    return i18n.current_locale.get()


async def adopt_token(request: Request) -> Response | None:
    """A link with `?token=`: keep the token in a cookie and show the same page without it."""
    token = request.query_params.get("token")
    if token is None:
        return None
    principal = await request.app.state.tokens.resolve(token)
    if principal is None:
        raise PageError(401, i18n.gettext("This link is not valid any more. Ask the host for a new one."))
    rest = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
    response = redirect(request.url.path + (f"?{urlencode(rest)}" if rest else ""))
    set_token_cookie(request, response, principal.role, token)
    return response


async def allowed(request: Request, check: Callable[[Principal], bool]) -> Principal:
    """The first principal `check` allows (a host's or facilitator's form counts against their rate
    limit: past it, the error page says so); PageError 401 or 403 when none."""
    found = await principals(request)
    for principal in found:
        if check(principal):
            admit_staff(request, principal)
            return principal
    if not found:
        raise PageError(401, i18n.gettext("Open this page with the link you were given, or join with the workshop code."))
    raise PageError(403, i18n.gettext("Your link does not give access to this page."))


def live_url(event_id: str, view: str, site_id: str | None = None) -> str:
    query = {"format": "html", "view": view, "lang": i18n.current_locale.get()}
    if site_id:
        query["site"] = site_id
    return f"/api/v1/events/{event_id}/live?{urlencode(query)}"


async def site_and_event(request: Request, site_id: str | None = None) -> tuple[Site, Event]:
    try:
        site = await service(request).site(site_id or request.path_params["site_id"])
        return site, await service(request).event(site.event_id)
    except NotFound:
        raise PageError(404, i18n.gettext("There is no such site."))


# -- home and joining -----------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def join_form(request: Request) -> Response:
    typed = request.path_params.get("code") or request.query_params.get("code", "")
    if not typed:
        return render(request, "join.html", code="", site=None)
    try:
        site = await admit_code(request, typed, joining=False)
    except Throttled as slow:
        return slow.on(render(request, "join.html", code=typed, site=None, error=slow.sentence()))
    except RuleError:
        return render(request, "join.html", status=404, code=typed, site=None, error=i18n.gettext(
            "No open workshop has that code. Check the code on the board and try again."))
    event = await service(request).event(site.event_id)
    in_event_language(request, event)
    return render(request, "join.html", code=site.join_code, site=site, event=event, roles=ROLE_TAGS)


async def join_submit(request: Request) -> Response:
    form = await request.form()
    typed = str(form.get("code", ""))
    try:
        await admit_code(request, typed, joining=True)
        joined = await service(request).join(typed, name=_field(form, "name"), role=_field(form, "role"))
    except Throttled as slow:
        return slow.on(render(request, "join.html", code=typed, site=None, error=slow.sentence()))
    except RuleError as error:
        site = None
        if error.code != "unknown_code":
            site = await service(request).site_for_code(typed)
        return render(request, "join.html", status=422 if site else 404, code=typed, site=site, roles=ROLE_TAGS,
                      error=_join_message(error))
    response = redirect(f"/sites/{joined.participant.site_id}/phone")
    set_token_cookie(request, response, Role.PARTICIPANT, joined.token)
    return response


def _join_message(error: RuleError) -> str:
    """A name is optional when joining, so "write something first" would mislead: a name of only
    invisible characters is refused (rules.display_name) with this sentence instead."""
    if error.code == "empty" and error.field == "name":
        return i18n.gettext("A name needs at least one visible character. Leave it empty to take part anonymously.")
    return _rule_message(error)


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _rule_message(error: RuleError) -> str:
    """The readable, translated sentence for a rule the person's input broke."""
    messages = {
        "unknown_code": i18n.gettext("No open workshop has that code. Check the code on the board and try again."),
        "event_closed": i18n.gettext("This workshop has closed."),
        "empty": i18n.gettext("Write something first."),
        "too_long": i18n.gettext("That is too long. Please shorten it."),
        "invalid_minutes": i18n.gettext("The minutes must be a whole number from 1 to %(max)d.") % {"max": agenda.PHASE_MINUTES_MAX},
        "too_many_phases": i18n.gettext("An agenda can have at most %(max)d phases.") % {"max": agenda.AGENDA_PHASES_MAX},
        "phase_in_use": i18n.gettext("A site is in a phase that this change would remove. Move that site to another phase first."),
        "unknown_phase": i18n.gettext("That phase is no longer on the agenda. Reload the page and try again."),
        "unknown_kit": i18n.gettext("There is no such format kit. Choose one of the kits on the list."),
        "no_agenda": i18n.gettext("There is no agenda yet. Choose a kit or add a phase first."),
        "agenda_finished": i18n.gettext("This is already the last phase of the agenda."),
        "not_started": i18n.gettext("No phase is running yet. Start the first phase first."),
        "not_in_this_phase": i18n.gettext("That is not open in this phase. Look at the screen to see what you can do now."),
        "site_locked": i18n.gettext("The facilitator has paused this board for now. Try again when it is open again."),
        "hidden_by_moderator": i18n.gettext("A facilitator has hidden this note, so it can no longer be changed."),
        "note_in_use": i18n.gettext("Others have voted for or built on this note, so it stays. Ask the facilitator to hide it if it must go."),
        "already_merged": i18n.gettext("One of these notes has already been merged into another. Reload the page and try again."),
        "invalid_merge": i18n.gettext("Choose another note that is on the board to merge this one into."),
        "invalid_budget": i18n.gettext("The number of votes must be a whole number from 1 to %(max)d.") % {"max": votes.BUDGET_MAX},
        "too_many_sites": i18n.gettext("A workshop can have at most %(max)d sites.") % {"max": rules.SITES_MAX},
    }
    return messages.get(error.code, i18n.gettext("Please check what you typed."))


# -- the phone --------------------------------------------------------------------------------------


async def phone(
    request: Request, error: str | None = None, text: str = "", status: int = 200, site_id: str | None = None,
    build_error: dict[str, str] | None = None, vote_error: str | None = None, client_id: str | None = None,
) -> Response:
    """A participant's phone; `site_id` and `build_error` when refusing a build-on (posted to a note's path);
    `vote_error` when refusing a vote; `client_id` to send a note that was not saved again as the same note."""
    site, event = await site_and_event(request, site_id)
    try:
        me = await allowed(request, lambda p: p.is_participant_of(site.id))
    except PageError as refusal:
        if refusal.status == 401:
            return redirect(f"/join/{site.join_code}")
        raise
    in_event_language(request, event)
    board = await service(request).board(event.id)
    return render(
        request, "phone.html", status=status, event=event, site=site, me=me.participant_id, error=error, text=text,
        build_error=build_error, client_id=client_id or uuid.uuid4().hex, live_url=live_url(event.id, "phone", site.id), **region_context(board),
        ballot=await service(request).ballot(me.participant_id or ""), vote_messages=vote_messages(), vote_error=vote_error,
    )


async def post_note_form(request: Request) -> Response:
    site_id = request.path_params["site_id"]
    me = await allowed(request, lambda p: p.is_participant_of(site_id))
    form = await request.form()
    text = str(form.get("text", ""))
    try:
        assert me.participant_id is not None
        admit(request, Action.POST, me)
        await service(request).post_note(me.participant_id, text, kind=_field(form, "kind"), client_id=_field(form, "client_id"))
    except (Throttled, RuleError, StoreUnavailable) as refused:
        await _in_site_language(request, site_id)  # each sentence below is worded as the phone page will be
        return await _note_refused(request, refused, text, _field(form, "client_id"))
    return redirect(f"/sites/{site_id}/phone#notes")


async def _note_refused(request: Request, refused: Exception, text: str, client_id: str | None) -> Response:
    """The phone page again, the note still in its box, saying why it was not posted."""
    if isinstance(refused, Throttled):  # nothing was saved: sent again later, it is the same note
        return refused.on(await phone(request, error=refused.sentence(), text=text, client_id=client_id))
    if isinstance(refused, StoreUnavailable):
        # A full disk, a read-only or lost database: nothing was saved. The note stays in the box with
        # its client_id, so sending it again once the server can save makes it once, never twice.
        message = i18n.gettext("The server cannot save right now, so your note was not posted. It is kept here: please send it again in a moment.")
        response = await phone(request, error=message, text=text, status=503, client_id=client_id)
        response.headers.update(UNAVAILABLE_HEADERS)
        return response
    assert isinstance(refused, RuleError)
    if refused.code == "not_in_this_phase":
        message = i18n.gettext("Posting notes is closed in this phase. Your note is kept here, so you can post it when posting opens again.")
    elif refused.code == "site_locked":
        message = i18n.gettext("The facilitator has paused this board. Your note is kept here, so you can post it when the board is open again.")
    else:
        message = _rule_message(refused)
    return await phone(request, error=message, text=text, status=rule_status(refused))


async def _in_site_language(request: Request, site_id: str) -> None:
    """Speak the language of the site's event now, as the phone page about to show a sentence made here will."""
    _, event = await site_and_event(request, site_id)
    in_event_language(request, event)


async def _my_note(request: Request) -> tuple[dict[str, Any], Event, Principal]:
    """The note in the path, its event and its author, who asks."""
    try:
        note = await service(request).note_of(request.path_params["note_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This note was deleted."))
    me = await allowed(request, lambda p: p.participant_id == note.participant_id)
    event = await service(request).event(note.event_id)
    in_event_language(request, event)
    return as_json(note), event, me


async def edit_note_form(request: Request) -> Response:
    note, event, _ = await _my_note(request)
    return render(request, "note_edit.html", note=note, event=event, text=note["text"])


async def edit_note_submit(request: Request) -> Response:
    note, event, me = await _my_note(request)
    form = await request.form()
    text = str(form.get("text", ""))
    try:
        admit(request, Action.CHANGE, me)
        await service(request).edit_note(note["id"], text=text, kind=_field(form, "kind"), by_author=True)
    except Throttled as slow:  # the text as typed stays in the box
        return slow.on(render(request, "note_edit.html", note=note, event=event, text=text, error=slow.sentence()))
    except RuleError as error:
        return render(request, "note_edit.html", status=422, note=note, event=event, text=text, error=_rule_message(error))
    return redirect(f"/sites/{note['site_id']}/phone#notes")


async def delete_note_submit(request: Request) -> Response:
    note, _, me = await _my_note(request)
    admit(request, Action.CHANGE, me)  # past the limit: the error page says so
    await service(request).delete_note(note["id"])
    return redirect(f"/sites/{note['site_id']}/phone#notes")


# -- boards -----------------------------------------------------------------------------------------


async def site_board(request: Request) -> Response:
    if adopted := await adopt_token(request):
        return adopted
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_read(event.id))
    in_event_language(request, event)
    board = await service(request).board(event.id)
    # Opened with the facilitator's rights (from the console), its notes can be dragged into themes.
    arrange = any(principal.can_facilitate(event.id, site.id) for principal in await principals(request))
    return render(
        request, "site_board.html", event=event, site=site, code=display_join_code(site.join_code),
        join_url=links.join_url(links.base_url(request), site.join_code), qr=qr_svg(links.join_url(links.base_url(request), site.join_code)),
        live_url=live_url(event.id, "site-board", site.id), arrange=arrange, **region_context(board),
    )


async def shared_board(request: Request) -> Response:
    if adopted := await adopt_token(request):
        return adopted
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_read(event_id))
    try:
        board = await service(request).board(event_id)
    except NotFound:
        raise PageError(404, i18n.gettext("There is no such workshop."))
    in_event_language(request, board.event)
    mixed = request.query_params.get("layout") == "mixed"
    # Opened by the host, its notes can be dragged into themes, and themes started.
    arrange = any(principal.can_host(event_id) for principal in await principals(request))
    return render(
        request, "shared_board.html", event=board.event, mixed=mixed, live_url=live_url(event_id, "shared-board"), arrange=arrange,
        **region_context(board),
    )


# -- facilitator ------------------------------------------------------------------------------------


async def console(
    request: Request, error: str | None = None, status: int = 200, site_id: str | None = None, proxy: dict[str, str] | None = None
) -> Response:
    """A site's console; `site_id` when refusing a form posted to another path (a note's, a participant's)."""
    if adopted := await adopt_token(request):
        return adopted
    site, event = await site_and_event(request, site_id)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    in_event_language(request, event)
    board = await service(request).board(event.id, moderation=True)
    base = links.base_url(request)
    tokens = service(request).tokens
    # The suggestions come from the event's live room, whose engine has read every note already.
    room = await request.app.state.rooms.borrow(event.id)
    live_themes = room.state.themes
    try:
        offer = await room.suggester.offer(site.id)
    except Exception:  # suggestions help; a failure must not keep the facilitator from the console
        log.exception("suggestions for the console of %s failed", site.id)
        offer = Offer(site.id, [], [])
    return render(
        request, "console.html", status=status, error=error, event=event, site=site, code=display_join_code(site.join_code),
        join_url=links.join_url(base, site.join_code),
        board_url=links.site_board_url(base, site.id, tokens.viewer_token(event.id, site.id)),
        shared_board_url=links.event_board_url(base, event.id, tokens.viewer_token(event.id)),
        live_url=live_url(event.id, "console", site.id), client_id=uuid.uuid4().hex, proxy=proxy or {}, **region_context(board),
        results=await service(request).results(event.id), live_themes=live_themes,
        suggested=offer.notes, groups=offer.groups, ready=offer.ready,
    )


def _clock_form(form: FormData) -> tuple[str, int | None]:
    """A clock button's action; "extend-300" is "extend" by 300 seconds."""
    action = str(form.get("action", ""))
    name, _, amount = action.partition("-")
    if name == "extend":
        return name, int(amount) if amount.isascii() and amount.isdigit() and len(amount) <= 6 else None
    return action, None


async def site_clock_submit(request: Request) -> Response:
    """A facilitator moves their own site's clock (the host may move any site's from here too)."""
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    action, seconds = _clock_form(await request.form())
    try:
        await service(request).move_clock(event.id, action, site_id=site.id, seconds=seconds)
    except RuleError as error:
        return await console(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/sites/{site.id}/console#console-phase")


# -- moderation (the console's forms; the site's facilitator or the host) ---------------------------


async def _moderated_note(request: Request) -> tuple[Note, Event]:
    """The note in the path, for someone who may moderate its site."""
    try:
        note = await service(request).note_of(request.path_params["note_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This note was deleted."))
    await allowed(request, lambda p: p.can_facilitate(note.event_id, note.site_id))
    event = await service(request).event(note.event_id)
    in_event_language(request, event)
    return note, event


async def _visibility_submit(request: Request, visible: bool) -> Response:
    note, _ = await _moderated_note(request)
    try:
        await service(request).edit_note(note.id, visible=visible)
    except RuleError as error:
        return await console(request, error=_rule_message(error), status=rule_status(error), site_id=note.site_id)
    # Back to the list the button was in: a hidden note's Restore, a visible note's Hide.
    return redirect(f"/sites/{note.site_id}/console#{'hidden-notes-heading' if visible else 'console-notes-heading'}")


async def hide_note_submit(request: Request) -> Response:
    return await _visibility_submit(request, visible=False)


async def restore_note_submit(request: Request) -> Response:
    return await _visibility_submit(request, visible=True)


async def moderate_note_form(request: Request) -> Response:
    note, event = await _moderated_note(request)
    return render(request, "note_moderate.html", note=as_json(note), event=event, text=note.text)


async def moderate_note_submit(request: Request) -> Response:
    """A moderator corrects a note's text; the log keeps the text it replaced."""
    note, event = await _moderated_note(request)
    text = str((await request.form()).get("text", ""))
    try:
        await service(request).edit_note(note.id, text=text)
    except RuleError as error:
        return render(request, "note_moderate.html", status=422, note=as_json(note), event=event, text=text, error=_rule_message(error))
    return redirect(f"/sites/{note.site_id}/console#note-{note.id}")


async def merge_note_form(request: Request, error: str | None = None, status: int = 200) -> Response:
    """Choose the note a duplicate repeats, among the other notes on its site's board."""
    note, event = await _moderated_note(request)
    board = await service(request).board(event.id)
    others = [as_json(other) for other in reversed(board.notes) if other.site_id == note.site_id and other.id != note.id]
    return render(request, "note_merge.html", status=status, note=as_json(note), event=event, others=others, error=error)


async def merge_note_submit(request: Request) -> Response:
    note, _ = await _moderated_note(request)
    into = _field(await request.form(), "into")
    if into is None:
        return await merge_note_form(request, error=i18n.gettext("Choose the note to keep."), status=422)
    try:
        await service(request).merge_note(note.id, into)
    except RuleError as error:
        return await merge_note_form(request, error=_rule_message(error), status=rule_status(error))
    except NotFound:
        return await merge_note_form(request, error=i18n.gettext("That note is no longer on the board. Choose another one."), status=404)
    return redirect(f"/sites/{note.site_id}/console#note-{into}")


async def lock_submit(request: Request) -> Response:
    """Lock or unlock the site's board: the toggle sends the state it asks for."""
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    wanted = str((await request.form()).get("locked", ""))
    if wanted not in ("true", "false"):
        return await console(request, error=i18n.gettext("Please check what you typed."), status=422)
    try:
        await service(request).lock_site(site.id, wanted == "true")
    except RuleError as error:
        return await console(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/sites/{site.id}/console#lock-panel")


async def remove_participant_submit(request: Request) -> Response:
    try:
        person = await service(request).participant(request.path_params["participant_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("There is no such participant."))
    await allowed(request, lambda p: p.can_facilitate(person.event_id, person.site_id))
    hide_notes = (await request.form()).get("hide_notes") == "true"
    try:
        await service(request).remove_participant(person.id, hide_notes=hide_notes)
    except RuleError as error:
        return await console(request, error=_rule_message(error), status=rule_status(error), site_id=person.site_id)
    return redirect(f"/sites/{person.site_id}/console#participants-heading")


async def proxy_note_submit(request: Request) -> Response:
    """The console's "post for a table or paper notes": the note shows whom it is for."""
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("on_behalf_of", "text", "kind")}
    try:
        await service(request).post_for(
            site.id, values["on_behalf_of"], values["text"], kind=values["kind"] or None, client_id=_field(form, "client_id")
        )
    except RuleError as error:
        if error.field == "on_behalf_of":
            message = i18n.gettext("Say whom the note is for, such as “Table 3”, in at most 60 characters.")
        else:
            message = _rule_message(error)
        return await console(request, error=message, status=rule_status(error), proxy=values)
    return redirect(f"/sites/{site.id}/console#console-notes-heading")


async def poster(request: Request) -> Response:
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    in_event_language(request, event)
    join = links.join_url(links.base_url(request), site.join_code)
    return render(request, "poster.html", event=event, site=site, code=display_join_code(site.join_code), join_url=join, qr=qr_svg(join, title=site.name))


# -- host -------------------------------------------------------------------------------------------


async def new_event_form(request: Request) -> Response:
    return render(request, "host_new.html", values={}, languages_all=rules.LANGUAGES, kits=_kit_choices())


async def new_event_submit(request: Request) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("title", "theme", "description", "language", "timezone", "kit")}
    try:
        admit_new_event(request)
    except Throttled as slow:
        return slow.on(render(request, "host_new.html", values=values, languages_all=rules.LANGUAGES, kits=_kit_choices(), error=slow.sentence()))
    try:
        created = await service(request).create_event(
            title=values["title"], theme=values["theme"], description=values["description"],
            language=values["language"] or None, timezone=values["timezone"] or None, kit=values["kit"] or None,
        )
    except RuleError as error:
        return render(request, "host_new.html", status=422, values=values, languages_all=rules.LANGUAGES, kits=_kit_choices(),
                      error=_rule_message(error), error_field=error.field)
    response = redirect(f"/host/{created.event.id}?created=1")
    set_token_cookie(request, response, Role.HOST, created.host_token)
    # The host link is shown once, on the dashboard's first view, from this short-lived cookie.
    response.set_cookie("ow_new_host_link", links.host_url(links.base_url(request), created.event.id, created.host_token),
                        max_age=600, httponly=True, samesite="strict", secure=request.url.scheme == "https", path=f"/host/{created.event.id}")
    return response


async def dashboard(
    request: Request, error: str | None = None, status: int = 200, agenda_rows: list[dict[str, Any]] | None = None,
    invalid: tuple[int, str | None] | None = None,
) -> Response:
    if adopted := await adopt_token(request):
        return adopted
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    workshop = service(request)
    try:
        event = await workshop.event(event_id)
    except NotFound:
        raise PageError(404, i18n.gettext("There is no such workshop."))
    in_event_language(request, event)
    base = links.base_url(request)
    sites = []
    found = await workshop.agenda(event_id)
    now = datetime.now(UTC)
    clocks = {clock.site_id: clock for clock in found.clocks}
    all_sites = await workshop.sites(event_id)
    progress = {site.id: agenda.progress(clocks.get(site.id, SiteClock(site.id)), found.phases, now) for site in all_sites}
    for site in all_sites:
        facilitator = await workshop.tokens.facilitator_token(site.id)
        sites.append({
            "site": site, "code": display_join_code(site.join_code), "join_url": links.join_url(base, site.join_code),
            "facilitator_url": links.facilitator_url(base, site.id, facilitator),
            "board_url": links.site_board_url(base, site.id, workshop.tokens.viewer_token(event_id, site.id)),
        })
    response = render(
        request, "dashboard.html", status=status, event=event, sites=sites, error=error, languages_all=rules.LANGUAGES,
        statuses=[s.value for s in EventStatus if s == event.status or s in rules.STATUS_MOVES[event.status]],
        shared_board_url=links.event_board_url(base, event_id, workshop.tokens.viewer_token(event_id)),
        new_host_link=request.cookies.get("ow_new_host_link"),
        phases=found.phases, progress=progress, server_now=agenda.stamp(now), live_url=live_url(event_id, "host"),
        site_list=[as_json(site) for site in all_sites],
        agenda_rows=agenda_rows if agenda_rows is not None else [_phase_row(phase) for phase in found.phases],
        invalid=invalid, kits=_kit_choices(), kit_name=_kit_name(event.kit), activities=[activity.value for activity in agenda.Activity],
        phases_max=agenda.AGENDA_PHASES_MAX, minutes_max=agenda.PHASE_MINUTES_MAX,
        voting_rules=votes.settings_of(event), budget_max=votes.BUDGET_MAX, results=await workshop.results(event_id),
        results_names={site.id: site.name for site in all_sites},
    )
    if request.cookies.get("ow_new_host_link"):
        response.delete_cookie("ow_new_host_link", path=f"/host/{event_id}")
    return response


async def update_event_submit(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    form = await request.form()
    # A field sent blank is a change too: it clears the description, and a blank title is refused.
    fields = ("title", "theme", "description", "language", "timezone", "status")
    changes: dict[str, str | None] = {key: value for key in fields if isinstance(value := form.get(key), str)}
    try:
        await service(request).update_event(event_id, changes)
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/host/{event_id}")


async def add_site_submit(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    form = await request.form()
    try:
        await service(request).add_site(event_id, name=str(form.get("name", "")), angle=_field(form, "angle"))
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/host/{event_id}#sites")


# -- deleting an event ------------------------------------------------------------------------------


def _same_title(typed: str, title: str) -> bool:
    """The confirmation: the title as typed, case and spacing aside (typing it, not matching it to the letter, is the point)."""
    return " ".join(typed.split()).casefold() == " ".join(title.split()).casefold()


async def _hosted_event(request: Request) -> Event:
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    try:
        event = await service(request).event(event_id)
    except NotFound:
        raise PageError(404, i18n.gettext("There is no such workshop."))
    in_event_language(request, event)
    return event


async def delete_event_form(request: Request, typed: str = "", error: str | None = None, status: int = 200) -> Response:
    """The confirmation step: the host types the event's title (no JavaScript needed)."""
    event = await _hosted_event(request)
    return render(request, "event_delete.html", status=status, event=event, typed=typed, error=error)


async def delete_event_submit(request: Request) -> Response:
    event = await _hosted_event(request)
    typed = str((await request.form()).get("confirm_title", ""))
    if not _same_title(typed, event.title):
        message = i18n.gettext("That is not the workshop's title. Type it as shown to delete the workshop.")
        return await delete_event_form(request, typed=typed, error=message, status=422)
    await service(request).delete_event(event.id)
    response = redirect("/deleted")
    response.delete_cookie(COOKIES[Role.HOST], path="/")  # its token died with the event
    return response


async def event_deleted(request: Request) -> Response:
    return render(request, "event_deleted.html")


# -- the host's agenda and clocks -----------------------------------------------------------------


def _kit_choices() -> list[dict[str, str]]:
    """The format kits as the dashboard offers them, in the page's language."""
    return [{"id": kit.id, "name": i18n.gettext(kit.name), "summary": i18n.gettext(kit.summary)} for kit in kits.KITS.values()]


def _kit_name(kit_id: str | None) -> str | None:
    found = kits.KITS.get(kit_id) if kit_id else None
    return i18n.gettext(found.name) if found else None


def _phase_row(phase: Phase) -> dict[str, Any]:
    """A phase as the dashboard's editor shows it (and as the form sends it back)."""
    return {"id": phase.id, "name": phase.name, "minutes": str(phase.minutes), "allows": list(phase.allows),
            "instructions": phase.instructions, "script": phase.script, "remove": False}


def _agenda_rows(form: FormData) -> list[dict[str, Any]]:
    """The editor's rows as sent, in order: `phase-<n>-...` for the phases shown, then the "add a
    phase" row (`new-...`) if anything was typed into it."""
    rows = []
    for index in range(agenda.AGENDA_PHASES_MAX + 1):
        prefix = f"phase-{index}-"
        if f"{prefix}name" not in form:
            break
        rows.append(_row(form, prefix, new=False))
    added = _row(form, "new-", new=True)
    if any(str(added[key]).strip() for key in ("name", "instructions", "script")):
        rows.append(added)
    return rows


def _row(form: FormData, prefix: str, *, new: bool) -> dict[str, Any]:
    return {
        "id": None if new else (str(form.get(f"{prefix}id", "")) or None),
        "name": str(form.get(f"{prefix}name", "")),
        "minutes": str(form.get(f"{prefix}minutes", "")),
        "allows": [str(value) for value in form.getlist(f"{prefix}allows")],
        "instructions": str(form.get(f"{prefix}instructions", "")),
        "script": str(form.get(f"{prefix}script", "")),
        "remove": bool(form.get(f"{prefix}remove")),
        "new": new,
    }


async def agenda_submit(request: Request) -> Response:
    """The host saves the phase editor: edited phases, removed ones, and a new one at the end."""
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    rows = _agenda_rows(await request.form())
    kept = [(index, row) for index, row in enumerate(rows) if not row["remove"]]
    for index, row in kept:
        try:
            agenda.phase_draft(row["name"], row["minutes"], row["allows"], row["instructions"], row["script"])
        except RuleError as error:
            # Numbered as the editor shows the phases (the new one comes last).
            message = i18n.gettext("Please check phase %(number)d: %(problem)s") % {"number": index + 1, "problem": _rule_message(error)}
            return await dashboard(request, error=message, status=422, agenda_rows=rows, invalid=(index, error.field))
    phases = [{key: row[key] for key in ("id", "name", "minutes", "allows", "instructions", "script")} for _, row in kept]
    try:
        await service(request).set_agenda(event_id, phases=phases)
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error), agenda_rows=rows)
    return redirect(f"/host/{event_id}#agenda")


async def kit_submit(request: Request) -> Response:
    """The host takes a format kit: its phases replace the agenda, in the event's language."""
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    form = await request.form()
    try:
        await service(request).set_agenda(event_id, kit=str(form.get("kit", "")))
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/host/{event_id}#agenda")


async def host_clock_submit(request: Request) -> Response:
    """The host moves every site's clock at once, or one site's (`site_id`)."""
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    form = await request.form()
    action, seconds = _clock_form(form)
    try:
        await service(request).move_clock(event_id, action, site_id=_field(form, "site_id"), phase_id=_field(form, "phase_id"), seconds=seconds)
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/host/{event_id}#clock")


def _error_message(status: int, exc: Exception) -> tuple[str, str]:
    if isinstance(exc, Throttled):
        return i18n.gettext("Please wait a moment"), exc.sentence()
    if isinstance(exc, PageError):
        return i18n.gettext("This page cannot be shown"), exc.message
    if isinstance(exc, RuleError):
        return i18n.gettext("This page cannot be shown"), _rule_message(exc)
    if status == 404:
        return i18n.gettext("Page not found"), i18n.gettext("There is nothing at this address. Check the link.")
    if status == 413:
        return i18n.gettext("Too much at once"), i18n.gettext("What you sent is too large.")
    if status == 503:
        return i18n.gettext("Please try again"), i18n.gettext("The server cannot save right now. Please try again in a moment.")
    if status < 500:
        return i18n.gettext("This page cannot be shown"), i18n.gettext("Please check the link and try again.")
    return i18n.gettext("Something went wrong"), i18n.gettext("Something went wrong on the server. Please try again.")


async def error_page(request: Request, exc: Exception) -> Response:
    """Every error on a page, as a readable page in the person's language, with the right status."""
    if isinstance(exc, PageError | ApiError):
        status = exc.status
    elif isinstance(exc, HTTPException):
        status = exc.status_code
    elif isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, RuleError):
        status = rule_status(exc)
    elif isinstance(exc, StoreUnavailable):
        status = 503
        log.error("store unavailable: %s", exc)  # the cause, for the operator; the page names none
    else:
        status = 500
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    title, message = _error_message(status, exc)
    response = render(request, "error.html", status=status, title=title, message=message, status_code=status)
    if isinstance(exc, ApiError):
        response.headers.update(exc.headers)  # Retry-After on a 429
    if status == 503:
        response.headers.update(UNAVAILABLE_HEADERS)
    return response


async def status_page(request: Request, status: int, message: str | None = None) -> Response:
    """The error page for `status`, saying `message` (already translated) or the status's usual words."""
    return await error_page(request, PageError(status, message) if message else HTTPException(status))


# -- ideas travelling: build-ons, sends, spotlights -------------------------------------------------


def _exchange_message(error: RuleError) -> str:
    """The readable, translated sentence for a refused build-on, send or spotlight."""
    messages = {
        "not_in_this_phase": i18n.gettext("Building on notes is closed in this phase. Look at the screen to see what you can do now."),
        "invalid_send": i18n.gettext("A site cannot send to itself. Choose another site, or every other site."),
        "unknown_site": i18n.gettext("That site is not part of this workshop. Reload the page and choose again."),
        "no_other_site": i18n.gettext("There is no other site to send to yet."),
        "not_your_note": i18n.gettext("You can send only your own site's notes."),
        "not_shown_here": i18n.gettext("You can spotlight only the notes shown at your site: its own, and those sent to it."),
    }
    return messages.get(error.code) or _rule_message(error)


async def build_on_submit(request: Request) -> Response:
    """A phone builds on a note (any site's): back to the note, or the phone with a readable refusal."""
    try:
        note = await service(request).note_of(request.path_params["note_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This note was deleted."))
    me = await allowed(request, lambda p: p.is_participant_in(note.event_id))
    assert me.participant_id is not None and me.site_id is not None
    form = await request.form()
    text = str(form.get("text", ""))
    try:
        admit(request, Action.POST, me)
        await service(request).build_on(me.participant_id, note.id, text, client_id=_field(form, "client_id"))
    except Throttled as slow:
        await _in_site_language(request, me.site_id)
        return slow.on(await phone(request, site_id=me.site_id, build_error={"message": slow.sentence(), "text": text}))
    except RuleError as error:
        refusal = {"message": _exchange_message(error), "text": text}
        return await phone(request, site_id=me.site_id, build_error=refusal, status=rule_status(error))
    except NotFound:  # hidden or deleted meanwhile
        raise PageError(404, i18n.gettext("This note was deleted."))
    return redirect(f"/sites/{me.site_id}/phone#note-{note.id}")


async def delete_build_on_submit(request: Request) -> Response:
    try:
        build_on = await service(request).build_on_of(request.path_params["build_on_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This build-on was deleted."))
    # Its author (from the phone), or a moderator of the note's site (from the console).
    me = await allowed(
        request, lambda p: p.participant_id == build_on.participant_id or p.can_facilitate(build_on.event_id, build_on.site_id)
    )
    admit(request, Action.CHANGE, me)  # its author (a moderator counts against their own limit, in allowed); past it, the error page says so
    await service(request).delete_build_on(build_on.id)
    if me.participant_id == build_on.participant_id:
        return redirect(f"/sites/{me.site_id}/phone#note-{build_on.note_id}")
    return redirect(f"/sites/{build_on.site_id}/console#note-{build_on.note_id}")


async def _console_form(request: Request) -> tuple[Site, FormData]:
    """The path's site, when the caller facilitates it, and the form its console posted."""
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    return site, await request.form()


async def send_submit(request: Request) -> Response:
    """The console sends one of its notes (`note_id`) or a question, to one site (`to_site_id`) or all."""
    site, form = await _console_form(request)
    note_id = _field(form, "note_id")
    question = None if note_id else str(form.get("question", ""))
    try:
        await service(request).send(site.id, note_id=note_id, question=question, to_site_id=_field(form, "to_site_id"))
    except RuleError as error:
        return await console(request, error=_exchange_message(error), status=rule_status(error))
    return redirect(f"/sites/{site.id}/console?sent=1#question-heading")  # where "Sent." is said


async def spotlight_submit(request: Request) -> Response:
    """The console puts a note (its own, or one sent to it) in its board's spotlight; an empty `note_id` clears it."""
    site, form = await _console_form(request)
    try:
        await service(request).spotlight(site.id, _field(form, "note_id"))
    except RuleError as error:
        return await console(request, error=_exchange_message(error), status=rule_status(error))
    return redirect(f"/sites/{site.id}/console#exchange-side")


# -- dot voting -------------------------------------------------------------------------------------


def vote_messages() -> dict[str, str]:
    """What a phone says when a vote is refused, by the API's error code. The no-JavaScript form shows
    them, and the phone page hands them to app.js (data-refused-*), so both say the same. Voting too
    fast is the throttle's own sentence, its wait left as {wait} for app.js to fill from Retry-After."""
    return {
        "not_in_this_phase": i18n.gettext("Voting is not open in this phase. Wait until the facilitator starts a voting phase."),
        "over_budget": i18n.gettext("You have used all your votes in this phase. Take one back to vote for another note."),
        "already_voted": i18n.gettext("You have already voted for this note. Give your other votes to other notes."),
        "no_vote": i18n.gettext("You have no vote on this note to take back."),
        "event_closed": i18n.gettext("This workshop has closed."),
        "site_locked": i18n.gettext("The facilitator has paused this board for now. Try again when it is open again."),
        "hidden_by_moderator": i18n.gettext("A facilitator has hidden this note, so it can no longer be changed."),
        "note_in_use": i18n.gettext("Others have voted for or built on this note, so it stays. Ask the facilitator to hide it if it must go."),
        "not_found": i18n.gettext("This note is no longer on the board."),
        "too_many_requests": str(SENTENCES["vote"]) % {"wait": "{wait}"},
        "refused": i18n.gettext("Your vote could not be counted. Please try again."),
        "offline": i18n.gettext("No connection: your vote was not counted. Please try again when you are back online."),
    }


async def vote_submit(request: Request) -> Response:
    return await _vote_form(request, take_back=False)


async def unvote_submit(request: Request) -> Response:
    return await _vote_form(request, take_back=True)


async def _vote_form(request: Request, *, take_back: bool) -> Response:
    """A phone's vote (or take-back) without JavaScript: back to the note, or the phone with the reason."""
    me = await allowed(request, lambda p: p.participant_id is not None)
    assert me.participant_id is not None and me.site_id is not None
    note_id = request.path_params["note_id"]
    workshop = service(request)
    try:
        admit(request, Action.VOTE, me)
        await (workshop.withdraw_vote if take_back else workshop.cast_vote)(me.participant_id, note_id)
    except Throttled as slow:
        await _in_site_language(request, me.site_id)
        return slow.on(await phone(request, site_id=me.site_id, vote_error=slow.sentence()))
    except NotFound:
        return await phone(request, site_id=me.site_id, vote_error=vote_messages()["not_found"], status=404)
    except RuleError as error:
        message = vote_messages().get(error.code) or _rule_message(error)
        return await phone(request, site_id=me.site_id, vote_error=message, status=rule_status(error))
    return redirect(f"/sites/{me.site_id}/phone#note-{note_id}")


async def reveal_submit(request: Request) -> Response:
    """A facilitator shows (or hides again) their site's totals; the host may do it for any site."""
    site, event = await site_and_event(request)
    await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
    form = await request.form()
    try:
        await service(request).reveal_votes(site.id, revealed=form.get("revealed") == "1")
    except RuleError as error:
        return await console(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/sites/{site.id}/console#votes-panel")


async def voting_submit(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await allowed(request, lambda p: p.can_host(event_id))
    form = await request.form()
    typed = str(form.get("budget", "")).strip()
    # A number field sends text: a whole number goes on as one, anything else to the rule that refuses it.
    budget: object = int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 4 else typed
    try:
        await service(request).set_voting(
            event_id, budget=budget, several_per_note=bool(form.get("several_per_note")), hidden=bool(form.get("hidden"))
        )
    except RuleError as error:
        return await dashboard(request, error=_rule_message(error), status=rule_status(error))
    return redirect(f"/host/{event_id}#voting")


# -- themes: the console's forms, the boards' drag and drop (which posts the same forms), the host's --


GROUP_NOTES_MAX = 100  # notes a "Create theme" from an emerging group places at once


def _theme_message(error: RuleError) -> str:
    """The readable, translated sentence for a refused theme or placement."""
    if error.field == "name" and error.code in ("empty", "too_long"):
        return i18n.gettext("Give the theme a name of at most %(max)d characters.") % {"max": themes.NAME_MAX}
    messages = {
        "theme_exists": i18n.gettext("There is already a theme with that name. Use that one, or choose another name."),
        "too_many_themes": i18n.gettext("A workshop can have at most %(max)d themes. Merge some first.") % {"max": themes.THEMES_MAX},
        "theme_shared": i18n.gettext("That theme holds notes from other sites, so only the host can merge or delete it."),
        "invalid_merge": i18n.gettext("Choose another theme to merge this one into."),
        "not_your_note": i18n.gettext("You can put only your own site's notes in themes. The host can place any site's notes."),
        "not_shown_here": i18n.gettext("That note is hidden. Restore it before putting it in a theme."),
    }
    return messages.get(error.code) or _rule_message(error)


def _theme_gone() -> str:
    return i18n.gettext("That theme is no longer there. Reload the page and choose again.")


async def _theme_worker(request: Request, event: Event) -> Principal:
    """The host, or a facilitator of any site of the event: who may work on its themes. What a
    facilitator may do to shared themes and other sites' notes, the store checks (`Principal.acting_site`)."""
    principal = await allowed(request, lambda p: p.can_work_on_themes(event.id))
    in_event_language(request, event)
    return principal


async def _back_to(request: Request, principal: Principal, event_id: str, form: FormData) -> str | None:
    """The console a theme form goes back to: a facilitator's own; for the host, the console it was
    posted from (`site_id`, when it is a site of the event), or none: the shared board."""
    if not principal.can_host(event_id):
        return principal.site_id
    wanted = _field(form, "site_id")
    try:
        site = await service(request).site(wanted) if wanted else None
    except NotFound:
        return None
    return site.id if site is not None and site.event_id == event_id else None


def _themes_page(event_id: str, site_id: str | None, anchor: str) -> str:
    return f"/sites/{site_id}/console#{anchor}" if site_id else f"/events/{event_id}/board#{anchor}"


async def _theme_refused(request: Request, site_id: str | None, message: str, status: int) -> Response:
    """A refusal, said in the console the form came from, or (from the shared board) on a page of its own."""
    if site_id:
        return await console(request, error=message, status=status, site_id=site_id)
    raise PageError(status, message)


async def _posted_theme(request: Request) -> tuple[Theme, Principal, str | None, FormData]:
    """The theme in the path, who works on it, where the form goes back to, and the form."""
    try:
        theme = await service(request).theme_of(request.path_params["theme_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This theme was deleted or merged into another."))
    principal = await _theme_worker(request, await service(request).event(theme.event_id))
    form = await request.form()
    return theme, principal, await _back_to(request, principal, theme.event_id, form), form


async def create_theme_submit(request: Request) -> Response:
    """A console (`/sites/{site_id}/themes`) or the host's shared board (`/events/{event_id}/themes`)
    starts a theme; `note_ids` (an emerging group's notes of that site) go into it at once."""
    if "site_id" in request.path_params:
        site, event = await site_and_event(request)
        principal = await allowed(request, lambda p: p.can_facilitate(event.id, site.id))
        in_event_language(request, event)
        back: str | None = site.id
    else:
        try:
            event = await service(request).event(request.path_params["event_id"])
        except NotFound:
            raise PageError(404, i18n.gettext("There is no such workshop."))
        principal = await _theme_worker(request, event)
        back = None
    form = await request.form()
    try:
        theme = await service(request).create_theme(event.id, str(form.get("name", "")))
    except RuleError as error:
        return await _theme_refused(request, back, _theme_message(error), rule_status(error))
    for note_id in form.getlist("note_ids")[:GROUP_NOTES_MAX]:
        try:
            await service(request).place_note(str(note_id), theme.id, by_site=principal.acting_site(event.id))
        except (RuleError, NotFound):
            continue  # hidden, deleted or not this site's meanwhile: the others still go in
    return redirect(_themes_page(event.id, back, f"theme-{theme.id}"))


async def rename_theme_submit(request: Request) -> Response:
    theme, _, back, form = await _posted_theme(request)
    try:
        await service(request).rename_theme(theme.id, str(form.get("name", "")))
    except RuleError as error:
        return await _theme_refused(request, back, _theme_message(error), rule_status(error))
    return redirect(_themes_page(theme.event_id, back, f"theme-{theme.id}"))


async def merge_theme_submit(request: Request) -> Response:
    """Fold a theme into another (`into`): its notes move over. Another site's notes in it: the host's call."""
    theme, principal, back, form = await _posted_theme(request)
    into = _field(form, "into")
    if into is None:
        return await _theme_refused(request, back, i18n.gettext("Choose the theme to merge it into."), 422)
    try:
        await service(request).merge_themes(theme.id, into, by_site=principal.acting_site(theme.event_id))
    except RuleError as error:
        return await _theme_refused(request, back, _theme_message(error), rule_status(error))
    except NotFound:
        return await _theme_refused(request, back, _theme_gone(), 404)
    return redirect(_themes_page(theme.event_id, back, f"theme-{into}"))


async def delete_theme_submit(request: Request) -> Response:
    """Delete a theme: its notes go back to no theme. Another site's notes in it: the host's call."""
    theme, principal, back, _ = await _posted_theme(request)
    try:
        await service(request).delete_theme(theme.id, by_site=principal.acting_site(theme.event_id))
    except RuleError as error:
        return await _theme_refused(request, back, _theme_message(error), rule_status(error))
    return redirect(_themes_page(theme.event_id, back, "themes-heading"))


async def place_note_submit(request: Request) -> Response:
    """Put a note in a theme (`theme_id`; empty: no theme). The console's "Theme" select and its
    suggestions post here, and app.js posts a note dropped on a theme's box the same way."""
    try:
        note = await service(request).note_of(request.path_params["note_id"])
    except NotFound:
        raise PageError(404, i18n.gettext("This note was deleted."))
    principal = await _theme_worker(request, await service(request).event(note.event_id))
    form = await request.form()
    back = await _back_to(request, principal, note.event_id, form)
    try:
        await service(request).place_note(note.id, _field(form, "theme_id"), by_site=principal.acting_site(note.event_id))
    except RuleError as error:
        return await _theme_refused(request, back, _theme_message(error), rule_status(error))
    except NotFound:
        return await _theme_refused(request, back, _theme_gone(), 404)
    return redirect(_themes_page(note.event_id, back, f"note-{note.id}"))


routes = [
    Route("/notes/{note_id}/build-ons", build_on_submit, methods=["POST"]),
    Route("/build-ons/{build_on_id}/delete", delete_build_on_submit, methods=["POST"]),
    Route("/sites/{site_id}/sends", send_submit, methods=["POST"]),
    Route("/sites/{site_id}/spotlight", spotlight_submit, methods=["POST"]),
    Route("/", home, methods=["GET"]),
    Route("/join", join_form, methods=["GET"]),
    Route("/join", join_submit, methods=["POST"]),
    Route("/join/{code}", join_form, methods=["GET"]),
    Route("/sites/{site_id}/phone", phone, methods=["GET"]),
    Route("/sites/{site_id}/notes", post_note_form, methods=["POST"]),
    Route("/notes/{note_id}/edit", edit_note_form, methods=["GET"]),
    Route("/notes/{note_id}/edit", edit_note_submit, methods=["POST"]),
    Route("/notes/{note_id}/delete", delete_note_submit, methods=["POST"]),
    Route("/sites/{site_id}/board", site_board, methods=["GET"]),
    Route("/sites/{site_id}/console", console, methods=["GET"]),
    Route("/sites/{site_id}/poster", poster, methods=["GET"]),
    Route("/events/{event_id}/board", shared_board, methods=["GET"]),
    Route("/host/new", new_event_form, methods=["GET"]),
    Route("/host/new", new_event_submit, methods=["POST"]),
    Route("/host/{event_id}", dashboard, methods=["GET"]),
    Route("/host/{event_id}", update_event_submit, methods=["POST"]),
    Route("/host/{event_id}/sites", add_site_submit, methods=["POST"]),
    Route("/host/{event_id}/delete", delete_event_form, methods=["GET"]),
    Route("/host/{event_id}/delete", delete_event_submit, methods=["POST"]),
    Route("/deleted", event_deleted, methods=["GET"]),
    Route("/host/{event_id}/agenda", agenda_submit, methods=["POST"]),
    Route("/host/{event_id}/agenda/kit", kit_submit, methods=["POST"]),
    Route("/host/{event_id}/clock", host_clock_submit, methods=["POST"]),
    Route("/sites/{site_id}/clock", site_clock_submit, methods=["POST"]),
    Route("/notes/{note_id}/hide", hide_note_submit, methods=["POST"]),
    Route("/notes/{note_id}/restore", restore_note_submit, methods=["POST"]),
    Route("/notes/{note_id}/moderate", moderate_note_form, methods=["GET"]),
    Route("/notes/{note_id}/moderate", moderate_note_submit, methods=["POST"]),
    Route("/notes/{note_id}/merge", merge_note_form, methods=["GET"]),
    Route("/notes/{note_id}/merge", merge_note_submit, methods=["POST"]),
    Route("/sites/{site_id}/lock", lock_submit, methods=["POST"]),
    Route("/sites/{site_id}/console/notes", proxy_note_submit, methods=["POST"]),
    Route("/participants/{participant_id}/remove", remove_participant_submit, methods=["POST"]),
    Route("/notes/{note_id}/vote", vote_submit, methods=["POST"]),
    Route("/notes/{note_id}/unvote", unvote_submit, methods=["POST"]),
    Route("/sites/{site_id}/reveal", reveal_submit, methods=["POST"]),
    Route("/host/{event_id}/voting", voting_submit, methods=["POST"]),
    Route("/sites/{site_id}/themes", create_theme_submit, methods=["POST"]),
    Route("/events/{event_id}/themes", create_theme_submit, methods=["POST"]),
    Route("/themes/{theme_id}/rename", rename_theme_submit, methods=["POST"]),
    Route("/themes/{theme_id}/merge", merge_theme_submit, methods=["POST"]),
    Route("/themes/{theme_id}/delete", delete_theme_submit, methods=["POST"]),
    Route("/notes/{note_id}/theme", place_note_submit, methods=["POST"]),
]
