"""The live websocket: `GET /api/v1/events/{event_id}/live`.

JSON by default (one message per log entry, or an array of them per frame); with `format=html` and
a `view`, the htmx fragments of a browser page. The handshake checks the Origin and the token;
refusals accept and then close with a 4xxx code, because a browser sees a refused handshake as 1006
and retries for ever. Each client message is checked against the sender's role.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from workshop.access import Principal
from workshop.domain.errors import RuleError
from workshop.i18n import negotiate
from workshop.live.connection import Connection
from workshop.live.room import Room, Rooms
from workshop.live.views import (
    ConsoleView, HostView, HtmlView, JsonView, PhoneView, SharedBoardView, SiteBoardView, View, encode, message,
)
from workshop.service import Workshop
from workshop.store import NotFound, StoreUnavailable
from workshop.web.access import principals
from workshop.web.throttle import Action, Refusal, Throttled, admit, admit_live_socket, throttle_of

log = logging.getLogger("workshop.live")

MAX_CLIENT_MESSAGE = 4096  # characters: a note is at most 500, so this is plenty
MAX_CLIENT_FRAME = 64 * 1024  # bytes: uvicorn's ws_max_size (workshop/cli.py) closes a bigger frame with 1009
REPLAY_PAGE = 1000

CLOSE_UNAUTHORIZED = 4001
CLOSE_BAD_REQUEST = 4000
CLOSE_FORBIDDEN = 4003
CLOSE_NOT_FOUND = 4004
CLOSE_TRY_AGAIN = 1013  # "try again later": htmx's ws extension reconnects on it (after a pause), then resyncs
CLOSE_TOO_MANY = 4029  # kept sending past its message limit (like HTTP 429); htmx does not reconnect on it
HTML_VIEWS: dict[str, type[HtmlView]] = {
    "site-board": SiteBoardView, "shared-board": SharedBoardView, "phone": PhoneView, "console": ConsoleView, "host": HostView,
}
WHOLE_EVENT_VIEWS = (SharedBoardView, HostView)  # the views that need no site


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def origin_allowed(websocket: WebSocket, origin: str) -> bool:
    """Same host as the request, the configured public URL, or an origin on the allowed list."""
    settings = websocket.app.state.settings
    if origin in settings.allowed_origins:
        return True
    netloc = urlsplit(origin).netloc.lower()
    own = {websocket.headers.get("host", "").lower()}
    if settings.public_url:
        own.add(urlsplit(settings.public_url).netloc.lower())
    return bool(netloc) and netloc in own


async def authorise(websocket: WebSocket, event_id: str) -> Principal:
    origin = websocket.headers.get("origin")
    if origin is not None and not origin_allowed(websocket, origin):
        raise Refused(CLOSE_FORBIDDEN, "origin not allowed")
    found = await principals(websocket)
    token = websocket.query_params.get("token")
    if token:
        principal = await websocket.app.state.tokens.resolve(token)
        found = ([principal] if principal else []) + found
    if not found:
        raise Refused(CLOSE_UNAUTHORIZED, "a valid token is needed")
    for principal in found:
        if principal.can_read(event_id):
            return principal
    raise Refused(CLOSE_FORBIDDEN, "the token is not for this event")


def choose_view(websocket: WebSocket, principal: Principal) -> View:
    params = websocket.query_params
    site_id = params.get("site") or principal.site_id
    if params.get("format", "json") == "json":
        # Theme suggestions only to those who run sites and ask for them: for the rest a stream is the log.
        suggestions_of = principal.facilitates if params.get("suggestions") == "true" else None
        return JsonView(site_id if params.get("site") else None, totals_of=principal.hidden_totals, suggestions_of=suggestions_of)
    view_class = HTML_VIEWS.get(params.get("view", ""))
    if view_class is None:
        raise Refused(CLOSE_BAD_REQUEST, "view must be site-board, shared-board, phone, console or host")
    if view_class not in WHOLE_EVENT_VIEWS and not site_id:
        raise Refused(CLOSE_BAD_REQUEST, "this view needs a site")
    event_id = websocket.path_params["event_id"]
    # The console carries hidden notes, participants' names and suggestions; the host view the host's controls.
    if view_class is ConsoleView and not principal.can_facilitate(event_id, site_id or ""):
        raise Refused(CLOSE_FORBIDDEN, "the console is for the site's facilitator and the host")
    if view_class is HostView and not principal.can_host(event_id):
        raise Refused(CLOSE_FORBIDDEN, "this view is for the host")
    lang = negotiate(params.get("lang", ""), "en")
    return view_class(websocket.app.state.render_fragment, lang, site_id)


def since_param(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("since")
    if raw is None:
        return None
    # isdigit alone lets "²" through, and int() of thousands of digits raises: both were a 500.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Refused(CLOSE_BAD_REQUEST, "since must be a whole number")
    return int(raw)


async def send_first(websocket: WebSocket, workshop: Workshop, room: Room, view: View, since: int | None) -> int:
    """Send the state the socket starts from; return the seq it covers."""
    event_id = room.event_id
    if since is not None and isinstance(view, JsonView) and since <= await workshop.store.last_seq(event_id):
        floor = since
        while True:
            entries = await workshop.store.log_since(event_id, floor, REPLAY_PAGE)
            if entries:
                await websocket.send_text(view.join([encode(message(entry)) for entry in entries]))
                floor = entries[-1].seq
            if len(entries) < REPLAY_PAGE:
                return floor
    board = await workshop.store.board(event_id, moderation=view.moderation)
    await websocket.send_text(view.first(board, room.state))
    return board.seq


async def answer(websocket: WebSocket, workshop: Workshop, principal: Principal, text: str) -> dict[str, Any]:
    """The reply to one client message, after checking it against the sender's role."""
    if len(text) > MAX_CLIENT_MESSAGE:
        return {"type": "error", "error": "too_large", "message": f"Messages must be at most {MAX_CLIENT_MESSAGE} characters."}
    try:
        incoming = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return {"type": "error", "error": "malformed_json", "message": "Messages must be JSON objects."}
    if not isinstance(incoming, dict):
        return {"type": "error", "error": "malformed_json", "message": "Messages must be JSON objects."}
    kind = incoming.get("type")
    if kind == "ping":
        return {"type": "pong"}
    if kind == "note.create":
        try:
            admit(websocket, Action.POST, principal)  # the same limit as posting through the API
        except Throttled as slow:
            return {"type": "error", "error": slow.code, "message": slow.message, "retry_after": slow.retry_after}
        return await post_over_socket(workshop, principal, incoming)
    return {"type": "error", "error": "unknown_type", "message": "Known message types: ping, note.create."}


async def post_over_socket(workshop: Workshop, principal: Principal, incoming: dict[str, Any]) -> dict[str, Any]:
    if principal.participant_id is None:
        return {"type": "error", "error": "forbidden", "message": "Only participants post notes."}
    fields = {key: incoming.get(key) for key in ("text", "kind", "colour", "client_id")}
    if not isinstance(fields["text"], str) or not all(v is None or isinstance(v, str) for v in fields.values()):
        return {"type": "error", "error": "invalid_field", "message": "text must be a string; kind, colour, client_id strings or absent."}
    try:
        written = await workshop.post_note(
            principal.participant_id, fields["text"], kind=fields["kind"], colour=fields["colour"], client_id=fields["client_id"]
        )
    except RuleError as exc:
        return {"type": "error", "error": exc.code, "message": exc.message}
    except NotFound:  # removed by a moderator since this socket opened: their tokens no longer work
        return {"type": "error", "error": "unauthorized", "message": "Your token no longer works."}
    return {"type": "note.ack", "client_id": fields["client_id"], "seq": written.note.seq, "note_id": written.note.id}


async def read_client(websocket: WebSocket, workshop: Workshop, principal: Principal) -> None:
    throttle = throttle_of(websocket)
    socket = throttle.new_socket()
    while True:
        incoming = await websocket.receive()
        if incoming["type"] == "websocket.disconnect":
            return
        text = incoming.get("text")
        refusal = throttle.live_message(socket)
        if refusal is not None and refusal.close:
            await tell_and_close(websocket, CLOSE_TOO_MANY, "too many messages", "Too many messages: this socket is closed.")
            return
        if refusal is not None:
            reply = too_many(refusal)
        elif text is None:
            reply = {"type": "error", "error": "text_only", "message": "Send text frames of JSON."}
        else:
            reply = await answer_safely(websocket, workshop, principal, text)
        await websocket.send_text(encode(reply))


def too_many(refusal: Refusal) -> dict[str, Any]:
    """The answer to a message over the socket's limit, which is not read."""
    return {
        "type": "error", "error": "too_many_messages", "retry_after": refusal.retry_after,
        "message": f"Too many messages: this one was not read. Send again in {refusal.retry_after} s; "
                   f"a socket that keeps sending is closed ({CLOSE_TOO_MANY}).",
    }


async def answer_safely(websocket: WebSocket, workshop: Workshop, principal: Principal, text: str) -> dict[str, Any]:
    """A failure while answering one message is told to its sender; the socket stays open."""
    try:
        return await answer(websocket, workshop, principal, text)
    except StoreUnavailable:
        log.warning("store unavailable while answering a live message", exc_info=True)
        return {"type": "error", "error": "unavailable", "message": "The workshop cannot save right now. Try again in a moment."}
    except Exception:
        log.exception("failed to answer a live message")
        return {"type": "error", "error": "internal", "message": "Something went wrong with that message. Try again."}


async def live(websocket: WebSocket) -> None:
    event_id = websocket.path_params["event_id"]
    workshop: Workshop = websocket.app.state.workshop
    rooms: Rooms = websocket.app.state.rooms
    try:
        admit_live_socket(websocket)  # before anything is looked up or rendered
        principal = await authorise(websocket, event_id)
        view = choose_view(websocket, principal)
        since = since_param(websocket)
        await workshop.store.get_event(event_id)
    except Throttled as slow:
        # Too many sockets opened from this address just now: try again later (htmx does, after a pause).
        told = {"error": "too_many_requests", "message": slow.message, "retry_after": slow.retry_after}
        await refuse(websocket, CLOSE_TRY_AGAIN, "too many sockets", told)
        return
    except Refused as refusal:
        await refuse(websocket, refusal.code, refusal.reason)
        return
    except NotFound:
        await refuse(websocket, CLOSE_NOT_FOUND, "no such event")
        return
    await websocket.accept()
    settings = websocket.app.state.settings
    connection = Connection(websocket.send_text, view.join, max_pending=settings.live_queue_limit)
    room = await rooms.enter(event_id, view, connection)
    tasks: list[asyncio.Task[Any]] = []
    try:
        connection.start(await send_first(websocket, workshop, room, view, since))
        writer = asyncio.create_task(connection.run())
        tasks = [
            writer, asyncio.create_task(read_client(websocket, workshop, principal)),
            asyncio.create_task(connection.overflow.wait()), asyncio.create_task(connection.ending.wait()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if connection.ended is not None:  # the event was deleted
            await tell_and_close(websocket, *connection.ended)
        elif connection.overflowed:
            # Let a frame already on its way finish; a socket that does not drain by then is dropped.
            await asyncio.wait({writer}, timeout=settings.live_resync_grace)
            if writer.done():
                await tell_to_resync(websocket, connection, timeout=settings.live_resync_grace)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the client went away; nothing to tell it
    finally:
        for task in tasks:
            task.cancel()
        rooms.leave(room, view, connection)
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)


async def tell_and_close(websocket: WebSocket, code: int, reason: str, message: str | None = None) -> None:
    """Say why (a JSON error every view ignores but a program can read), then close with `code`:
    an event gone, or a socket that kept sending past its limit (4029); the others are untouched."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await websocket.send_text(encode({"type": "error", "error": reason.replace(" ", "_"), "message": message or reason}))
            await websocket.close(code, reason)


async def tell_to_resync(websocket: WebSocket, connection: Connection, *, timeout: float) -> None:
    """A socket that fell too far behind is told where it stopped, so it can reconnect with since.

    The notice queues behind what the kernel still buffers for the socket, so it gets the same
    grace as the drain did; a socket that cannot take it by then is dropped.
    """
    notice = {"type": "resync", "seq": connection.sent_seq, "message": "You fell behind; reconnect to catch up."}
    with contextlib.suppress(Exception):
        async with asyncio.timeout(timeout):
            await websocket.send_text(encode(notice))
            await websocket.close(CLOSE_TRY_AGAIN, "fell behind")


async def refuse(websocket: WebSocket, code: int, reason: str, error: dict[str, Any] | None = None) -> None:
    """Accept, say why (`error`: the message's fields, else the reason's), and close with `code`."""
    await websocket.accept()
    if websocket.application_state == WebSocketState.CONNECTED:
        await websocket.send_text(encode({"type": "error", **(error or {"error": reason.replace(" ", "_"), "message": reason})}))
        await websocket.close(code, reason)
