"""Settings, from command-line flags or `WORKSHOP_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def listed(text: str) -> tuple[str, ...]:
    """A comma-separated list, as an environment variable or a flag gives it: "a, b" -> ("a", "b")."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _env_list(name: str) -> tuple[str, ...]:
    return listed(os.environ.get(name, ""))


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """How often one participant, one client address or one live socket may do each thing, in the
    `limits` library's notation ("20/minute", "600 per 10 minutes"); "" lifts that one limit.
    Applied by workshop/web/throttle.py; docs/deployment.md explains each. Hosts and facilitators
    are not held to the participants' limits but to their own, far larger one (`staff`)."""

    # False: no limit at all (the benches in bench/ measure the live path, not the throttle).
    enabled: bool = True
    # One participant (their token). An eager writer posts a note every ten seconds or so; a phone's
    # outbox coming back online sends its queue at once, and retries what is refused after Retry-After.
    post: str = "20/minute"  # notes and build-ons: API, the phone's form, the live socket
    vote: str = "30/minute"  # votes cast and taken back
    change: str = "30/minute"  # edits and deletions of one's own notes and build-ons
    # One client address, which may be a whole room behind the venue's NAT: 300 phones each at their
    # own limit above, so only a script holding many tokens reaches these.
    post_per_address: str = "6000/minute"
    vote_per_address: str = "9000/minute"
    change_per_address: str = "9000/minute"
    # One host or facilitator token (the host's event, the facilitator's site): every write it makes,
    # posts for a table, moderation, themes, new sites, the clock. A facilitator working fast live
    # makes a few a minute, dragging notes into themes perhaps one a second; a script filling the disk
    # makes hundreds a second.
    staff: str = "120/minute"
    # Joining, per address: a room of 300 joins within a minute or two, all of it at most within one
    # minute, so the burst limit never refuses a room but stops a script taking all 600 at once.
    join_per_address: str = "600/10 minutes"
    join_burst_per_address: str = "300/minute"
    # Wrong join codes, per address (an IPv6 client by its /48): a room of 300 mistypes a few dozen;
    # guessing one of 28^6 codes (workshop/domain/codes.py) takes millions (docs/deployment.md).
    wrong_code_per_address: str = "100/10 minutes"
    # Anyone may create an event: a few per hour is an organiser's pace.
    event_per_address: str = "30/hour"
    # Live sockets opened per address: each open renders the whole board. A room of 300 phones that
    # all reconnect after a Wi-Fi blip, some twice, stays under it.
    live_open_per_address: str = "600/minute"
    # Messages one live socket may send (pings, note.create). Past it each is refused with an error;
    # a socket that sends as many again within the window is closed with 4029.
    live_messages: str = "30/10 seconds"

    @classmethod
    def from_env(cls) -> RateLimits:
        """`WORKSHOP_RATE_LIMITS=off` lifts them all; `WORKSHOP_RATE_<NAME>` (e.g. WORKSHOP_RATE_POST) sets one."""
        enabled = os.environ.get("WORKSHOP_RATE_LIMITS", "on").strip().lower() not in {"0", "false", "no", "off"}
        rates = {name: os.environ.get(f"WORKSHOP_RATE_{name.upper()}") for name in cls.names()}
        return cls(enabled=enabled, **{name: rate.strip() for name, rate in rates.items() if rate is not None})

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every limit's name (each a field holding its rate)."""
        return tuple(name for name in cls.__dataclass_fields__ if name != "enabled")


@dataclass(frozen=True, slots=True)
class Settings:
    # Where the data lives: a SQLite file path or sqlite:/// URL, or a postgresql:// URL (workshop/store/postgres.py).
    database: str = "workshop.db"
    # The bus between app processes: a redis:// URL. Empty: this process alone (the in-process bus).
    redis_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # The address people reach the server at, for links and QR codes (e.g. https://workshop.example.org).
    # Empty: taken from each request, which is right unless a proxy rewrites the host.
    public_url: str = ""
    # Signs facilitator, viewer and participant tokens. Empty: one is generated and kept in the store.
    secret_key: str = ""
    # Origins (scheme://host[:port]) allowed to open a websocket besides the server's own.
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    # Host names this server answers to (the Host header); anything else gets 400, so a forged Host
    # cannot steer the links and QR codes made from it. Empty: the public URL's host and localhost
    # when a public URL is set, else any host (a laptop reached by its address on the venue's Wi-Fi).
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    # The largest request body accepted, on every route.
    max_body_bytes: int = 64 * 1024
    # How many entries a live socket may have queued before it counts as fallen behind and is
    # told to resync: a few minutes of a busy event, and at most a few hundred KB per socket.
    live_queue_limit: int = 500
    # Seconds a fallen-behind socket has to drain what it was being sent before it is dropped
    # instead of told to resync.
    live_resync_grace: float = 5.0
    # Closed events are deleted, with all their data, this many days after they closed (docs/privacy.md).
    # 0: keep every event until its host deletes it.
    retention_days: int = 0
    # Seconds between two retention purges while serving.
    retention_interval: float = 3600.0
    # Whether uvicorn logs each request; its lines carry the path and query, `?token=` links included.
    access_log: bool = True
    # Rate limits on writing, joining and live messages (workshop/web/throttle.py).
    rate_limits: RateLimits = field(default_factory=RateLimits)

    def __post_init__(self) -> None:
        if self.retention_days < 0:
            raise ValueError(f"retention days must be 0 (keep) or more, not {self.retention_days}")

    def trusted_hosts(self) -> list[str]:
        """The Host header values to accept (Starlette's TrustedHostMiddleware; `*.example.org` allowed)."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        if self.public_url:
            return [urlsplit(self.public_url).hostname or "", "localhost", "127.0.0.1"]
        return ["*"]

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        defaults = cls()
        values: dict[str, object] = {
            "database": os.environ.get("WORKSHOP_DATABASE_URL") or os.environ.get("WORKSHOP_DATABASE") or defaults.database,
            "redis_url": os.environ.get("WORKSHOP_REDIS_URL", defaults.redis_url),
            "host": os.environ.get("WORKSHOP_HOST", defaults.host),
            "port": int(os.environ.get("WORKSHOP_PORT", defaults.port)),
            "public_url": os.environ.get("WORKSHOP_PUBLIC_URL", "").rstrip("/"),
            "secret_key": os.environ.get("WORKSHOP_SECRET_KEY", ""),
            "allowed_origins": _env_list("WORKSHOP_ALLOWED_ORIGINS"),
            "allowed_hosts": _env_list("WORKSHOP_ALLOWED_HOSTS"),
            "retention_days": _env_int("WORKSHOP_RETENTION_DAYS", defaults.retention_days),
            "access_log": os.environ.get("WORKSHOP_ACCESS_LOG", "1").strip().lower() not in {"0", "false", "no", "off"},
            "rate_limits": RateLimits.from_env(),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
