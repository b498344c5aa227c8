"""Benchmark of the exports (workshop.export) on a large event, and of the live server during one.

    .venv/bin/python bench/export.py [--notes 5000] [--sites 5] [--json]

1. Builds an event of --notes notes over --sites sites (themes, votes, build-ons, sends, two phases
   of agenda) as a `Record` and loads it with `Store.import_event`: one transaction, seconds not minutes.
2. Times reading the record and every format (seconds, bytes), in this process.
3. Starts `workshop serve` on the loopback in a separate process, as in production, and measures the
   latency of a small request (GET /api/v1/events/{id}) alone, and then while a PDF export of the
   event runs on the same server: the export must not block the live server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from workshop.access import hash_host_secret, new_host_token  # noqa: E402
from workshop.domain.agenda import stamp  # noqa: E402
from workshop.domain.models import (  # noqa: E402
    BuildOn, Colour, Event, EventStatus, LogEntry, Note, NoteKind, Participant, Phase, Role, Send, Site, SiteClock, Theme, as_json,
)
from workshop.domain.record import Record, Vote  # noqa: E402
from workshop.export import FORMATS, Includes, export  # noqa: E402
from workshop.store import open_store  # noqa: E402

WORDS = ("bike lanes trees shade benches buses school route parking playground library data citizens budget care "
         "elderly youth volunteers housing energy climate water noise safety lights market culture sport").split()
THEMES = ["Mobility", "Green spaces", "Safety", "Housing", "Culture", "Care", "Energy", "Youth", "Data", "Budget", "Noise", "Water"]


class Maker:
    """Ids, times and log entries in order, so the record is one a real afternoon could have left."""

    def __init__(self, event_id: str) -> None:
        self.event_id, self.seq, self.log = event_id, 0, []
        self.clock = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
        self.counter = 0

    def id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:07d}"

    def entry(self, type_: str, data: dict[str, Any]) -> tuple[int, str]:
        self.seq += 1
        self.clock += timedelta(milliseconds=700)
        now = stamp(self.clock)
        self.log.append(LogEntry(self.event_id, self.seq, type_, data, now))
        return self.seq, now


def make_record(notes: int, sites: int, seed: int = 1) -> Record:
    rng = random.Random(seed)
    m = Maker("bench-event")
    _, now = m.entry("event.created", {})
    event = Event(m.event_id, "Benchmark: a large workshop", "Trees on every street", "Five sites, one theme.", "da",
                  "Europe/Copenhagen", EventStatus.LIVE, now, now)
    site_list = []
    for number in range(sites):
        site = Site(m.id("s"), m.event_id, f"Site {number + 1}", f"Angle {number + 1}", f"B{number}CDFG"[:6], number, m.entry("site.created", {})[1])
        site_list.append(site)
    phases = [Phase(m.id("p"), m.event_id, 0, "Ideas", 30, ("post", "build"), "", ""),
              Phase(m.id("p"), m.event_id, 1, "Dot vote", 10, ("vote",), "", "")]
    m.entry("agenda.updated", {"kit": None, "phases": [as_json(phase) for phase in phases]})
    people = []
    for site in site_list:
        for number in range(max(1, notes // sites // 25)):
            _, now = m.entry("participant.joined", {})
            people.append(Participant(m.id("u"), m.event_id, site.id, f"Person {number}", rng.choice(list(Role)), now))
    themes = [Theme(m.id("t"), m.event_id, name, *m.entry("theme.created", {})) for name in THEMES]
    _, started = m.entry("clock.changed", {"action": "next", "clocks": [as_json(SiteClock(s.id, phases[0].id, stamp(m.clock))) for s in site_list]})
    note_list = []
    for _ in range(notes):
        author = rng.choice(people)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))).capitalize()
        seq, now = m.entry("note.created", {})
        theme = rng.choice(themes).id if rng.random() < 0.8 else None
        note_list.append(Note(m.id("n"), m.event_id, author.site_id, author.id, seq, text, rng.choice(list(NoteKind)), Colour.YELLOW,
                              rng.random() > 0.02, now, now, theme_id=theme, hidden_by=None))
    note_list = [n if n.visible else Note(**{**as_json(n), "kind": n.kind, "colour": n.colour, "hidden_by": "moderator"}) for n in note_list]
    visible = [n for n in note_list if n.visible]
    build_ons = []
    for _ in range(notes // 5):
        note, author = rng.choice(visible), rng.choice(people)
        seq, now = m.entry("build_on.created", {})
        build_ons.append(BuildOn(m.id("b"), m.event_id, note.id, note.site_id, author.id, author.site_id, seq, "And " + rng.choice(WORDS), now))
    sends = []
    for _ in range(sites * 10):
        note = rng.choice(visible)
        seq, now = m.entry("send.created", {})
        sends.append(Send(m.id("x"), m.event_id, note.site_id, None, note.id, None, seq, now))
    _, voting = m.entry("clock.changed", {"action": "next", "clocks": [as_json(SiteClock(s.id, phases[1].id, stamp(m.clock))) for s in site_list]})
    votes = []
    for voter in people:
        for note in rng.sample(visible, 5):
            _, now = m.entry("vote.cast", {})
            votes.append(Vote(m.id("v"), m.event_id, note.id, note.site_id, voter.id, voter.site_id, phases[1].id, now))
    return Record(
        seq=m.seq, event=event, sites=site_list, participants=people, notes=note_list, themes=themes, phases=phases,
        clocks=[SiteClock(s.id, phases[1].id, voting) for s in site_list], votes=votes, build_ons=build_ons, sends=sends, log=m.log,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50_ms": round(statistics.median(samples) * 1000, 1), "max_ms": round(max(samples) * 1000, 1)}


async def responsiveness(db: Path, event_id: str, host_token: str) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "workshop", "serve", "--database", str(db), "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {host_token}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
            for _ in range(100):  # wait for the server, at most 10 s
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

            async def small() -> float:
                start = time.perf_counter()
                response = await client.get(f"/api/v1/events/{event_id}")
                assert response.status_code == 200, response.text
                return time.perf_counter() - start

            idle = [await small() for _ in range(50)]
            start = time.perf_counter()
            pdf = asyncio.create_task(client.get(f"/api/v1/events/{event_id}/export", params={"format": "pdf"}))
            busy = []
            while not pdf.done():
                busy.append(await small())
                await asyncio.sleep(0.02)
            response = await pdf
            assert response.status_code == 200, response.text
            return {"idle": percentiles(idle), "during_pdf": percentiles(busy), "pdf_seconds": round(time.perf_counter() - start, 2),
                    "pdf_bytes": len(response.content)}
    finally:
        server.terminate()
        server.wait(timeout=10)


async def main(options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        record = make_record(options.notes, options.sites)
        store = open_store(str(db))
        await store.open()
        host_token = new_host_token()
        start = time.perf_counter()
        await store.import_event(record, host_secret_hash=hash_host_secret(host_token))
        imported = time.perf_counter() - start
        start = time.perf_counter()
        record = await store.export_event(record.event.id)
        read = time.perf_counter() - start
        await store.close()
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        rows = []
        for fmt in FORMATS:
            start = time.perf_counter()
            body = export(record, fmt, Includes(names=True, hidden=True), now)
            rows.append({"format": fmt, "seconds": round(time.perf_counter() - start, 3), "bytes": len(body)})
        live = await responsiveness(db, record.event.id, host_token)
    return {
        "notes": len(record.notes), "sites": len(record.sites), "votes": len(record.votes), "build_ons": len(record.build_ons),
        "log_entries": len(record.log), "import_seconds": round(imported, 3), "read_seconds": round(read, 3), "formats": rows, "live": live,
    }


def report(result: dict[str, Any]) -> None:
    print(f"{result['notes']} notes, {result['sites']} sites, {result['votes']} votes, {result['build_ons']} build-ons, "
          f"{result['log_entries']} log entries; import {result['import_seconds']} s, read {result['read_seconds']} s")
    print(f"{'format':<8}{'seconds':>10}{'bytes':>14}")
    for row in result["formats"]:
        print(f"{row['format']:<8}{row['seconds']:>10.3f}{row['bytes']:>14,}")
    live = result["live"]
    print(f"small request alone:        p50 {live['idle']['p50_ms']} ms, max {live['idle']['max_ms']} ms ({live['idle']['n']} requests)")
    print(f"small request during a PDF: p50 {live['during_pdf']['p50_ms']} ms, max {live['during_pdf']['max_ms']} ms "
          f"({live['during_pdf']['n']} requests; the PDF took {live['pdf_seconds']} s through the server)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args()
    result = asyncio.run(main(options))
    print(json.dumps(result, indent=1)) if options.json else report(result)
