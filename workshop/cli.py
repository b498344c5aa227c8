"""The `workshop` command: serve, demo, migrate, export, import, purge.

Every flag has a `WORKSHOP_*` environment variable (flags win), so a service unit can configure the
server without a command line of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from urllib.parse import urlsplit, urlunsplit
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from workshop import __version__, retention
from workshop.access import Tokens
from workshop.bus import MemoryBus, open_bus
from workshop.config import RateLimits, Settings, listed
from workshop.domain.agenda import stamp
from workshop.domain.errors import RuleError
from workshop.domain.models import Event
from workshop.export import FORMATS, Includes, export
from workshop.service import NewEvent, Workshop
from workshop.store import NotFound, StoreUnavailable, open_store
from workshop.store.ids import new_secret
from workshop.web import links

DEMO_SITES = [
    ("Copenhagen", "How can citizens shape the services they use every day?"),
    ("Aalborg", "What would make staff dare to try something new?"),
    ("Aarhus", "How do we share what works between municipalities?"),
]
DEMO_NOTES = [
    (0, "Invite citizens to test new services before launch", "idea"),
    (0, "Who decides which ideas go forward?", "question"),
    (1, "Give teams a small budget for experiments", "idea"),
    (1, "Fear of failing in public", "concern"),
    (2, "A shared map of projects across municipalities", "idea"),
]


def shown(database: str) -> str:
    """A database URL as printed: its password left out, since what a server prints ends up in logs."""
    parts = urlsplit(database)
    if parts.password is None:
        return database
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database=getattr(args, "database", None),
        redis_url=getattr(args, "redis_url", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        public_url=(args.public_url.rstrip("/") if getattr(args, "public_url", None) else None),
        retention_days=getattr(args, "retention_days", None),
        access_log=False if getattr(args, "no_access_log", False) else None,
        # None when the flag was not given: the environment decides.
        allowed_hosts=listed(args.allowed_hosts) if getattr(args, "allowed_hosts", None) is not None else None,
    )


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from workshop.web.app import create_app
    from workshop.web.live import MAX_CLIENT_FRAME

    settings = _settings(args)
    open_bus(settings.redis_url)  # a bad URL is refused here, in a sentence, not as a failed start-up
    address = settings.public_url or f"http://{settings.host}:{settings.port}"
    print(f"Open Workshop {__version__}: data in {shown(settings.database)}")
    if settings.retention_days:
        print(f"Closed events are deleted {settings.retention_days} days after they closed.")
    print(f"Open {address}/ in a browser (Ctrl+C stops the server).", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # small notes: compression costs more CPU and memory than it saves
        ws_max_size=MAX_CLIENT_FRAME,  # client messages are small JSON; refuse anything bigger at the frame level
        proxy_headers=True,
        access_log=settings.access_log,  # its lines carry `?token=` links: docs/privacy.md
    )
    return 0


async def _migrate(settings: Settings) -> list[int]:
    store = open_store(settings.database)
    await store.open(migrate=False)
    try:
        return await store.migrate()
    finally:
        await store.close()


def migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    applied = asyncio.run(_migrate(settings))
    if applied:
        print(f"Applied migrations {', '.join(map(str, applied))} to {shown(settings.database)}.")
    else:
        print(f"{shown(settings.database)} is up to date.")
    return 0


async def _open_workshop(settings: Settings) -> Workshop:
    store = open_store(settings.database)
    await store.open()
    secret_key = settings.secret_key or await store.setting("secret_key", new_secret(32))
    return Workshop(store, Tokens(secret_key, store), MemoryBus())


def _base(settings: Settings) -> str:
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def _event_links(settings: Settings, tokens: Tokens, created: NewEvent) -> list[str]:
    base, event_id = _base(settings), created.event.id
    return [
        f"Host dashboard:  {links.host_url(base, event_id, created.host_token)}",
        f"Shared board:    {links.event_board_url(base, event_id, tokens.viewer_token(event_id))}",
    ]


async def _demo(settings: Settings) -> list[str]:
    workshop = await _open_workshop(settings)
    store, tokens = workshop.store, workshop.tokens
    try:
        base = _base(settings)
        created = await workshop.create_event(
            title="Open workshop: welfare that works", theme="Trying new things together", language="en",
            description="A demo event: three sites, one shared theme.",
        )
        event = created.event
        await workshop.update_event(event.id, {"status": "live"})
        lines = [f"Demo event {event.title!r} created in {shown(settings.database)}.", *_event_links(settings, tokens, created)]
        sites = [await workshop.add_site(event.id, name=name, angle=angle) for name, angle in DEMO_SITES]
        participants = [await workshop.join(site.join_code, role="citizen") for site in sites]
        for index, text, kind in DEMO_NOTES:
            await workshop.post_note(participants[index].participant.id, text, kind=kind)
        for site in sites:
            facilitator = await tokens.facilitator_token(site.id)
            lines += [
                f"{site.name} (join code {site.join_code}):",
                f"  join:        {links.join_url(base, site.join_code)}",
                f"  board:       {links.site_board_url(base, site.id, tokens.viewer_token(event.id, site.id))}",
                f"  facilitator: {links.facilitator_url(base, site.id, facilitator)}",
            ]
        return lines
    finally:
        await store.close()


def demo(args: argparse.Namespace) -> int:
    for line in asyncio.run(_demo(_settings(args))):
        print(line)
    return 0


async def _export(settings: Settings, event_id: str, fmt: str, includes: Includes) -> bytes:
    workshop = await _open_workshop(settings)
    try:
        record = await workshop.record(event_id)
    finally:
        await workshop.store.close()
    return export(record, fmt, includes, stamp(datetime.now(UTC)))


def export_command(args: argparse.Namespace) -> int:
    """Write the summary or the data to --out, or to standard output (a PDF only when it is not a terminal)."""
    if args.format == "pdf" and args.out is None and sys.stdout.isatty():
        print("workshop: a PDF is not for a terminal; give --out FILE or redirect the output.", file=sys.stderr)
        return 2
    try:
        body = asyncio.run(_export(_settings(args), args.event_id, args.format, Includes(names=args.names, hidden=args.hidden)))
    except NotFound:
        print(f"workshop: there is no event {args.event_id} in this database.", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        Path(args.out).write_bytes(body)
        print(f"Wrote {args.out} ({len(body):,} bytes).", file=sys.stderr)
    return 0


async def _import(settings: Settings, data: object) -> list[str]:
    workshop = await _open_workshop(settings)
    try:
        created = await workshop.import_event(data)
        event = created.event
        lines = [f"Imported event {event.id} ({event.title!r}) into {shown(settings.database)}.", *_event_links(settings, workshop.tokens, created)]
        for site in await workshop.sites(event.id):
            facilitator = await workshop.tokens.facilitator_token(site.id)
            lines.append(f"{site.name} (join code {site.join_code}): facilitator {links.facilitator_url(_base(settings), site.id, facilitator)}")
        return lines
    finally:
        await workshop.store.close()


def import_command(args: argparse.Namespace) -> int:
    """Load a complete JSON export as a new event of this database, with a new host link."""
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"workshop: cannot read {args.file} as JSON: {exc}", file=sys.stderr)
        return 2
    try:
        lines = asyncio.run(_import(_settings(args), data))
    except RuleError as error:
        print(f"workshop: {error.message}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


async def _purge(settings: Settings, days: int, dry_run: bool) -> list[Event]:
    workshop = await _open_workshop(settings)
    try:
        return await retention.purge(workshop, days, dry_run=dry_run)
    finally:
        await workshop.store.close()


def purge_command(args: argparse.Namespace) -> int:
    """Delete, once, every event closed more than the retention's days ago, and say which."""
    settings = _settings(args)
    days = settings.retention_days
    if not days:
        print("workshop: retention is off (0 days keeps every event); give --retention-days N or set WORKSHOP_RETENTION_DAYS.", file=sys.stderr)
        return 2
    events = asyncio.run(_purge(settings, days, args.dry_run))
    verb = "Would delete" if args.dry_run else "Deleted"
    for event in events:
        print(f"{verb} event {event.id} ({event.title!r}), closed more than {days} days ago.")
    if not events:
        print(f"No event of {shown(settings.database)} closed more than {days} days ago.")
    return 0


def _days(text: str) -> int:
    """A number of days for argparse: 0 or more."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("days must be 0 (keep every event) or more")
    return days


def _rate_help() -> str:
    """The rate limits, for `workshop serve --help`: set only through the environment (docs/deployment.md)."""
    defaults = RateLimits()
    lines = ["rate limits, set in the environment (WORKSHOP_RATE_LIMITS=off lifts them all; docs/deployment.md):"]
    lines += [f"  WORKSHOP_RATE_{name.upper():<24} default {getattr(defaults, name)}" for name in RateLimits.names()]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="workshop", description="Open Workshop: one workshop in several places at once.")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = top.add_subparsers(dest="command", required=True)

    def with_store(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--database", help="SQLite file, sqlite:/// or postgresql:// URL (env WORKSHOP_DATABASE_URL or WORKSHOP_DATABASE; default workshop.db)")

    def with_address(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--host", help="address to listen on (env WORKSHOP_HOST; default 127.0.0.1)")
        sub.add_argument("--port", type=int, help="port (env WORKSHOP_PORT; default 8000)")
        sub.add_argument("--public-url", help="the address people use, for links and QR codes (env WORKSHOP_PUBLIC_URL)")

    run = commands.add_parser("serve", help="run the web server", epilog=_rate_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    with_store(run)
    with_address(run)
    run.add_argument("--redis-url", help="redis://HOST:PORT/DB shared by several app processes (env WORKSHOP_REDIS_URL; default: none, one process)")
    run.add_argument("--allowed-hosts", metavar="HOSTS",
                     help="comma-separated host names to answer to, e.g. workshop.example.org (env WORKSHOP_ALLOWED_HOSTS; "
                          "default: the public URL's host and localhost, or any host without a public URL)")
    run.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    run.add_argument("--retention-days", type=_days, metavar="N",
                     help="delete closed events N days after they closed (env WORKSHOP_RETENTION_DAYS; default 0: keep them)")
    run.add_argument("--no-access-log", action="store_true",
                     help="do not log each request (its lines show ?token= links; env WORKSHOP_ACCESS_LOG=0)")
    run.set_defaults(func=serve)

    sample = commands.add_parser("demo", help="create a demo event with three sites and print its links")
    with_store(sample)
    with_address(sample)
    sample.set_defaults(func=demo)

    clean = commands.add_parser("purge", help="delete the events closed more than the retention's days ago, once, and print them")
    clean.add_argument("--retention-days", type=_days, metavar="N", help="days after closing (env WORKSHOP_RETENTION_DAYS)")
    clean.add_argument("--dry-run", action="store_true", help="only print what would be deleted")
    with_store(clean)
    clean.set_defaults(func=purge_command)

    upgrade = commands.add_parser("migrate", help="apply pending database migrations")
    with_store(upgrade)
    upgrade.set_defaults(func=migrate)

    out = commands.add_parser("export", help="write an event's summary (md, html, pdf), its notes (csv) or all its data (json)")
    out.add_argument("event_id", metavar="EVENT_ID")
    out.add_argument("--format", required=True, choices=list(FORMATS), help="md, html or pdf: the summary; csv: the notes; json: everything")
    out.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    out.add_argument("--names", action="store_true", help="include participants' names")
    out.add_argument("--hidden", action="store_true", help="include hidden and merged notes (json with both flags is importable)")
    with_store(out)
    out.set_defaults(func=export_command)

    load = commands.add_parser("import", help="load a complete JSON export into this database and print its new links")
    load.add_argument("file", metavar="FILE", help="the .json file made by `workshop export --format json --names --hidden` (- reads stdin)")
    with_store(load)
    with_address(load)
    load.set_defaults(func=import_command)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, StoreUnavailable) as exc:  # a bad URL or setting, a database not reached: say so without a traceback
        print(f"workshop: {exc}", file=sys.stderr)
        return 2
