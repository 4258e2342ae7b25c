"""Which station screens are open, and telling them something changed.

The kitchen publishes a new ticket through ``TicketFanOut``; ``ScreenHub.publish`` is one of
its displays. It does not keep tickets (the kitchen's stored state is the truth): it wakes
each open screen of the station, which then fetches its tickets. A screen that is not
reading fast enough misses a wake-up, not a ticket. The hub also remembers, per station,
the tickets the screens bumped or finished, so that a cook can recall one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from edge_agent.kitchen.messages import KitchenTicket
from edge_agent.web.kds_view import TicketShown

WAKE_QUEUE = 16
"""Wake-ups a screen may have pending; more are pointless (one fetch shows everything)."""
NEW_TICKET = "ticket"
"""A wake-up for a new ticket: the screen sounds its cue."""
CHANGED = "changed"
"""A wake-up for a change made elsewhere (a tap on another screen of the station)."""
CLOSING = ""
"""Not a wake-up: the stream ends."""
RECALLABLE = 20
"""Finished tickets kept per station for recall (in memory: a restart forgets them)."""


class ScreenHub:
    def __init__(self) -> None:
        self._screens: dict[str, set[asyncio.Queue[str]]] = {}
        self._finished: dict[str, deque[TicketShown]] = {}
        self._recalled: dict[str, list[TicketShown]] = {}

    async def publish(self, station: str, ticket: KitchenTicket) -> None:
        """A ticket for ``station`` (new, or sent again): wake its screens."""
        self.wake(station, NEW_TICKET)

    def wake(self, station: str, why: str = CHANGED) -> None:
        """Tell every open screen of ``station`` to fetch its tickets again."""
        for queue in self._screens.get(station, ()):
            with suppress(asyncio.QueueFull):  # wake-ups pending: the next fetch shows it too
                queue.put_nowait(why)

    @contextmanager
    def screen(self, station: str) -> Iterator[asyncio.Queue[str]]:
        """An open screen of ``station``: its wake-ups, until it closes."""
        queue: asyncio.Queue[str] = asyncio.Queue(WAKE_QUEUE)
        self._screens.setdefault(station, set()).add(queue)
        try:
            yield queue
        finally:
            self._screens[station].discard(queue)

    def close(self) -> None:
        """The agent stops: end every screen's stream (the browsers reconnect to the next)."""
        for queues in self._screens.values():
            for queue in queues:
                with suppress(asyncio.QueueFull):
                    queue.put_nowait(CLOSING)

    def screens(self, station: str) -> int:
        """How many screens of ``station`` are open."""
        return len(self._screens.get(station, ()))

    def finished(self, station: str, ticket: TicketShown) -> None:
        """``ticket`` left the station's screen (bumped, or its last step done)."""
        kept = self._finished.setdefault(station, deque(maxlen=RECALLABLE))
        kept.append(ticket)
        self._recalled[station] = [
            t for t in self._recalled.get(station, []) if t.ticket_id != ticket.ticket_id
        ]

    def recall(self, station: str) -> TicketShown | None:
        """The station's last finished ticket back on its screen (None: nothing to recall)."""
        kept = self._finished.get(station)
        if not kept:
            return None
        ticket = kept.pop()
        shown = TicketShown(
            ticket.ticket_id,
            ticket.order_id,
            ticket.created_at,
            ticket.lines,
            ticket.steps,
            recalled=True,
        )
        self._recalled.setdefault(station, []).append(shown)
        return shown

    def recalled(self, station: str) -> list[TicketShown]:
        """The finished tickets recalled onto the station's screen, oldest first."""
        return list(self._recalled.get(station, []))

    def put_away(self, station: str, ticket_id: str) -> TicketShown | None:
        """Bump a recalled ticket off the screen again; None when it is not recalled."""
        for ticket in self._recalled.get(station, []):
            if ticket.ticket_id == ticket_id:
                self.finished(station, ticket)
                return ticket
        return None
