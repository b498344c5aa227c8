"""One live socket's outgoing side: a bounded queue and a writer that coalesces it into frames.

The room offers each payload without waiting (`offer` never awaits), so a slow or dead socket can
never hold up the others. The writer sends whatever is pending as one frame: under load a socket
gets fewer, larger frames, which is what keeps the cost per note low (cost is per frame, not per
byte). Payloads that are not urgent (another site's note on a phone) wait up to `lazy_delay` to
ride along with the next frame. A socket whose queue passes `max_pending` has fallen too far behind:
it is told to resync, which a client does by reconnecting with `since`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Send = Callable[[str], Awaitable[None]]
Join = Callable[[list[str]], str]


def join_json(payloads: list[str]) -> str:
    """Several JSON messages in one frame are sent as a JSON array of them."""
    return payloads[0] if len(payloads) == 1 else "[" + ",".join(payloads) + "]"


def join_html(payloads: list[str]) -> str:
    """htmx swaps every out-of-band element of a message, so fragments simply follow one another."""
    return "".join(payloads)


class Connection:
    def __init__(self, send: Send, join: Join, *, max_pending: int = 500, lazy_delay: float = 1.0) -> None:
        self._send = send
        self._join = join
        self.max_pending = max_pending
        self.lazy_delay = lazy_delay
        self.floor = 0  # entries up to here are covered by what the socket was sent first
        self.last_seq = 0  # the last entry queued for the socket
        self.sent_seq = 0  # the last entry sent to the socket
        self.overflowed = False
        self.overflow = asyncio.Event()  # set once the socket fell too far behind
        self.ended: tuple[int, str] | None = None  # the close code and reason the room ended the socket with
        self.ending = asyncio.Event()  # set once the room ends the socket (its event was deleted)
        self._started = False
        self._pending: list[tuple[int, str, bool]] = []  # (seq, payload, whether it is an entry's)
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, seq: int, payload: str, *, urgent: bool = True, entry: bool = True) -> None:
        """Queue a payload for log entry `seq`; never waits.

        Not an `entry`'s (suggestions as of `seq`): it is no part of the log, so the first payload
        never covers it; it is sent after that first payload, whatever its seq."""
        if self.overflowed or self.ended is not None or (entry and seq <= self.floor):
            return
        if len(self._pending) >= self.max_pending:
            self.overflowed = True
            self._pending.clear()
            self.overflow.set()
            self._wake.set()
            return
        self._pending.append((seq, payload, entry))
        self.last_seq = seq
        if not self._started:
            return
        if urgent:
            self._wake.set()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.lazy_delay, self._wake.set)

    def end(self, code: int, reason: str) -> None:
        """Ask for the socket to be closed with this code and reason; nothing more is sent to it."""
        self.ended = (code, reason)
        self._pending.clear()
        self.ending.set()

    def start(self, floor: int) -> None:
        """Go live once the socket was sent its first payload (a snapshot or a replay) up to `floor`.

        What the room offered meanwhile was held; the part of it the first payload covered is dropped.
        """
        self.floor = self.sent_seq = floor
        self._pending = [(seq, payload, entry) for seq, payload, entry in self._pending if seq > floor or not entry]
        self._started = True
        self._wake.set()

    async def run(self) -> None:
        """Send pending payloads until the socket fails or falls behind (then return)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.overflowed:
                return
            batch, self._pending = self._pending, []
            if batch:
                await self._send(self._join([payload for _, payload, _ in batch]))
                self.sent_seq = batch[-1][0]
