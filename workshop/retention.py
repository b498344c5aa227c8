"""Retention: closed events are deleted, with all their data, a set number of days after they closed.

Off by default (0 days: keep everything). `workshop serve --retention-days N` (or
`WORKSHOP_RETENTION_DAYS`) runs `keep_for` in the app's lifespan, once at start-up and then every
`RETENTION_INTERVAL`; `workshop purge` runs `purge` once. See docs/privacy.md.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from workshop.domain.agenda import stamp
from workshop.domain.models import Event
from workshop.service import Workshop
from workshop.store import NotFound

log = logging.getLogger("workshop.retention")

RETENTION_INTERVAL = 3600.0  # seconds between purges: an event outlives its retention by at most an hour


def cutoff(days: int, now: datetime | None = None) -> str:
    """The moment before which an event must have closed to be deleted, as the store's timestamps are written."""
    if days < 1:
        raise ValueError("retention must be at least one day (0 keeps every event)")
    return stamp((now or datetime.now(UTC)) - timedelta(days=days))


async def purge(workshop: Workshop, days: int, *, now: datetime | None = None, dry_run: bool = False) -> list[Event]:
    """Delete every event closed more than `days` days ago (with `dry_run`, only find them); return them."""
    found = []
    for event_id in await workshop.closed_events_before(cutoff(days, now)):
        try:
            event = await workshop.event(event_id)
            if not dry_run:
                await workshop.delete_event(event_id)
        except NotFound:  # deleted meanwhile, by its host or by another process's purge
            continue
        found.append(event)
    return found


async def keep_for(workshop: Workshop, days: int, interval: float = RETENTION_INTERVAL) -> None:
    """Purge now and then every `interval` seconds, until cancelled; a failed round is logged and retried."""
    while True:
        try:
            for event in await purge(workshop, days):
                log.info("retention: deleted event %s, closed more than %d days ago", event.id, days)
        except Exception:  # a store away for a moment must not end retention for good
            log.exception("retention: the purge failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
