"""Rate limits: how often one participant, host, facilitator, client address or live socket may write.

Every limit is named and set in `workshop.config.RateLimits` (`WORKSHOP_RATE_*`); this module counts
them and says no, as `Throttled`: a 429 with `Retry-After`, in JSON for the API and as a translated
sentence on the pages.

- A participant's notes, build-ons, votes, edits and deletions count against their own limit (the
  participant id in their token), then against their address's. The address limits are a whole
  room's worth (hundreds of phones behind the venue's NAT), so only a script with many tokens meets
  them; and only what a participant's own limit lets through reaches the address's count, so one
  person hammering is refused alone and never uses up the room's share.
- A host or a facilitator is not held to a participant's limits but to one of their own, per token
  (the host's event, the facilitator's site): every write they make counts once (posts for a table,
  moderation, themes, new sites, the clock), far more than anyone working live makes, far fewer
  than a script filling the disk.
- Joining counts per address: every join, loosely (in ten minutes and, tighter, in one), and every
  wrong code, hard. Once an address has tried too many wrong codes, every code from it is refused for
  a while, right or wrong, since answering a right one would tell a guesser it was right; only
  someone who already holds a token of the code's event (a participant scanning the QR code again)
  is let through, which tells them nothing they did not know.
- Creating an event (anyone may) and opening a live socket count per address; a live socket's
  messages per socket.

The counts are the `limits` library's sliding window counters, in this process's memory: two
counters per key, no I/O on a request's path (Redis stays off it, as docs/architecture.md promises),
forgotten when their window has passed. With several app processes, each counts what it serves.
"""

from __future__ import annotations

import enum
import ipaddress
import itertools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_timedelta
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import HTTPConnection
from starlette.responses import Response

from workshop import i18n
from workshop.access import Principal, Role
from workshop.config import RateLimits
from workshop.domain.errors import RuleError
from workshop.domain.models import Site
from workshop.i18n import N_
from workshop.web.errors import ApiError


class Action(str, enum.Enum):
    """What a participant does; each is limited per participant and per address (`<action>_per_address`)."""

    POST = "post"  # a note or a build-on
    VOTE = "vote"  # a vote cast or taken back
    CHANGE = "change"  # an edit or deletion of one's own note or build-on


# Why a request was refused, per limit, as the API says it (in English, like every API message).
REASONS = {
    "post": "You are posting notes or build-ons too fast",
    "vote": "You are voting too fast",
    "change": "You are editing or deleting too fast",
    "post_per_address": "Too many notes come from your address",
    "vote_per_address": "Too many votes come from your address",
    "change_per_address": "Too many edits come from your address",
    "staff": "This host or facilitator token is making changes too fast",
    "join_per_address": "Too many people joined from your address just now",
    "join_burst_per_address": "Too many people joined from your address just now",
    "wrong_code_per_address": "Too many wrong join codes were tried from your address",
    "event_per_address": "Too many events were created from your address",
    "live_open_per_address": "Too many live sockets were opened from your address",
    "live_messages": "You are sending messages on this socket too fast",
}

# The same, as the pages say it to a person; %(wait)s is "40 seconds", "7 minutes", in their language.
SENTENCES = {
    "post": N_("You are posting very fast. Wait %(wait)s and try again."),
    "vote": N_("You are voting very fast. Wait %(wait)s and try again."),
    "change": N_("You are changing notes very fast. Wait %(wait)s and try again."),
    "post_per_address": N_("A great deal is being sent from your network right now. Wait %(wait)s and try again."),
    "vote_per_address": N_("A great deal is being sent from your network right now. Wait %(wait)s and try again."),
    "change_per_address": N_("A great deal is being sent from your network right now. Wait %(wait)s and try again."),
    "staff": N_("You are making changes very fast. Wait %(wait)s and try again."),
    "join_per_address": N_("Very many people are joining from your network right now. Wait %(wait)s and try again."),
    "join_burst_per_address": N_("Very many people are joining from your network right now. Wait %(wait)s and try again."),
    "wrong_code_per_address": N_("Too many wrong codes were tried from your network. Wait %(wait)s, then check the code on the board and try again."),
    "event_per_address": N_("Many workshops were created from your network in a short time. Wait %(wait)s and try again."),
}


class Throttled(ApiError):
    """Past a rate limit: 429 with Retry-After (whole seconds), and a sentence for each audience."""

    def __init__(self, limit: str, rate: RateLimitItem, retry_after: int) -> None:
        unit = "second" if retry_after == 1 else "seconds"
        message = f"{REASONS[limit]}: at most {rate}. Try again in {retry_after} {unit}."
        super().__init__(429, "too_many_requests", message, {"Retry-After": str(retry_after)})
        self.limit = limit
        self.retry_after = retry_after

    def sentence(self) -> str:
        """What a page says, in the request's language."""
        return str(SENTENCES[self.limit]) % {"wait": wait_text(self.retry_after)}

    def on(self, response: Response) -> Response:
        """A page re-rendered to say this: its status and Retry-After."""
        response.status_code = 429
        response.headers.update(self.headers)
        return response


def wait_text(seconds: int) -> str:
    """The wait in words of the current language: "40 seconds", "7 minutes"."""
    return format_timedelta(timedelta(seconds=seconds), locale=i18n.current_locale.get(), format="long")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A live message over the socket's limit: refused, with when to send again; `close` once refusals are over it too."""

    retry_after: int
    close: bool


class Throttle:
    """Every limit of one app process, counted in memory."""

    def __init__(self, config: RateLimits) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        # Every rate is read, even when they are all off, so a mistyped one is said at start-up.
        rates = {name: _parse(name, text) for name in RateLimits.names() if (text := getattr(config, name))}
        self.rates: dict[str, RateLimitItem] = rates if config.enabled else {}
        self._sockets = itertools.count()

    def _retry_after(self, name: str, key: str) -> int:
        """Whole seconds until the count of `name` for `key` is under its limit again (at least 1)."""
        reset = self._limiter.get_window_stats(self.rates[name], name, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _refuse(self, name: str, key: str) -> Throttled:
        return Throttled(name, self.rates[name], self._retry_after(name, key))

    def _hit(self, name: str, key: str) -> None:
        """Count one of `name` for `key`, or raise Throttled (and count nothing) when it is over."""
        rate = self.rates.get(name)
        if rate is not None and not self._limiter.hit(rate, name, key):
            raise self._refuse(name, key)

    def participant(self, action: Action, participant_id: str, address: str) -> None:
        """One action by a participant: theirs first, so a refusal does not count for their address."""
        self._hit(action.value, participant_id)
        self._hit(f"{action.value}_per_address", address)

    def _hit_together(self, names: Iterable[str], key: str) -> None:
        """Count one for `key` against each of `names`, or raise Throttled for the first that is
        over and count none: a join refused in the last minute does not use up the ten minutes'."""
        for name in names:
            rate = self.rates.get(name)
            if rate is not None and not self._limiter.test(rate, name, key):
                raise self._refuse(name, key)
        for name in names:
            self._hit(name, key)

    def staff(self, principal: str) -> None:
        """One write by a host or facilitator token (`staff_key`)."""
        self._hit("staff", principal)

    def codes_refused(self, address: str) -> Throttled | None:
        """The refusal of every code from an address that has tried too many wrong ones; None while it has not."""
        name = "wrong_code_per_address"
        rate = self.rates.get(name)
        if rate is not None and not self._limiter.test(rate, name, address):
            return self._refuse(name, address)
        return None

    def wrong_code(self, address: str) -> None:
        rate = self.rates.get("wrong_code_per_address")
        if rate is not None:
            self._limiter.hit(rate, "wrong_code_per_address", address)

    def join(self, address: str) -> None:
        self._hit_together(("join_burst_per_address", "join_per_address"), address)

    def new_event(self, address: str) -> None:
        self._hit("event_per_address", address)

    def live_open(self, address: str) -> None:
        self._hit("live_open_per_address", address)

    def new_socket(self) -> str:
        """A key for one live socket's messages, never reused in this process."""
        return f"socket-{next(self._sockets)}"

    def live_message(self, socket: str) -> Refusal | None:
        """One message from a live socket: None to answer it, else a refusal."""
        name = "live_messages"
        rate = self.rates.get(name)
        if rate is None or self._limiter.hit(rate, name, socket):
            return None
        retry_after = self._retry_after(name, socket)
        return Refusal(retry_after, close=not self._limiter.hit(rate, "live_messages_refused", socket))


def _parse(name: str, text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"WORKSHOP_RATE_{name.upper()} must be a rate such as 20/minute or 600 per 10 minutes, not {text!r}") from None


# -- on a request -----------------------------------------------------------------------------------


def throttle_of(conn: HTTPConnection) -> Throttle:
    return conn.app.state.throttle  # type: ignore[no-any-return]


# Wrong join codes count an IPv6 client by its /48, the most one site or customer is usually given:
# by its /64, someone holding a /48 would have 65,536 times the guesses.
WRONG_CODE_PREFIX = 48
STAFF = (Role.HOST, Role.FACILITATOR)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STAFF_COUNTED = "workshop.staff_write_counted"  # in a request's scope, once its write is counted


def client_address(conn: HTTPConnection, *, ipv6_prefix: int = 64) -> str:
    """Whom an address limit counts: the client's IP address (behind a trusted proxy, the one uvicorn's
    proxy headers give: docs/deployment.md). An IPv6 client counts by its /64, which one device or
    home usually has whole, so walking through its addresses gains nothing (wrong codes: its /48)."""
    host = conn.client.host if conn.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network((ip, ipv6_prefix), strict=False))
    return str(ip)


def admit(conn: HTTPConnection, action: Action, principal: Principal) -> None:
    """Count one action by a participant, or raise Throttled; a host's or facilitator's writes are
    counted once per request, against their own limit, when they are let in (`admit_staff`)."""
    if principal.role is Role.PARTICIPANT and principal.participant_id is not None:
        throttle_of(conn).participant(action, principal.participant_id, client_address(conn))


def staff_key(principal: Principal) -> str:
    """Whose staff limit a write counts against: the host's event, the facilitator's site."""
    return f"host:{principal.event_id}" if principal.role is Role.HOST else f"facilitator:{principal.site_id}"


def admit_staff(conn: HTTPConnection, principal: Principal) -> None:
    """A request that changes something, let in for a host or facilitator: counted once against
    that token's limit (raises Throttled past it). Called wherever a request is authorised (the API's
    `require`, the pages' `allowed`), so no write of theirs is left out; reads are never counted."""
    if principal.role not in STAFF or conn.scope.get("method") not in WRITES or conn.scope.get(_STAFF_COUNTED):
        return
    conn.scope[_STAFF_COUNTED] = True  # a handler that checks twice (or renders a refusal) counts once
    throttle_of(conn).staff(staff_key(principal))


def admit_new_event(conn: HTTPConnection) -> None:
    throttle_of(conn).new_event(client_address(conn))


def admit_live_socket(conn: HTTPConnection) -> None:
    """One live socket opened (before its board is rendered): counted per address, or Throttled."""
    throttle_of(conn).live_open(client_address(conn))


async def admit_code(conn: HTTPConnection, typed: str, *, joining: bool) -> Site:
    """The open site a typed join code belongs to (a join, or a join page for a typed code), under the
    join limits: a wrong code is counted (RuleError unknown_code), a join is counted, and while the
    address is over its wrong codes every code is refused (Throttled), unless the request carries a
    token of the code's event (someone who joined scanning the code again). Such a request still
    counts as a join: their token must not be a way to make participants without limit."""
    from workshop.web.access import principals  # web.access counts staff writes through this module

    throttle, guesser = throttle_of(conn), client_address(conn, ipv6_prefix=WRONG_CODE_PREFIX)
    locked = throttle.codes_refused(guesser)
    holds = {principal.event_id for principal in await principals(conn)} if locked else set()
    if locked and not holds:
        raise locked
    try:
        site: Site = await conn.app.state.workshop.site_for_code(typed)
    except RuleError as error:
        if locked:
            raise locked from None  # the same answer as any code: nothing learnt
        if error.code == "unknown_code":
            throttle.wrong_code(guesser)
        raise
    if locked and site.event_id not in holds:
        raise locked
    if joining:
        throttle.join(client_address(conn))
    return site
