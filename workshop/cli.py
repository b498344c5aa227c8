"""The `workshop` command: serve, demo, migrate.

Every flag has a `WORKSHOP_*` environment variable (flags win), so a service unit can configure the
server without a command line of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from workshop import __version__
from workshop.access import Tokens
from workshop.bus import MemoryBus
from workshop.config import Settings
from workshop.service import Workshop
from workshop.store import open_store
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


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database=getattr(args, "database", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        public_url=(args.public_url.rstrip("/") if getattr(args, "public_url", None) else None),
    )


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from workshop.web.app import create_app

    settings = _settings(args)
    address = settings.public_url or f"http://{settings.host}:{settings.port}"
    print(f"Open Workshop {__version__}: data in {settings.database}")
    print(f"Open {address}/ in a browser (Ctrl+C stops the server).", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # small notes: compression costs more CPU and memory than it saves
        ws_max_size=64 * 1024,  # client messages are small JSON; refuse anything bigger at the frame level
        proxy_headers=True,
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
        print(f"Applied migrations {', '.join(map(str, applied))} to {settings.database}.")
    else:
        print(f"{settings.database} is up to date.")
    return 0


async def _demo(settings: Settings) -> list[str]:
    store = open_store(settings.database)
    await store.open()
    try:
        secret_key = settings.secret_key or await store.setting("secret_key", new_secret(32))
        tokens = Tokens(secret_key, store)
        workshop = Workshop(store, tokens, MemoryBus())
        base = settings.public_url or f"http://{settings.host}:{settings.port}"
        created = await workshop.create_event(
            title="Open workshop: welfare that works", theme="Trying new things together", language="en",
            description="A demo event: three sites, one shared theme.",
        )
        event = created.event
        await workshop.update_event(event.id, {"status": "live"})
        lines = [
            f"Demo event {event.title!r} created in {settings.database}.",
            f"Host dashboard:  {links.host_url(base, event.id, created.host_token)}",
            f"Shared board:    {links.event_board_url(base, event.id, tokens.viewer_token(event.id))}",
        ]
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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="workshop", description="Open Workshop: one workshop in several places at once.")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = top.add_subparsers(dest="command", required=True)

    def with_store(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--database", help="SQLite file or sqlite:/// URL (env WORKSHOP_DATABASE; default workshop.db)")

    def with_address(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--host", help="address to listen on (env WORKSHOP_HOST; default 127.0.0.1)")
        sub.add_argument("--port", type=int, help="port (env WORKSHOP_PORT; default 8000)")
        sub.add_argument("--public-url", help="the address people use, for links and QR codes (env WORKSHOP_PUBLIC_URL)")

    run = commands.add_parser("serve", help="run the web server")
    with_store(run)
    with_address(run)
    run.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    run.set_defaults(func=serve)

    sample = commands.add_parser("demo", help="create a demo event with three sites and print its links")
    with_store(sample)
    with_address(sample)
    sample.set_defaults(func=demo)

    upgrade = commands.add_parser("migrate", help="apply pending database migrations")
    with_store(upgrade)
    upgrade.set_defaults(func=migrate)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as exc:  # a bad URL or setting: say so without a traceback
        print(f"workshop: {exc}", file=sys.stderr)
        return 2
