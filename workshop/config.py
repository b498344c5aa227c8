"""Settings, from command-line flags or `WORKSHOP_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


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

    def __post_init__(self) -> None:
        if self.retention_days < 0:
            raise ValueError(f"retention days must be 0 (keep) or more, not {self.retention_days}")

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
            "retention_days": _env_int("WORKSHOP_RETENTION_DAYS", defaults.retention_days),
            "access_log": os.environ.get("WORKSHOP_ACCESS_LOG", "1").strip().lower() not in {"0", "false", "no", "off"},
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
