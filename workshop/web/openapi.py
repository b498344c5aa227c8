"""The OpenAPI 3.1 document of the JSON API, built from the pydantic schemas the handlers use.

The paths are listed here by hand, each with who may call it; a test checks that every API route
appears here and that the document is valid, so the two cannot drift apart.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from workshop import __version__
from workshop.web import schemas

REF = "#/components/schemas/{model}"
MODELS: list[type[BaseModel]] = [
    schemas.EventCreate,
    schemas.EventUpdate,
    schemas.SiteCreate,
    schemas.Join,
    schemas.NoteCreate,
    schemas.NoteUpdate,
    schemas.Error,
    schemas.EventOut,
    schemas.SiteOut,
    schemas.NoteOut,
    schemas.EventCreated,
    schemas.SiteLinks,
    schemas.SiteList,
    schemas.Joined,
    schemas.BoardOut,
    schemas.LogEntryOut,
    schemas.LogOut,
    schemas.Health,
    schemas.AgendaPut,
    schemas.ClockPost,
    schemas.AgendaOut,
    schemas.KitList,
    # moderation
    schemas.NoteMerge,
    schemas.SiteUpdate,
    schemas.NoteMerged,
    schemas.ParticipantRemoved,
    # ideas travelling
    schemas.BuildOnCreate,
    schemas.SendCreate,
    schemas.SpotlightPut,
    schemas.BuildOnOut,
    schemas.SendOut,
    schemas.SpotlightOut,
    # dot voting
    schemas.NoFields,
    schemas.VotingPut,
    schemas.RevealPost,
    schemas.VoteOut,
    schemas.VotingOut,
    schemas.RevealOut,
    schemas.BallotOut,
    schemas.ResultsOut,
    # themes
    schemas.ThemeName,
    schemas.ThemeMerge,
    schemas.NotePlace,
    schemas.ThemeOut,
    schemas.ThemeList,
    schemas.ThemeMerged,
    schemas.ThemeDeleted,
    schemas.NoteSuggestionsOut,
    schemas.SuggestionsOut,
]

ERRORS = {
    "400": "Malformed JSON.",
    "401": "No valid token.",
    "403": "The token does not allow this (or a call made with cookies left out its x-csrftoken header: csrf_failed).",
    "404": "No such record.",
    "409": "The event's state does not allow this (for example, it is closed).",
    "413": "The body is too large.",
    "415": "A call made with cookies (a browser's) must send its body as application/json.",
    "422": "A field is missing, unknown, of the wrong type or breaks a rule (too long, empty, ...).",
    "429": "Too many requests: past a rate limit (per participant, per host or facilitator token, or per address; docs/api.md). Nothing was done; send it again after Retry-After.",
    "503": "Not available right now (for suggestions: the engine is still reading the event's notes); try again shortly.",
}
RETRY_AFTER = {"Retry-After": {"description": "Whole seconds to wait before sending again.", "schema": {"type": "integer", "minimum": 1}}}
# What any call with a JSON body may answer about the body itself (workshop/web/bodies.py).
BODY_ERRORS = (400, 413, 415, 422)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _op(
    summary: str,
    who: str,
    ok: tuple[int, type[BaseModel] | None, str],
    *,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    params: tuple[dict[str, Any], ...] = (),
    secured: bool = True,
) -> dict[str, Any]:
    status, model, description = ok
    success: dict[str, Any] = {"description": description}
    if model is not None:
        success.update(_json(model))
    responses: dict[str, Any] = {str(status): success}
    for code in errors:
        responses[str(code)] = {"description": ERRORS[str(code)], **_json(schemas.Error)}
        if code == 429:
            responses[str(code)]["headers"] = RETRY_AFTER
    if body is not None and not secured:
        # Open to anyone, but a browser's call carries cookies, and must then prove it came from our pages (workshop/web/csrf.py).
        responses["403"] = {"description": "A call made with cookies left out its x-csrftoken header (csrf_failed).", **_json(schemas.Error)}
    operation: dict[str, Any] = {"summary": summary, "description": f"Who may call it: {who}.", "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if params:
        operation["parameters"] = list(params)
    operation["security"] = [{"bearer": []}, {"cookie": []}] if secured else []
    return operation


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str, minimum: int, maximum: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _healthz_op() -> dict[str, Any]:
    operation = _op("Is the server ready?", "anyone", (200, schemas.Health, "The store is open."), errors=(503,), secured=False)
    operation["responses"]["503"]["description"] = "Not yet, or no longer: the store is opening or closing."
    return operation


def _export_op() -> dict[str, Any]:
    """The summary (md, html, pdf), the notes (csv) or the whole event (json), as a download (docs/export.md)."""
    operation = _op(
        "Export the summary or the event's data", "the host",
        (200, None, 'A download (Content-Disposition: attachment; filename="<title>-summary.<ext>").'), errors=(400, 401, 403, 404, 422),
        params=(
            {"name": "format", "in": "query", "required": True, "schema": {"type": "string", "enum": ["md", "html", "pdf", "csv", "json"]},
             "description": "md, html or pdf: the summary; csv: one row per note; json: the whole event, versioned."},
            {"name": "names", "in": "query", "required": False, "schema": {"type": "string", "enum": ["true", "false"]},
             "description": "Include participants' names (default false)."},
            {"name": "hidden", "in": "query", "required": False, "schema": {"type": "string", "enum": ["true", "false"]},
             "description": "Include hidden and merged notes (default false). JSON with both flags is complete and importable."},
        ),
    )
    types = ("text/markdown", "text/html", "application/pdf", "text/csv")
    content: dict[str, Any] = {media: {"schema": {"type": "string", "format": "binary"}} for media in types}
    # A JSON download is still JSON: the event as one object (its fields: docs/export.md).
    content["application/json"] = {"schema": {"type": "object", "description": "The whole event, versioned (docs/export.md)."}}
    operation["responses"]["200"]["content"] = content
    operation["responses"]["400"]["description"] = "The format is missing or unknown."
    return operation


def paths() -> dict[str, dict[str, Any]]:
    event, site, note = _path("event_id"), _path("site_id"), _path("note_id")
    body_errors = BODY_ERRORS
    return {
        "/healthz": {
            "get": _healthz_op()
        },
        "/api/v1/events": {
            "post": _op(
                "Create an event", "anyone", (201, schemas.EventCreated, "The event, with its host token (shown once)."),
                body=schemas.EventCreate, errors=(*body_errors, 429), secured=False,
            )
        },
        "/api/v1/events/{event_id}": {
            "parameters": [event],
            "get": _op("Read an event", "any token of the event", (200, schemas.EventOut, "The event."), errors=(401, 403, 404)),
            "patch": _op(
                "Change an event (title, theme, language, status, ...)", "the host",
                (200, schemas.EventOut, "The changed event."), body=schemas.EventUpdate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
            "delete": _op(
                "Delete the event and all its data", "the host",
                (204, None, "Deleted, in one transaction: sites, participants, notes, votes, build-ons, sends, themes, the agenda "
                            "and the log. Every token of the event stops working; its live sockets are closed with 4004."),
                errors=(401, 403, 404, 429),
            ),
        },
        "/api/v1/events/{event_id}/sites": {
            "parameters": [event],
            "post": _op(
                "Add a site (at most 50 per event: 409 too_many_sites)", "the host", (201, schemas.SiteLinks, "The site with its join code and links."),
                body=schemas.SiteCreate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
            "get": _op("List the sites with their links", "the host", (200, schemas.SiteList, "Every site."), errors=(401, 403, 404)),
        },
        "/api/v1/events/{event_id}/board": {
            "parameters": [event],
            "get": _op("The whole current state", "any token of the event", (200, schemas.BoardOut, "Event, sites, visible notes."), errors=(401, 403, 404)),
        },
        "/api/v1/events/{event_id}/log": {
            "parameters": [event],
            "get": _op(
                "Log entries after a sequence number", "any token of the event", (200, schemas.LogOut, "Entries in order."),
                errors=(401, 403, 404, 422),
                params=(_query("since", "Return entries after this seq.", 0), _query("limit", "At most this many.", 1, 1000)),
            ),
        },
        "/api/v1/events/{event_id}/export": {"parameters": [event], "get": _export_op()},
        "/api/v1/events/{event_id}/live": {
            "parameters": [event],
            "get": {
                "summary": "The live stream (websocket)",
                "description": (
                    "Who may call it: any token of the event (Authorization header, token parameter or cookie). "
                    "Upgrades to a websocket sending JSON messages: a snapshot (or, with since, every entry after it), "
                    "then every log entry as it is committed. Refusals are an accepted socket closed with 4000 (bad "
                    "parameters), 4001 (no valid token), 4003 (wrong event or foreign Origin) or 4004 (no such event). "
                    "A client that keeps sending messages past its rate limit is closed with 4029; a socket opened past its "
                    "address's limit is accepted and closed with 1013 (try again later). See docs/api.md."
                ),
                "parameters": [
                    _query("since", "Replay every entry after this seq, then go live.", 0),
                    {"name": "site", "in": "query", "required": False, "schema": {"type": "string"}, "description": "Your site: its entries are sent at once."},
                    {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}, "description": "A token, for clients that cannot set headers."},
                ],
                "responses": {"101": {"description": "Switching Protocols: the live stream follows on the socket."}},
                "security": [{"bearer": []}, {"cookie": []}],
            },
        },
        "/api/v1/events/{event_id}/agenda": {
            "parameters": [event],
            "get": _op(
                "The agenda and where each site is in it", "any token of the event",
                (200, schemas.AgendaOut, "Phases, each site's phase and remaining time, and the server's time."), errors=(401, 403, 404),
            ),
            "put": _op(
                "Set the agenda: a format kit's phases, or phases of your own", "the host",
                (200, schemas.AgendaOut, "The new agenda. Phases given with their id are kept; those left out are deleted."),
                body=schemas.AgendaPut, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/events/{event_id}/clock": {
            "parameters": [event],
            "post": _op(
                "Start, advance, pause, resume or extend the clock", "the host (every site, or one); a facilitator (their own site)",
                (200, schemas.AgendaOut, "The agenda after the change."), body=schemas.ClockPost, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/kits": {
            "get": _op(
                "The built-in format kits", "anyone", (200, schemas.KitList, "Every kit with its phases, in the language asked for."),
                params=({"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}, "description": "A language code; else Accept-Language."},),
                secured=False,
            ),
        },
        "/api/v1/sites/{site_id}/qr.svg": {
            "parameters": [site],
            "get": {
                **_op("The site's join link as an SVG QR code", "anyone", (200, None, "An SVG image."), errors=(404,), secured=False),
                "responses": {
                    "200": {"description": "An SVG image.", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                    "404": {"description": ERRORS["404"], **_json(schemas.Error)},
                },
            },
        },
        "/api/v1/sites/{site_id}/notes": {
            "parameters": [site],
            "post": _op(
                "Post a note", "a participant of the site; with on_behalf_of, the site's facilitator or the host",
                (201, schemas.NoteOut, "The note; a retry with the same client_id returns the first note (header Idempotent-Replayed)."),
                body=schemas.NoteCreate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/notes/{note_id}": {
            "parameters": [note],
            "patch": _op(
                "Edit a note; moderators also hide or restore it (visible)",
                "its author (text, kind, colour); the site's facilitator or the host (also visible)",
                (200, schemas.NoteOut, "The changed note; an edit's log entry keeps the text it replaced."),
                body=schemas.NoteUpdate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
            "delete": _op(
                "Delete your note", "its author", (204, None, "Deleted."),
                errors=(401, 403, 404, 409, 429),  # closed, hidden by a moderator, or voted for or built on by others
            ),
        },
        "/api/v1/notes/{note_id}/merge": {
            "parameters": [note],
            "post": _op(
                "Merge a duplicate into another note", "the facilitator of the duplicate's site, or the host",
                (200, schemas.NoteMerged, "The duplicate (hidden, merged_into set) and the kept note, which now has its votes and build-ons."),
                body=schemas.NoteMerge, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/sites/{site_id}": {
            "parameters": [site],
            "patch": _op(
                "Lock or unlock a site's board", "the site's facilitator, or the host",
                (200, schemas.SiteOut, "The site. A locked board refuses participants' notes, votes and build-ons (409 site_locked)."),
                body=schemas.SiteUpdate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/participants/{participant_id}": {
            "parameters": [_path("participant_id")],
            "delete": _op(
                "Remove a participant", "the facilitator of their site, or the host",
                (200, schemas.ParticipantRemoved, "Removed: their tokens no longer work. With hide_notes=true their notes are hidden and their build-ons deleted too."),
                errors=(401, 403, 404, 409, 422, 429),
                params=({"name": "hide_notes", "in": "query", "required": False, "schema": {"type": "boolean", "default": False},
                         "description": "Also hide every note of theirs and delete their build-ons."},),
            ),
        },
        "/api/v1/join": {
            "post": _op(
                "Join a site with its code", "anyone", (201, schemas.Joined, "A participant token for the site."),
                body=schemas.Join, errors=(*body_errors, 404, 409, 429), secured=False,
            )
        },
        "/api/v1/openapi.json": {
            "get": {**_op("This document", "anyone", (200, None, "OpenAPI 3.1."), secured=False)},
        },
        **exchange_paths(),
        **votes_paths(),
        **themes_paths(),
    }


# -- ideas travelling: build-ons, sends, spotlights ----------------------------------------------------


def exchange_paths() -> dict[str, dict[str, Any]]:
    body_errors = BODY_ERRORS
    return {
        "/api/v1/notes/{note_id}/build-ons": {
            "parameters": [_path("note_id")],
            "post": _op(
                "Build on a note (any site's)", "a participant of the event",
                (201, schemas.BuildOnOut, "The build-on; a retry with the same client_id returns the first (header Idempotent-Replayed)."),
                body=schemas.BuildOnCreate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/build-ons/{build_on_id}": {
            "parameters": [_path("build_on_id")],
            "delete": _op(
                "Delete a build-on", "its author; the facilitator of the note's site, or the host (moderation)",
                (204, None, "Deleted."), errors=(401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/sites/{site_id}/sends": {
            "parameters": [_path("site_id")],
            "post": _op(
                "Send one of the site's notes, or a question, to another site or to all", "the site's facilitator, or the host",
                (201, schemas.SendOut, "The send; it arrives in the incoming lane of the site(s) it went to."),
                body=schemas.SendCreate, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/sites/{site_id}/spotlight": {
            "parameters": [_path("site_id")],
            "put": _op(
                "Spotlight a note on the site's board, or clear the spotlight", "the site's facilitator, or the host",
                (200, schemas.SpotlightOut, "The site's spotlight now."), body=schemas.SpotlightPut, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
    }


# -- dot voting -----------------------------------------------------------------------------------


def votes_paths() -> dict[str, dict[str, Any]]:
    body_errors = BODY_ERRORS
    cast = _op(
        "Vote for a note (any site's)", "a participant of the event",
        (201, schemas.VoteOut, "Counted: the note's total (null while its site hides totals) and your votes left in this phase."),
        body=schemas.NoFields, errors=(*body_errors, 401, 403, 404, 409, 429),
    )
    cast["requestBody"]["required"] = False  # the path says it all; an empty object is accepted too
    return {
        "/api/v1/notes/{note_id}/votes": {
            "parameters": [_path("note_id")],
            "post": cast,
            "delete": _op(
                "Take back one of your votes on a note", "the participant who cast it, in the same voting phase",
                (200, schemas.VoteOut, "Taken back: the note's total (null while hidden) and your votes left."), errors=(401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/events/{event_id}/my-votes": {
            "parameters": [_path("event_id")],
            "get": _op(
                "Your votes in your site's current phase", "a participant of the event",
                (200, schemas.BallotOut, "Whether voting is open, your budget, what is left, and which notes have your votes."),
                errors=(401, 403, 404),
            ),
        },
        "/api/v1/events/{event_id}/voting": {
            "parameters": [_path("event_id")],
            "put": _op(
                "Set the dot vote: budget, several votes on one note, hidden totals", "the host",
                (200, schemas.VotingOut, "The voting settings now."), body=schemas.VotingPut, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/events/{event_id}/results": {
            "parameters": [_path("event_id")],
            "get": _op(
                "The dot vote's results, per site and across sites", "the host and the event's facilitators",
                (200, schemas.ResultsOut, "Ranked per site, and across sites by each note's share of its own site's votes."),
                errors=(401, 403, 404),
            ),
        },
        "/api/v1/sites/{site_id}/reveal": {
            "parameters": [_path("site_id")],
            "post": _op(
                "Reveal (or hide again) a site's vote totals", "the site's facilitator, or the host",
                (200, schemas.RevealOut, "Whether the site's totals are revealed now."), body=schemas.RevealPost,
                errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
    }


# -- themes ---------------------------------------------------------------------------------------


def themes_paths() -> dict[str, dict[str, Any]]:
    body_errors = BODY_ERRORS
    runs = "the host, or a facilitator of any site of the event"
    removes = runs + " (only the host, once it holds other sites' notes: 409 theme_shared)"
    return {
        "/api/v1/events/{event_id}/themes": {
            "parameters": [_path("event_id")],
            "get": _op(
                "The event's themes with their notes", "any token of the event",
                (200, schemas.ThemeList, "Every theme, in the order they were made, with its visible notes and their count per site."),
                errors=(401, 403, 404),
            ),
            "post": _op(
                "Start a theme", runs, (201, schemas.ThemeOut, "The theme."),
                body=schemas.ThemeName, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/themes/{theme_id}": {
            "parameters": [_path("theme_id")],
            "patch": _op(
                "Rename a theme", runs, (200, schemas.ThemeOut, "The theme."), body=schemas.ThemeName,
                errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
            "delete": _op(
                "Delete a theme; its notes go back to unplaced", removes, (200, schemas.ThemeDeleted, "Deleted, with the notes it held."),
                errors=(401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/themes/{theme_id}/merge": {
            "parameters": [_path("theme_id")],
            "post": _op(
                "Merge a theme into another: its notes move over", removes,
                (200, schemas.ThemeMerged, "The kept theme and the notes moved into it."), body=schemas.ThemeMerge,
                errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/notes/{note_id}/theme": {
            "parameters": [_path("note_id")],
            "put": _op(
                "Place a note in a theme, or (null) take it out", "the facilitator of the note's site, or the host",
                (200, schemas.NoteOut, "The note, with its theme_id."), body=schemas.NotePlace, errors=(*body_errors, 401, 403, 404, 409, 429),
            ),
        },
        "/api/v1/events/{event_id}/suggestions": {
            "parameters": [_path("event_id")],
            "get": _op(
                "Likely themes and duplicates for the newest unplaced notes", "the host (every site, or one); a facilitator (their own site)",
                (200, schemas.SuggestionsOut, "Each note's likely themes with the words that explain them, its likely duplicates, and emerging groups."),
                errors=(401, 403, 404),
                params=({"name": "site", "in": "query", "required": False, "schema": {"type": "string"}, "description": "One site's notes only."},),
            ),
        },
        "/api/v1/notes/{note_id}/suggestions": {
            "parameters": [_path("note_id")],
            "get": _op(
                "Likely themes and duplicates for one note", "the facilitator of the note's site, or the host",
                (200, schemas.NoteSuggestionsOut, "The note's likely themes, best first, and the notes it likely repeats."),
                errors=(401, 403, 404, 503),
            ),
        },
    }


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    _, top = models_json_schema([(model, "validation") for model in MODELS], ref_template=REF)
    return dict(top.get("$defs", {}))


def document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Open Workshop API",
            "version": __version__,
            "description": "Run one workshop in several places at once. Errors are JSON {error, message} with a 4xx status.",
        },
        "servers": [{"url": server_url}],
        "paths": paths(),
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A host, facilitator, viewer or participant token."},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "ow_participant", "description": "The browser session."},
            },
        },
    }
