"""`GET /api/v1/events/{event_id}/export`: the host downloads the summary or the event's data.

The store is read on the event loop (it is async); the rendering is plain CPU work, done off the
loop, at most `RENDERS` at a time, so the live server goes on answering phones and boards
(bench/export.py measures it). Markdown, HTML, CSV and JSON take a fraction of a second even for
5,000 notes and run in a worker thread. A PDF of that size takes WeasyPrint tens of seconds and
millions of Python objects: in a thread, its garbage collections and its share of the GIL stalled
the server's other requests for up to two seconds, so it is made in a child process (spawned, one
per PDF: the memory it took goes back to the system when it ends).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import anyio
from starlette.requests import Request
from starlette.responses import Response

from workshop.domain.agenda import stamp
from workshop.export import FORMATS, Includes, export
from workshop.service import Workshop
from workshop.web.access import require
from workshop.web.bodies import flag_param
from workshop.web.errors import ApiError
from workshop.web.headers import inline_styles_policy

RENDERS = 2  # exports rendered at once; more wait their turn instead of taking every core from the live rooms
# Letters a plain ASCII file name spells out, so "Grønne gader" downloads as "groenne-gader".
FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slug(title: str) -> str:
    """A file name from an event's title: ASCII letters, digits and dashes, at most 60 characters."""
    folded = unicodedata.normalize("NFKD", title.translate(FOLDS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].strip("-") or "workshop"


def _includes(request: Request) -> Includes:
    return Includes(names=flag_param(request, "names"), hidden=flag_param(request, "hidden"))


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """One limiter per app, made inside its event loop on first use."""
    state = request.app.state
    if getattr(state, "export_limiter", None) is None:
        state.export_limiter = anyio.CapacityLimiter(RENDERS)
    return state.export_limiter  # type: ignore[no-any-return]


async def _in_own_process(*args: object) -> bytes:
    """`export(*args)` in a process of its own, started for it and ended after it ("spawn": a fresh
    interpreter, never a fork of a server with threads). One pool per PDF, not one reused with
    `max_tasks_per_child=1`: Python 3.11's pool can fail replacing its process while shutting down."""
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, export, *args)  # type: ignore[arg-type]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


async def export_event(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    await require(request, lambda p: p.can_host(event_id), "export this event")
    fmt = request.query_params.get("format", "")
    if fmt not in FORMATS:
        raise ApiError(400, "invalid_format", f"format must be one of {', '.join(FORMATS)} (got {fmt!r}).")
    includes = _includes(request)
    workshop: Workshop = request.app.state.workshop
    record = await workshop.record(event_id)
    now = stamp(datetime.now(UTC))
    async with _limiter(request):
        if fmt == "pdf":  # the record travels to the child pickled; the summary and its HTML are made there too
            body = await _in_own_process(record, fmt, includes, now)
        else:
            body = await anyio.to_thread.run_sync(export, record, fmt, includes, now)
    chosen = FORMATS[fmt]
    headers = {
        "Content-Disposition": f'attachment; filename="{slug(record.event.title)}-summary.{chosen.extension}"',
        "Cache-Control": "no-store",  # it may hold names and hidden notes: no copy in a shared cache
        "X-Content-Type-Options": "nosniff",
    }
    if fmt == "html":  # opened in place anyway: its own inline style block may apply, and nothing else
        headers["Content-Security-Policy"] = inline_styles_policy(body.decode() if isinstance(body, bytes) else body)
    return Response(body, media_type=chosen.media_type, headers=headers)
