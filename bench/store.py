"""Benchmark of the store's hottest write: `create_note`, one after another and many at once.

    .venv/bin/python bench/store.py [--notes 2000] [--database URL] [--json]

--database is any URL `open_store` takes (default: a fresh SQLite file in a temporary folder;
`postgresql://127.0.0.1/test` for PostgreSQL, where the run uses a schema of its own and drops it).
Prints the wall time (and this process's CPU time) of --notes sequential calls, the mean and p99 of
one call, and the time of the same number of calls issued concurrently (as a burst of phones would).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshop.domain import rules  # noqa: E402
from workshop.domain.models import EventStatus  # noqa: E402
from workshop.store import Store, open_store  # noqa: E402
from workshop.store.base import NoteWritten  # noqa: E402


async def run(store: Store, notes: int) -> dict[str, Any]:
    event, _ = await store.create_event(
        title="Bench", theme="Notes", description="", language="en", timezone="UTC", host_secret_hash=f"bench-{time.time_ns()}",
    )
    await store.update_event(event.id, status=EventStatus.LIVE)
    sites = [(await store.create_site(event.id, name=f"Site {n}", angle=""))[0] for n in range(4)]
    people = [(await store.create_participant(site, name=None, role=None))[0] for site in sites for _ in range(5)]

    def post(n: int) -> Any:
        return store.create_note(people[n % len(people)], rules.new_note(f"Idea number {n}", None, None, f"c{n}"))

    each = []
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(notes):
        began = time.perf_counter()
        await post(n)
        each.append(time.perf_counter() - began)
    sequential, cpu = time.perf_counter() - started, time.process_time() - cpu

    started = time.perf_counter()
    burst: list[NoteWritten] = await asyncio.gather(*(post(notes + n) for n in range(notes)))
    concurrent = time.perf_counter() - started
    seqs = sorted(w.entry.seq for w in burst)
    assert seqs == list(range(seqs[0], seqs[0] + notes)), "the burst's seqs have a gap"
    return {
        "notes": notes,
        "sequential_s": round(sequential, 3),
        "sequential_cpu_s": round(cpu, 3),  # this process's CPU (every thread): less noisy than the wall clock
        "per_call_mean_ms": round(statistics.mean(each) * 1000, 3),
        "per_call_p99_ms": round(sorted(each)[int(len(each) * 0.99) - 1] * 1000, 3),
        "concurrent_s": round(concurrent, 3),
    }


@asynccontextmanager
async def own_schema(url: str) -> AsyncIterator[str]:
    """For PostgreSQL, the URL with a fresh schema of its own (dropped afterwards); any other URL as it is."""
    if not url.startswith(("postgresql://", "postgres://")):
        yield url
        return
    import asyncpg

    schema = f"ow_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--database", default=None, help="a store URL (default: a fresh SQLite file)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or str(Path(folder) / "bench.db")
        async with own_schema(url) as url:
            store = open_store(url)
            await store.open()
            try:
                figures = await run(store, args.notes)
            finally:
                await store.close()
    figures["database"] = url.split("://")[0] if "://" in url else "sqlite"
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>18}: {value}")


if __name__ == "__main__":
    asyncio.run(main())
