"""Fresh identifiers, secrets and timestamps for new records."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from workshop.domain.agenda import stamp


def new_id() -> str:
    """A random id, unguessable so that ids in URLs do not enumerate other events' records."""
    return secrets.token_urlsafe(9)


def new_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def utc_now() -> str:
    """Now, as an ISO 8601 UTC timestamp with milliseconds; strings of this form sort in time order."""
    return stamp(datetime.now(UTC))
