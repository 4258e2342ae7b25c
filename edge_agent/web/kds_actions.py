"""What a station's screen does to the kitchen: taps, bump and recall, each through
``KitchenPipeline.tap`` (the call a tap on the site bus makes), and what it shows."""

from __future__ import annotations

from dataclasses import replace

from pydantic import ValidationError

from edge_agent.kitchen.messages import KdsTap, TapAction
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.web.kds_view import TicketShown, show, stations
from edge_agent.web.sources import ScreenSources


class Unknown(LookupError):
    """A station this kitchen does not have (or no kitchen): the word key says which."""


class Refused(ValueError):
    """What the kitchen refused (an unknown ticket, a bad field); says why."""


class StationDisplay:
    """The kitchen as every station screen sees it."""

    def __init__(self, sources: ScreenSources) -> None:
        self.sources = sources
        self.hub = sources.hub

    def kitchen(self, station: str) -> KitchenPipeline:
        """The kitchen, if ``station`` is one of its stations; ``Unknown`` otherwise."""
        sources = self.sources
        if sources.kitchen is None or sources.master is None:
            raise Unknown("no_kitchen")
        if station not in dict(stations(sources.master)):
            raise Unknown("unknown_station")
        return sources.kitchen

    def name(self, station: str) -> str:
        assert self.sources.master is not None
        return dict(stations(self.sources.master))[station]

    def tickets(self, station: str, language: str = "en") -> list[TicketShown]:
        """The recalled tickets, then the open ones, oldest first (items named in
        ``language``)."""
        master, kitchen = self.sources.master, self.kitchen(station)
        assert master is not None
        here = [t for t in kitchen.state.tickets.values() if t.station == station]
        ordered = sorted(here, key=lambda t: t.created_at)
        shown = [show(master, t, language=language) for t in ordered]
        return [*self.hub.recalled(station), *shown]

    async def done(self, station: str, ticket: str, steps: list[str], operator: str) -> None:
        """``steps`` of ``ticket`` done (each deducted once); ``Refused`` says why not."""
        kitchen = self.kitchen(station)
        before = kitchen.state.tickets.get(ticket)
        try:
            for step in steps:
                await self._tap(kitchen, station, ticket, step, operator, TapAction.DONE)
        finally:
            self.hub.wake(station)  # the station's other screens show it too
        if before is not None and ticket not in kitchen.state.tickets:  # its last step
            assert self.sources.master is not None
            self.hub.finished(station, show(self.sources.master, replace(before, pending=())))

    async def bump(self, station: str, ticket: str, operator: str) -> None:
        """The ticket is finished: a recalled one goes away again; an open one has every
        step still to do done (deducted) and leaves the screen."""
        kitchen = self.kitchen(station)
        if self.hub.put_away(station, ticket) is not None:
            self.hub.wake(station)
            return
        current = kitchen.state.tickets.get(ticket)
        await self.done(station, ticket, list(current.pending) if current else [], operator)
        await self._tap(kitchen, station, ticket, "all", operator, TapAction.BUMP)

    async def recall(self, station: str, operator: str) -> None:
        """The station's last finished ticket back on its screens (nothing deducted)."""
        kitchen = self.kitchen(station)
        shown = self.hub.recall(station)
        if shown is None:
            return
        await self._tap(kitchen, station, shown.ticket_id, "all", operator, TapAction.RECALL)
        self.hub.wake(station)

    async def _tap(
        self,
        kitchen: KitchenPipeline,
        station: str,
        ticket: str,
        step: str,
        operator: str,
        action: TapAction,
    ) -> None:
        now = self.sources.now()
        try:
            tap = KdsTap(
                ticket_id=ticket,
                step=step,
                operator=operator.strip() or f"kds-{station}",
                action=action,
                at=now,
            )
            await kitchen.tap(station, tap, now)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise Refused(f"{where}: {first['msg']}") from exc
        except ValueError as exc:  # KitchenRefused
            raise Refused(" ".join(str(exc).split("\n")[:3])) from exc
