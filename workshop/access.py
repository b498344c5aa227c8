"""Who is asking: tokens for hosts, facilitators, viewers and participants, and what each may do.

- A *host token* is a random secret shown once when the event is created; the store keeps only its
  SHA-256 hash (the secret has 192 bits of entropy, so a fast hash is enough).
- *Facilitator*, *viewer* and *participant* tokens are signed with the server's secret key
  (itsdangerous). A facilitator token names its site and the site's nonce, so the host can show the
  link again at any time, and changing the nonce revokes it. A viewer token lets a projector show a
  board read-only. A participant token names the participant; it is the "signed session" given on
  joining, as a cookie to browsers and as a bearer token to API clients.

Every token starts with a short prefix naming its kind, so it is resolved without trying each.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from workshop.store import NotFound, Store
from workshop.store.ids import new_secret

HOST_PREFIX = "h_"
FACILITATOR_PREFIX = "f_"
VIEWER_PREFIX = "v_"
PARTICIPANT_PREFIX = "p_"


class Role(str, enum.Enum):
    HOST = "host"
    FACILITATOR = "facilitator"
    VIEWER = "viewer"
    PARTICIPANT = "participant"


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of a valid token: their role, their event and, below host, their site."""

    role: Role
    event_id: str
    site_id: str | None = None
    participant_id: str | None = None

    def in_event(self, event_id: str) -> bool:
        return self.event_id == event_id

    def can_read(self, event_id: str) -> bool:
        """Anyone holding a token of an event may read its board and its log."""
        return self.in_event(event_id)

    def can_host(self, event_id: str) -> bool:
        return self.role is Role.HOST and self.in_event(event_id)

    def can_facilitate(self, event_id: str, site_id: str) -> bool:
        """The host facilitates every site of their event; a facilitator only their own site."""
        if self.can_host(event_id):
            return True
        return self.role is Role.FACILITATOR and self.in_event(event_id) and self.site_id == site_id

    def can_work_on_themes(self, event_id: str) -> bool:
        """The host, or a facilitator of any site of the event: themes are shared by its sites."""
        return self.in_event(event_id) and self.facilitates is not None

    def acting_site(self, event_id: str) -> str | None:
        """Whom the store holds to a site's rules (another site's notes, shared themes): a
        facilitator's site; None for the host, who acts for every site."""
        return None if self.can_host(event_id) else self.site_id

    @property
    def facilitates(self) -> str | None:
        """Which sites this token runs: every site ("*", the host), its own (a facilitator), none."""
        if self.role is Role.HOST:
            return "*"
        return self.site_id if self.role is Role.FACILITATOR else None

    @property
    def hidden_totals(self) -> str | None:
        """Whose hidden vote totals this token may see: those of the sites it runs."""
        return self.facilitates

    def is_participant_of(self, site_id: str) -> bool:
        return self.role is Role.PARTICIPANT and self.site_id == site_id

    def is_participant_in(self, event_id: str) -> bool:
        """A participant of any site of the event: they build on every site's notes."""
        return self.role is Role.PARTICIPANT and self.in_event(event_id)


def hash_host_secret(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_host_token() -> str:
    return HOST_PREFIX + new_secret(24)


class Tokens:
    """Issues and resolves tokens; resolving checks the store, so deleted records lose access."""

    def __init__(self, secret_key: str, store: Store) -> None:
        self._store = store
        self._facilitator = URLSafeSerializer(secret_key, salt="workshop.facilitator")
        self._viewer = URLSafeSerializer(secret_key, salt="workshop.viewer")
        self._participant = URLSafeSerializer(secret_key, salt="workshop.participant")

    async def facilitator_token(self, site_id: str) -> str:
        nonce = await self._store.facilitator_nonce(site_id)
        return FACILITATOR_PREFIX + self._facilitator.dumps([site_id, nonce])

    def viewer_token(self, event_id: str, site_id: str | None = None) -> str:
        return VIEWER_PREFIX + self._viewer.dumps([event_id, site_id])

    def participant_token(self, participant_id: str) -> str:
        return PARTICIPANT_PREFIX + self._participant.dumps(participant_id)

    async def resolve(self, token: str | None) -> Principal | None:
        """The principal behind a token, or None for a missing, forged, revoked or unknown one."""
        if not token or len(token) > 512:
            return None
        try:
            if token.startswith(HOST_PREFIX):
                return await self._host(token)
            if token.startswith(FACILITATOR_PREFIX):
                return await self._facilitator_principal(token.removeprefix(FACILITATOR_PREFIX))
            if token.startswith(VIEWER_PREFIX):
                return await self._viewer_principal(token.removeprefix(VIEWER_PREFIX))
            if token.startswith(PARTICIPANT_PREFIX):
                return await self._participant_principal(token.removeprefix(PARTICIPANT_PREFIX))
        except (BadSignature, NotFound, ValueError, TypeError):
            return None
        return None

    async def _host(self, token: str) -> Principal | None:
        event_id = await self._store.event_id_for_host_secret(hash_host_secret(token))
        return None if event_id is None else Principal(Role.HOST, event_id)

    async def _facilitator_principal(self, signed: str) -> Principal | None:
        site_id, nonce = self._facilitator.loads(signed)
        if nonce != await self._store.facilitator_nonce(site_id):
            return None
        site = await self._store.get_site(site_id)
        return Principal(Role.FACILITATOR, site.event_id, site.id)

    async def _viewer_principal(self, signed: str) -> Principal | None:
        event_id, site_id = self._viewer.loads(signed)
        await self._store.get_event(event_id)
        return Principal(Role.VIEWER, str(event_id), site_id)

    async def _participant_principal(self, signed: str) -> Principal | None:
        participant = await self._store.get_participant(str(self._participant.loads(signed)))
        if participant.removed_at is not None:  # removed by a moderator: every token of theirs stops at once
            return None
        return Principal(Role.PARTICIPANT, participant.event_id, participant.site_id, participant.id)
