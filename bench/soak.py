"""Soak: an hour of mixed live load on one app process, printing memory over time and every error.

    .venv/bin/python bench/soak.py                                  # an hour: 300 phones over 5 sites, 10 boards, 5 notes/s
    .venv/bin/python bench/soak.py --duration 600                   # ten minutes (the figures in docs/performance.md)
    .venv/bin/python bench/soak.py --duration 60 --phones 50 --boards 2 --sample 5     # a quick look
    ... --no-suggestions                                            # consoles without ?suggestions=true: the engine is never built
    ... --json                                                      # one JSON object at the end (progress on stderr)

What it does, all on 127.0.0.1, bounded, stopping by itself after --duration (and cleaning up its
server, load client and temp files on Ctrl-C or SIGTERM as well):

- Starts the app (`python -m workshop serve`) on a fresh SQLite file, and sets up one event through
  the API (bench/live.py's pieces): `--sites` sites, one participant per phone, an agenda of one
  long phase that allows posting, voting and building, and a vote budget per participant.
- Sockets, from a load-client process (bench/live.py's sans-I/O client): every phone reads the JSON
  stream with `?site=`; `--boards` boards read the whole event's; each site's facilitator reads its
  console's stream with `?suggestions=true`. Every socket checks that `seq` runs on by exactly one
  (no gap, no duplicate). Every second about one phone in a hundred drops its socket (half with a
  closing handshake, half by cutting the connection), stays away 0.5-5 s and comes back with
  `?since=<the last seq it saw>`: it must catch up with no gap and no duplicate. Boards and consoles
  stay connected: any close of theirs, or an unasked close of a phone's, is an error.
- HTTP, open loop at rates proportional to `--rate` notes/s: phones post notes with a `client_id`
  (one in twenty is sent twice, and the retry must answer the same note with `Idempotent-Replayed`),
  edit and delete their own notes, vote (taking a vote back when their budget is spent) and build on
  notes; facilitators start themes and place their site's notes in them; the host exports the
  summary (md) and the whole event (json) every few minutes. At most 64 requests are in flight;
  past that, load is shed and counted, never queued without bound.
- Every `--sample` seconds one line: elapsed, the server's resident memory (VmRSS) and CPU (share of
  one core since the last line), its open sockets, notes, requests by status, errors, websocket
  gaps, duplicates and reconnects. At the end: RSS at start, peak (VmHWM) and end, its slope (a
  least-squares fit over the samples after the warm-up, in MB per 10 minutes and per 1,000 notes),
  every error with its detail, and every socket checked to hold the event's last entry.

Errors (exit status 1): any 5xx or failed request, a retry answered with another note, a websocket
gap or duplicate, a `resync` or `error` message, an unasked close, a failed reconnect, a socket that
has not caught up at the end. A 4xx is counted by code but is no error: the load races itself (a
vote on a note being deleted, a budget spent by two votes at once).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import live  # noqa: E402  (bench/live.py: the app server, the event's set-up, the sans-I/O socket, /proc readings)

MAX_IN_FLIGHT = 64  # requests at once; past that an action is shed (counted), so nothing queues without bound
VOTE_BUDGET = 20  # votes per participant in the one phase
MAX_THEMES = 40  # of the event's 60
THEME_EVERY = 45.0  # seconds between new themes
EXPORT_EVERY = 180.0  # seconds between the host's exports (md and json)
AWAY = (0.5, 5.0)  # seconds a dropped phone stays away
PROBLEMS_SHOWN = 50  # errors printed as they happen; the rest are counted
TOPICS = [
    "safer crossings by the school", "more trees along the main street", "a bike lane to the station",
    "the library open on Sundays", "cheaper buses for students", "a playground in the new quarter",
    "less parking in the old town", "benches and shade in the square", "clean water in the harbour",
    "a night bus after the concerts", "a community garden on the empty lot", "quiet zones near the hospital",
]
ASIDES = ["I think", "Please consider", "Our street needs", "Why not", "We would love", "Kids ask for", "Seniors need"]
# What each action costs relative to a note posted (per second, times --rate).
MIX = {"note": 1.0, "edit": 0.15, "delete": 0.05, "vote": 0.6, "build": 0.2, "place": 0.4}


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line[:5]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def open_sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x, or None with fewer than three points."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


def idea() -> str:
    return f"{random.choice(ASIDES)} {random.choice(TOPICS)}, {random.choice(TOPICS)} too ({random.randrange(10**6)})"


# ------------------------------------------------------------------------------------------------
# The load client (`bench/soak.py --worker`): the sockets, each checking its seq; JSON lines on stdin.
# ------------------------------------------------------------------------------------------------

class Stream:
    """One phone, board or console, across its reconnects: the last seq it saw."""

    def __init__(self, spec: dict[str, Any], watcher: Watcher) -> None:
        self.spec = spec
        self.name = str(spec["name"])
        self.watcher = watcher
        self.last: int | None = None
        self.socket: Watched | None = None
        self.away = False  # dropped on purpose, coming back
        self.arrived: dict[int, float] = {}  # a console's: when each recent entry came, to time its suggestions

    def receive(self, data: bytes) -> None:
        watcher = self.watcher
        watcher.frames += 1
        try:
            parsed = json.loads(data)
        except ValueError:
            watcher.problem(f"{self.name}: a frame that is not JSON: {data[:200]!r}")
            return
        for message in parsed if isinstance(parsed, list) else [parsed]:
            kind = message.get("type")
            if kind == "snapshot":
                self.last = int(message["seq"])
            elif kind == "suggestions":
                watcher.suggestions += 1
                came = self.arrived.get(int(message["after"]))
                if came is not None:  # how long after that entry its suggestions came: the engine's lag
                    watcher.suggestion_lag = max(watcher.suggestion_lag, time.monotonic() - came)
            elif kind in ("resync", "error"):
                watcher.problem(f"{self.name}: {kind} message: {json.dumps(message)[:300]}")
            elif "seq" in message:
                self.check(int(message["seq"]), str(kind))

    def check(self, seq: int, kind: str) -> None:
        watcher = self.watcher
        watcher.messages += 1
        if self.last is None:
            watcher.problem(f"{self.name}: {kind} seq {seq} before any snapshot")
        elif seq > self.last + 1:
            watcher.gaps += seq - self.last - 1
            watcher.problem(f"{self.name}: gap: seq {self.last} then {seq} ({kind})")
        elif seq <= self.last:
            watcher.duplicates += 1
            watcher.problem(f"{self.name}: duplicate: seq {seq} after {self.last} ({kind})")
            return
        self.last = seq
        if self.spec["kind"] == "console":
            self.arrived[seq] = time.monotonic()
            self.arrived.pop(seq - 20_000, None)

    async def open(self) -> None:
        """Connect (with `since` when it has seen something) and wait for the handshake."""
        url = self.spec["url"]
        if self.last is not None:
            url += f"{'&' if '?' in url else '?'}since={self.last}"
        made = Watched(url, self)
        self.socket = made
        await asyncio.get_running_loop().create_connection(lambda: made, "127.0.0.1", self.spec["port"])
        await asyncio.wait_for(made.ready, 30)

    async def cycle(self, away: float, clean: bool) -> None:
        """Drop the socket as a phone does (a closing handshake, or the connection cut), come back later."""
        made = self.socket
        if made is None or made.closed:
            return
        self.away, made.leaving = True, True
        if clean:
            made.protocol.send_close(1001)
            made._flush()
        elif made.transport is not None:
            made.transport.abort()
        await asyncio.sleep(away)
        for attempt in range(3):
            try:
                await self.open()
                self.watcher.reconnects += 1
                break
            except Exception as exc:  # noqa: BLE001 (any failure to come back is reported, then retried)
                self.watcher.problem(f"{self.name}: reconnect {attempt + 1} failed: {exc!r}")
                await asyncio.sleep(2)
        self.away = False


class Watched(live.Socket):
    """bench/live.py's sans-I/O socket, handing every message to its `Stream`. Ready at the handshake,
    not at a first payload: a replay with `since` is empty when nothing was missed."""

    def __init__(self, url: str, stream: Stream) -> None:
        super().__init__(url, stream.spec["headers"], stream.spec["kind"], -1, False, None)  # type: ignore[arg-type]
        self.stream = stream
        self.leaving = False

    def text(self, data: bytes, now: float) -> None:
        self.stream.receive(data)

    def connection_lost(self, exc: Exception | None) -> None:
        opened = self.ready.done() and not self.ready.cancelled() and self.ready.exception() is None
        super().connection_lost(exc)
        if opened and not self.leaving:
            close = self.protocol.close_rcvd
            why = f"closed by the server: {close.code} {close.reason!r}" if close else f"connection lost ({exc!r})"
            self.stream.watcher.closes += 1
            self.stream.watcher.problem(f"{self.stream.name}: {why}")


class Watcher:
    """Every socket of the load client, and what they counted."""

    def __init__(self) -> None:
        self.streams: list[Stream] = []
        self.frames = self.messages = self.suggestions = 0
        self.gaps = self.duplicates = self.closes = self.reconnects = 0
        self.suggestion_lag = 0.0  # seconds, the longest since the last stats
        self.problems: list[str] = []  # not yet reported to the orchestrator
        self.problem_count = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def problem(self, text: str) -> None:
        self.problem_count += 1
        self.problems.append(text)

    async def connect(self, specs: list[dict[str, Any]]) -> dict[str, Any]:
        gate = asyncio.Semaphore(64)

        async def one(stream: Stream) -> None:
            async with gate:
                await stream.open()

        streams = [Stream(spec, self) for spec in specs]
        self.streams.extend(streams)
        results = await asyncio.gather(*(one(s) for s in streams), return_exceptions=True)
        failed = [repr(r) for r in results if isinstance(r, BaseException)]
        return {"connected": len(specs) - len(failed), "failed": len(failed), "errors": failed[:3]}

    def cycle(self, count: int) -> dict[str, Any]:
        phones = [s for s in self.streams if s.spec["kind"] == "phone" and not s.away and s.socket and not s.socket.closed]
        for stream in random.sample(phones, min(count, len(phones))):
            task = asyncio.create_task(stream.cycle(random.uniform(*AWAY), clean=random.random() < 0.5))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return {}

    def stats(self) -> dict[str, Any]:
        problems, self.problems = self.problems, []
        lag, self.suggestion_lag = self.suggestion_lag, 0.0
        return {
            "suggestion_lag": lag,
            "open": sum(1 for s in self.streams if s.socket is not None and not s.socket.closed),
            "frames": self.frames, "messages": self.messages, "suggestions": self.suggestions,
            "gaps": self.gaps, "duplicates": self.duplicates, "closes": self.closes, "reconnects": self.reconnects,
            "problems": problems, "problem_count": self.problem_count,
        }

    def behind(self, seq: int) -> dict[str, Any]:
        late = [s for s in self.streams if s.away or s.last is None or s.last < seq]
        return {"behind": len(late), "away": sum(s.away for s in self.streams),
                "examples": [f"{s.name} at seq {s.last}{' (away)' if s.away else ''}" for s in late[:5]]}

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for stream in self.streams:
            made = stream.socket
            if made is not None and not made.closed:
                made.leaving = True
                with contextlib.suppress(Exception):
                    made.protocol.send_close(1001)
                    made._flush()
        await asyncio.sleep(0.5)


async def worker() -> None:
    """The soak's load client (`live.obey`'s loop)."""
    watcher = Watcher()

    async def answer(name: str, command: dict[str, Any]) -> object:
        if name == "connect":
            return await watcher.connect(command["sockets"])
        if name == "cycle":
            return watcher.cycle(command["count"])
        if name == "stats":
            return watcher.stats()
        if name == "behind":
            return watcher.behind(command["seq"])
        await watcher.close()
        return None

    await live.obey(answer)


class Client(live.Worker):
    """The orchestrator's handle on the load client: one question at a time."""

    lock: asyncio.Lock

    @classmethod
    async def start(cls) -> Client:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=1 << 26,
        )
        client = cls(process)
        client.lock = asyncio.Lock()
        return client

    async def ask(self, do: str, **command: Any) -> dict[str, Any]:
        async with self.lock:
            return await super().ask(do, **command)


# ------------------------------------------------------------------------------------------------
# The load: HTTP actions at their rates, and their bookkeeping.
# ------------------------------------------------------------------------------------------------

@dataclass
class Note:
    id: str
    site: int
    phone: int
    touched: bool = False  # voted for or built on: its author can no longer delete it
    busy: bool = False  # an edit, deletion or placement of it is in flight
    theme: str | None = None


@dataclass
class Phone:
    site: int
    token: str
    notes: list[str] = field(default_factory=list)
    votes: list[str] = field(default_factory=list)
    voting: bool = False


class Load:
    def __init__(self, http: Any, event: live.Event, log: Callable[[str], None]) -> None:
        self.http = http
        self.event = event
        self.log = log
        self.phones = [Phone(site, token) for site, token in event.phones]
        self.notes: dict[str, Note] = {}
        self.recent: list[str] = []  # the newest notes, which votes, build-ons and placements pick from
        self.themes: list[str] = []
        self.posted = self.deleted = self.requests = self.shed = self.replays = 0
        self.statuses: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()  # "409 over_budget": 4xx by code, no error
        self.errors: list[str] = []
        self.exports: list[tuple[str, int, float]] = []  # (format, bytes, seconds)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.number = self.themes_started = 0
        self.export_every = EXPORT_EVERY

    def error(self, text: str) -> None:
        self.errors.append(text)
        if len(self.errors) <= PROBLEMS_SHOWN:
            self.log(f"  ERROR {text}")

    def launch(self, work: Coroutine[Any, Any, None]) -> None:
        if len(self.in_flight) >= MAX_IN_FLIGHT:
            self.shed += 1
            work.close()
            return
        task = asyncio.create_task(work)
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def call(self, method: str, path: str, token: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        """One request; a 5xx or a failure is an error, a 4xx a counted refusal. The response, or None."""
        self.requests += 1
        try:
            response = await self.http.request(method, "/api/v1" + path, json=body, params=params,
                                               headers={"Authorization": f"Bearer {token}"})
        except Exception as exc:  # noqa: BLE001 (a timeout or a dropped connection is an error to report)
            self.statuses["failed"] += 1
            self.error(f"{method} {path}: {exc!r}")
            return None
        self.statuses[str(response.status_code)] += 1
        if response.status_code >= 500:
            self.error(f"{method} {path} -> {response.status_code} {response.text[:300]}")
        elif response.status_code >= 400:
            with contextlib.suppress(ValueError, AttributeError):
                self.refusals[f"{response.status_code} {response.json().get('error')}"] += 1
        return response

    def pick(self, usable: Callable[[Note], bool], tries: int = 8) -> Note | None:
        for _ in range(tries):
            if not self.recent:
                return None
            note = self.notes.get(random.choice(self.recent))
            if note is not None and not note.busy and usable(note):
                return note
        return None

    # --- the actions -----------------------------------------------------------------------------

    async def note(self) -> None:
        number = self.number = self.number + 1
        index = random.randrange(len(self.phones))
        phone = self.phones[index]
        body = {"text": idea(), "client_id": f"soak-{number}"}
        path = f"/sites/{self.event.sites[phone.site]}/notes"
        response = await self.call("POST", path, phone.token, body)
        if response is None or response.status_code != 201:
            return
        made = response.json()
        self.posted += 1
        self.notes[made["id"]] = Note(made["id"], phone.site, index)
        phone.notes.append(made["id"])
        self.recent.append(made["id"])
        del self.recent[:-500]
        if random.random() < 0.05:  # the phone never saw the answer, and sends it again
            again = await self.call("POST", path, phone.token, body)
            if again is not None and again.status_code == 201:
                self.replays += 1
                if again.json()["id"] != made["id"] or again.headers.get("Idempotent-Replayed") != "true":
                    self.error(f"a retry of {body['client_id']} answered note {again.json()['id']} (first {made['id']}), "
                               f"Idempotent-Replayed {again.headers.get('Idempotent-Replayed')!r}")

    async def edit(self) -> None:
        note = self.pick(lambda n: True)
        if note is None:
            return
        note.busy = True
        try:
            await self.call("PATCH", f"/notes/{note.id}", self.phones[note.phone].token, {"text": idea() + " (edited)"})
        finally:
            note.busy = False

    async def delete(self) -> None:
        note = self.pick(lambda n: not n.touched)
        if note is None:
            return
        note.busy = True
        response = await self.call("DELETE", f"/notes/{note.id}", self.phones[note.phone].token)
        if response is not None and response.status_code == 204:
            self.deleted += 1
            self.notes.pop(note.id, None)
            self.phones[note.phone].notes.remove(note.id)
            with contextlib.suppress(ValueError):
                self.recent.remove(note.id)
        note.busy = False

    async def vote(self) -> None:
        phone = random.choice(self.phones)
        if phone.voting:
            return
        phone.voting = True
        try:
            if len(phone.votes) >= VOTE_BUDGET:  # spent: take one back first, as people change their minds
                note_id = phone.votes.pop(random.randrange(len(phone.votes)))
                await self.call("DELETE", f"/notes/{note_id}/votes", phone.token)
                return
            note = self.pick(lambda n: n.id not in phone.votes)
            if note is None:
                return
            note.touched = True
            response = await self.call("POST", f"/notes/{note.id}/votes", phone.token, {})
            if response is not None and response.status_code == 201:
                phone.votes.append(note.id)
        finally:
            phone.voting = False

    async def build(self) -> None:
        phone = random.choice(self.phones)
        note = self.pick(lambda n: True)
        if note is None:
            return
        note.touched = True
        self.number += 1
        await self.call("POST", f"/notes/{note.id}/build-ons", phone.token,
                        {"text": f"And {random.choice(TOPICS)}", "client_id": f"soak-b{self.number}"})

    async def place(self) -> None:
        if not self.themes:
            return
        # Mostly a note not yet in a theme; now and then one moved on, or taken out again.
        moving = random.random() < 0.15
        note = self.pick(lambda n: (n.theme is not None) == moving)
        if note is None:
            return
        theme = None if moving and random.random() < 0.3 else random.choice(self.themes)
        note.busy = True
        try:
            response = await self.call("PUT", f"/notes/{note.id}/theme", self.event.facilitators[note.site], {"theme_id": theme})
            if response is not None and response.status_code == 200:
                note.theme = theme
        finally:
            note.busy = False

    async def theme(self) -> None:
        if self.themes_started >= MAX_THEMES:
            return
        number = self.themes_started = self.themes_started + 1  # before the await: names stay unique
        # The host and the sites' facilitators take turns starting themes.
        token = self.event.host if number % 2 else random.choice(self.event.facilitators)
        name = f"{TOPICS[number % len(TOPICS)].capitalize()} {number}"
        response = await self.call("POST", f"/events/{self.event.id}/themes", token, {"name": name})
        if response is not None and response.status_code == 201:
            self.themes.append(response.json()["id"])

    async def export(self) -> None:
        for form in ("md", "json"):
            began = time.monotonic()
            response = await self.call("GET", f"/events/{self.event.id}/export", self.event.host, params={"format": form})
            if response is not None and response.status_code == 200:
                if not response.content:
                    self.error(f"the {form} export was empty")
                self.exports.append((form, len(response.content), time.monotonic() - began))

    async def drive(self, rate: float, until: float, clients: list[Client], reconnect_per_s: int) -> None:
        """The open loop: every action at its rate, themes and exports on their clocks, phones dropped
        and back every second, until `until` (loop time)."""
        loop = asyncio.get_running_loop()
        actions = {"note": self.note, "edit": self.edit, "delete": self.delete, "vote": self.vote, "build": self.build, "place": self.place}
        owed = dict.fromkeys(actions, 0.0)
        tick = 0.05
        last = next_theme = next_export = next_cycle = loop.time()
        while (now := loop.time()) < until:
            elapsed, last = now - last, now
            for name, action in actions.items():
                owed[name] += MIX[name] * rate * elapsed
                while owed[name] >= 1:
                    owed[name] -= 1
                    self.launch(action())
            if now >= next_theme:
                next_theme = now + THEME_EVERY
                self.launch(self.theme())
            if now >= next_export:
                next_export = now + self.export_every
                self.launch(self.export())
            if now >= next_cycle and reconnect_per_s:
                next_cycle = now + 1.0
                for client in clients:
                    await client.ask("cycle", count=max(1, reconnect_per_s // len(clients)))
            await asyncio.sleep(tick)

    async def settle(self, seconds: float = 30.0) -> None:
        if self.in_flight:
            await asyncio.wait(list(self.in_flight), timeout=seconds)
        for task in list(self.in_flight):
            task.cancel()
            self.error("a request still unanswered 30 s after the load stopped")


# ------------------------------------------------------------------------------------------------
# The run.
# ------------------------------------------------------------------------------------------------

async def prepare(port: int, args: argparse.Namespace, log: Callable[[str], None]) -> live.Event:
    """The event (bench/live.py's set-up), with one long phase that allows everything and a budget."""
    import httpx

    event = await live.set_up(port, args.sites, args.phones)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30,
                                 headers={"Authorization": f"Bearer {event.host}"}) as http:
        phase = {"name": "Write, vote and build", "minutes": 480, "allows": ["post", "vote", "build"]}
        (await http.put(f"/events/{event.id}/agenda", json={"phases": [phase]})).raise_for_status()
        (await http.post(f"/events/{event.id}/clock", json={"action": "next"})).raise_for_status()
        body = {"budget": VOTE_BUDGET, "several_per_note": False, "hidden": False}
        (await http.put(f"/events/{event.id}/voting", json=body)).raise_for_status()
    return event


def specs(event: live.Event, port: int, boards: int, suggestions: bool) -> list[dict[str, Any]]:
    base = f"ws://127.0.0.1:{port}/api/v1/events/{event.id}/live"
    asking = "&suggestions=true" if suggestions else ""
    made = [{"name": f"board {n}", "kind": "board", "url": base, "headers": {"Authorization": f"Bearer {event.viewer}"}}
            for n in range(boards)]
    made += [{"name": f"console {n}", "kind": "console", "url": f"{base}?site={site}{asking}",
              "headers": {"Authorization": f"Bearer {event.facilitators[n]}"}} for n, site in enumerate(event.sites)]
    made += [{"name": f"phone {n}", "kind": "phone", "url": f"{base}?site={event.sites[site]}",
              "headers": {"Authorization": f"Bearer {token}"}} for n, (site, token) in enumerate(event.phones)]
    for spec in made:
        spec["port"] = port
    return made


async def last_seq(http: Any, event: live.Event) -> int:
    response = await http.get(f"/api/v1/events/{event.id}/log", params={"since": "0", "limit": "1"},
                              headers={"Authorization": f"Bearer {event.host}"})
    response.raise_for_status()
    return int(response.json()["last_seq"])


class Sampler:
    """The server's memory, CPU and sockets, and the load's counts, every --sample seconds."""

    def __init__(self, pid: int, load: Load, clients: list[Client], log: Callable[[str], None]) -> None:
        self.pid, self.load, self.clients, self.log = pid, load, clients, log
        self.samples: list[dict[str, Any]] = []
        self.began = time.monotonic()
        self.cpu = live.cpu_seconds(pid)
        self.at = self.began
        self.sockets: dict[str, Any] = {}
        self.socket_problems: list[str] = []
        self.worst_lag = 0.0

    async def take(self) -> dict[str, Any]:
        now, cpu = time.monotonic(), live.cpu_seconds(self.pid)
        rss, _ = rss_mb(self.pid)
        answers = [await client.ask("stats") for client in self.clients]
        for answer in answers:
            for text in answer["problems"]:
                self.socket_problems.append(text)
                if len(self.socket_problems) <= PROBLEMS_SHOWN:
                    self.log(f"  ERROR {text}")
        keys = ("open", "frames", "messages", "suggestions", "gaps", "duplicates", "closes", "reconnects", "problem_count")
        offered_before = self.sockets.get("suggestions", 0)
        self.sockets = {key: sum(a[key] for a in answers) for key in keys}
        lag = max(a["suggestion_lag"] for a in answers)
        self.worst_lag = max(self.worst_lag, lag)
        load = self.load
        sample = {
            "elapsed": round(now - self.began, 1), "rss_mb": round(rss, 1),
            "cpu_pct": round(100 * (cpu - self.cpu) / (now - self.at), 1) if now > self.at else 0.0,
            "server_sockets": open_sockets(self.pid), "client_sockets": self.sockets["open"],
            "notes": load.posted, "live_notes": load.posted - load.deleted, "requests": load.requests,
            "statuses": dict(sorted(load.statuses.items())), "errors": len(load.errors) + self.sockets["problem_count"],
            "gaps": self.sockets["gaps"], "duplicates": self.sockets["duplicates"], "reconnects": self.sockets["reconnects"],
            "suggestions": self.sockets["suggestions"] - offered_before, "suggestion_lag_s": round(lag, 1),
            "shed": load.shed, "load_average": live.load_average(),
        }
        self.cpu, self.at = cpu, now
        self.samples.append(sample)
        return sample

    def line(self, sample: dict[str, Any]) -> str:
        statuses = " ".join(f"{code}:{n}" for code, n in sample["statuses"].items())
        return (f"{sample['elapsed']:7.0f}s  rss {sample['rss_mb']:6.1f} MB  cpu {sample['cpu_pct']:5.1f}%  "
                f"sockets {sample['server_sockets']:4d}  notes {sample['notes']:6d} ({sample['live_notes']} kept)  "
                f"requests {sample['requests']:6d} [{statuses}]  errors {sample['errors']}  "
                f"ws gaps {sample['gaps']} dup {sample['duplicates']} reconnects {sample['reconnects']}  "
                f"suggestions {sample['suggestions']} (lag {sample['suggestion_lag_s']:.1f} s)  load {sample['load_average']}")


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    live.raise_fd_limit()
    log: Callable[[str], None] = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (lambda line: print(line, flush=True))
    result: dict[str, Any] = {
        "duration": args.duration, "phones": args.phones, "boards": args.boards, "sites": args.sites, "rate": args.rate,
        "suggestions": not args.no_suggestions,
        "cpus": os.cpu_count(), "load_average_before": live.load_average(),
    }
    log(f"soak: {args.phones} phones over {args.sites} sites, {args.boards} boards, {args.sites} consoles; {args.rate:g} notes/s "
        f"and the rest in proportion for {args.duration:g} s; a line every {args.sample:g} s; load average {result['load_average_before']}")
    with tempfile.TemporaryDirectory(prefix="ow-soak-") as tmp:
        folder = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            server = await live.start_app(folder, 0, str(folder / "soak.db"), "")
            stack.callback(server.stop)
            result["rss_idle_mb"] = round(rss_mb(server.process.pid)[0], 1)
            began = time.monotonic()
            event = await prepare(server.port, args, log)
            clients = [await Client.start() for _ in range(args.clients)]
            for client in clients:
                stack.push_async_callback(client.stop)
            made = specs(event, server.port, args.boards, not args.no_suggestions)
            answers = await asyncio.gather(*(c.ask("connect", sockets=made[n::len(clients)]) for n, c in enumerate(clients)))
            if sum(a["failed"] for a in answers):
                raise RuntimeError(f"sockets failed to open: {[e for a in answers for e in a['errors']]}")
            log(f"set up: event, {args.phones} participants and {len(made)} sockets in {time.monotonic() - began:.1f} s")
            http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30,
                                     limits=httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT,
                                                         keepalive_expiry=3.0))  # uvicorn drops idle ones at 5 s
            stack.push_async_callback(http.aclose)
            load = Load(http, event, log)
            load.export_every = min(EXPORT_EVERY, args.duration / 4)  # a short run exports a few times too
            sampler = Sampler(server.process.pid, load, clients, log)
            log(sampler.line(await sampler.take()))
            try:
                await run_load(args, load, sampler, clients, log)
                await finish(http, event, load, sampler, clients, result, log)
            finally:
                result["server_log_tail"] = server.log.read_text(errors="replace")[-4000:]
                result["rss_peak_mb"] = round(rss_mb(server.process.pid)[1], 1) if server.process.poll() is None else None
    summarise(result, load, sampler, args)
    return result


async def run_load(args: argparse.Namespace, load: Load, sampler: Sampler, clients: list[Client], log: Callable[[str], None]) -> None:
    until = asyncio.get_running_loop().time() + args.duration
    driving = asyncio.create_task(load.drive(args.rate, until, clients, max(1, args.phones // 100)))
    next_at = sampler.at + args.sample
    try:
        while not driving.done():
            await asyncio.wait([driving], timeout=max(0.0, next_at - time.monotonic()))
            if not driving.done():
                log(sampler.line(await sampler.take()))
                next_at += args.sample
        driving.result()
    finally:
        driving.cancel()


async def finish(http: Any, event: live.Event, load: Load, sampler: Sampler, clients: list[Client],
                 result: dict[str, Any], log: Callable[[str], None]) -> None:
    """Let the last requests land and the dropped phones come back, then check every socket caught up."""
    await load.settle()
    seq = await last_seq(http, event)
    deadline = time.monotonic() + AWAY[1] + 15
    while True:
        answers = [await client.ask("behind", seq=seq) for client in clients]
        behind = sum(a["behind"] for a in answers)
        if not behind or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    result["last_seq"] = seq
    if behind:
        load.error(f"{behind} socket(s) had not caught up with seq {seq} after the load stopped: "
                   f"{[e for a in answers for e in a['examples']]}")
    log(sampler.line(await sampler.take()))


def summarise(result: dict[str, Any], load: Load, sampler: Sampler, args: argparse.Namespace) -> None:
    samples = sampler.samples
    warm_up = max(60.0, min(300.0, args.duration / 5))
    fit = slope([(s["elapsed"], s["rss_mb"]) for s in samples if s["elapsed"] >= warm_up])
    per_note = slope([(s["live_notes"], s["rss_mb"]) for s in samples if s["elapsed"] >= warm_up])
    result.update(
        rss_start_mb=samples[0]["rss_mb"], rss_end_mb=samples[-1]["rss_mb"], warm_up_s=warm_up,
        rss_slope_mb_per_10_min=None if fit is None else round(fit * 600, 2),
        rss_mb_per_1000_notes=None if per_note is None else round(per_note * 1000, 2),
        notes=load.posted, notes_deleted=load.deleted, retries_replayed=load.replays, themes=len(load.themes),
        requests=load.requests, statuses=dict(sorted(load.statuses.items())), refusals=dict(load.refusals.most_common()),
        shed=load.shed, exports=[{"format": f, "bytes": b, "seconds": round(s, 2)} for f, b, s in load.exports],
        sockets=sampler.sockets, suggestion_lag_worst_s=round(sampler.worst_lag, 1), errors=load.errors + sampler.socket_problems, samples=samples,
        load_average_after=live.load_average(),
    )


def report(result: dict[str, Any]) -> str:
    exports = result["exports"]
    biggest = max((e for e in exports if e["format"] == "json"), key=lambda e: e["bytes"], default=None)
    ws = result["sockets"]
    lines = [
        "",
        f"soak summary: {result['duration']:g} s, {result['phones']} phones over {result['sites']} sites, {result['boards']} boards, "
        f"{result['rate']:g} notes/s; {result['cpus']} CPUs; load average before {result['load_average_before']}, after {result['load_average_after']}",
        f"  server RSS MB: idle {result['rss_idle_mb']}, start {result['rss_start_mb']}, peak {result['rss_peak_mb']}, end {result['rss_end_mb']}; "
        f"slope after {result['warm_up_s']:g} s: {result['rss_slope_mb_per_10_min']} MB per 10 min, "
        f"{result['rss_mb_per_1000_notes']} MB per 1,000 notes kept",
        f"  notes {result['notes']} ({result['notes_deleted']} deleted, {result['retries_replayed']} retries answered with the first), "
        f"themes {result['themes']}, last seq {result.get('last_seq')}",
        f"  requests {result['requests']}: " + ", ".join(f"{code} x{n}" for code, n in result["statuses"].items())
        + f"; shed {result['shed']}",
        "  refusals (4xx, expected under racing load): " + (", ".join(f"{code} x{n}" for code, n in result["refusals"].items()) or "none"),
        f"  exports {len(exports)}" + (f", the largest json {biggest['bytes'] / 1e6:.1f} MB in {biggest['seconds']} s" if biggest else ""),
        f"  websockets: {ws['open']} open at the end, {ws['messages']} entries checked in {ws['frames']} frames, "
        f"{ws['suggestions']} suggestion messages (the latest at most {result['suggestion_lag_worst_s']} s after its entry), "
        f"{ws['reconnects']} reconnects with since; "
        f"gaps {ws['gaps']}, duplicates {ws['duplicates']}, unexpected closes {ws['closes']}",
        f"  errors: {len(result['errors'])}",
    ]
    lines += [f"    {text}" for text in result["errors"][:PROBLEMS_SHOWN]]
    if result["errors"] and result.get("server_log_tail"):
        lines += ["  the server's log, its end:", *("    " + line for line in result["server_log_tail"].splitlines()[-40:])]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        live.run(worker())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds of load (default 3600)")
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--boards", type=int, default=10)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--rate", type=float, default=5.0, help="notes per second (default 5); the other actions in proportion")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between lines (default 10)")
    parser.add_argument("--clients", type=int, default=1, help="load-client processes for the sockets (default 1)")
    parser.add_argument("--no-suggestions", action="store_true",
                        help="consoles without ?suggestions=true: nobody asks, so the suggestion engine is never built")
    parser.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    args = parser.parse_args()
    if args.phones < 1 or args.sites < 1 or args.rate <= 0 or args.duration <= 0 or args.sample <= 0:
        parser.error("--phones, --sites, --rate, --duration and --sample must be positive")
    result = live.run(interruptible(soak(args)))
    if result is None:
        print("soak: interrupted; server and temp files cleaned up", file=sys.stderr)
        sys.exit(130)
    print(json.dumps(result) if args.json else report(result))
    sys.exit(1 if result["errors"] else 0)


async def interruptible(work: Awaitable[dict[str, Any]]) -> dict[str, Any] | None:
    """Ctrl-C or SIGTERM cancel the run, so its exit stacks stop the server and the load client."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return None


if __name__ == "__main__":
    main()
