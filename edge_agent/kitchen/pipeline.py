"""The kitchen pipeline: POS orders → station tickets; taps and scales → deductions; PDA scans
→ receipts, lot clocks and counts; probe temperatures and the agent's clock → clock events.

Everything is decided by the pure kitchen rules (``domain.kitchen``); this module keeps the
open tickets and clocks and stores what was decided together with the state that says it
was decided (``state.CHECKPOINT``). A step's deduction reads stock, so it is not decided
here but handed to the writer as a ``StockDecision``: the writer runs it inside the
transaction that stores it, on the lots as they stand after everything queued before it (a
scale's use, another station's step), so no two producers take the same stock. The bus
hands orders and taps over strictly one at a time; a lock keeps the clock's ticks from
interleaving with them.

A refused order or tap raises ``KitchenRefused`` (a ``ValueError``) naming what is wrong;
the bus keeps the message in quarantine with that reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from domain.errors import DomainError
from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.rules import ClockRules
from domain.kitchen.counts import CountTaken, second_count
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import OrderLine, PlannedStep, explode
from domain.kitchen.stock import Place, StockView
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.payloads import ReadingRecorded, StockCounted
from domain.quantity import Carry, Quantity, Unit
from edge_agent.kitchen.clock_actions import LotClockRules
from edge_agent.kitchen.discard import discard_lot
from edge_agent.kitchen.lot_clocks import LotClocks, Stepped
from edge_agent.kitchen.messages import KdsTap, KitchenTicket, PosOrder, PosVoid, TapAction
from edge_agent.kitchen.pda import (
    COUNT_ACTIONS,
    STOCK_ACTIONS,
    PdaScan,
    read_scan,
    stock_drafts,
)
from edge_agent.kitchen.recent_ids import SeenIds
from edge_agent.kitchen.state import CHECKPOINT, KitchenState, OpenTicket, TicketLine
from edge_agent.kitchen.stored_rows import KitchenWrite
from edge_agent.kitchen.tickets import shown
from edge_agent.kitchen.voids import void_order
from edge_agent.store.decisions import Decided, Draft, LotsAt, StockDecision
from edge_agent.store.state_writes import Checkpoint

log = logging.getLogger(__name__)

Record = Callable[[Sequence[Draft], dict[str, Checkpoint]], Awaitable[None]]
"""Store drafts with checkpoints in one transaction; returns once durable."""
SaveState = Callable[[str, Checkpoint], Awaitable[None]]
"""Store a checkpoint alone (an accepted order makes no event until a step is done)."""
Publish = Callable[[str, KitchenTicket], Awaitable[None]]
Decide = Callable[[LotsAt, KitchenState], tuple[KitchenState, list[EventDraft]]]
"""A decision that reads stock, given the lots where the writer takes it and the kitchen's
state before it: the state after it, and its events."""
LotReader = Callable[[str, str], list[LotOnHand]]
"""The lots of (item, location) as committed, for what is shown and checked outside the
writer (``EdgeStore.lots_on_hand``)."""

FIRST_LOTS = 8
"""A step's deduction first reads this many lots of each input's place, in FEFO order: a
step takes from one or two, and a place may keep a hundred cases. Only when a plan looks at
every lot read, where more may be, are they all read (``Deduction.reached_end``)."""

_TEMPERATURE = frozenset({"temperature", "temp", "core_temperature"})
"""Metrics a food probe reports its temperature under."""

EXPLODED_KEPT = 1024
"""Order lines whose steps are remembered (explosion is pure). A line keeps the steps it was
first exploded with, so a new master data version (``use_masterdata``) does not change the
steps of orders already on the screens, as long as they are among the last this many."""

PORTION_MIN_G = Decimal(5)
"""A station scale below this is empty: the next stable weight above it is a new portion."""


class KitchenRefused(ValueError):
    """An order, tap or scan the kitchen cannot act on; the message says why."""


@dataclass(frozen=True, slots=True)
class StationScale:
    """A portion scale at a station: what it weighs of ``item`` wins over the recipe."""

    device: str
    station: str
    item: str


@dataclass(frozen=True, slots=True)
class TemperatureProbe:
    """A device's metric that is the temperature of ``location``'s food: clock evidence."""

    device: str
    metric: str
    location: str


def step_key(step: PlannedStep) -> str:
    """How a ticket names a step: ``<line>.<step>`` (``2.wok``)."""
    return f"{step.line}.{step.step}"


class KitchenPipeline:
    def __init__(
        self,
        master: MasterData,
        clock_rules: ClockRules,
        *,
        lots_at: LotReader,
        record: Record,
        save_state: SaveState,
        stored: KitchenState | None = None,
        pdas: Iterable[str] = (),
        scales: Sequence[StationScale] = (),
        probes: Sequence[TemperatureProbe] = (),
        zone: tzinfo = UTC,
    ) -> None:
        """``stored`` is the state as stored (``stored_rows.read_kitchen``); ``zone`` is the
        site's: a date mark's days end at its midnight."""
        self._master = master
        self._clock_rules = LotClockRules(master, clock_rules, zone)
        self._lots_at = lots_at
        self._record = record
        self._save_state = save_state
        self._publish: Publish | None = None
        self._state = stored or KitchenState()
        self._pdas = frozenset(pdas)
        self._scales = {scale.device: scale for scale in scales}
        self._probes = {(probe.device, probe.metric): probe.location for probe in probes}
        self._weighed: dict[str, Quantity] = {}
        """The last portion each station's scale weighed, until a step takes it."""
        self._scale_empty: dict[str, bool] = {}
        self._exploded: dict[tuple[str, TicketLine], tuple[PlannedStep, ...]] = {}
        self._dishes: dict[TicketLine, tuple[PlannedStep, ...]] = {}
        """A line's steps by what it asks, whatever the order: most orders ask the same few."""
        self._accepted = SeenIds()
        """The orders accepted (``state.orders``), as a set."""
        self._lock = asyncio.Lock()

    def use_masterdata(self, master: MasterData) -> None:
        """Take a new version of the master data while running (the cloud's down-channel):
        orders accepted from now on explode and deduct by it; steps already planned keep
        what they were planned with. ``ValueError`` (nothing changes) when the kitchen's
        clock rules do not cover its items."""
        self._clock_rules = self._clock_rules.with_master(master)
        self._master = master
        self._dishes = {}  # explode by the new version from now on

    @property
    def state(self) -> KitchenState:
        return self._state

    def publish_to(self, publish: Publish) -> None:
        """Send tickets to the stations' displays with ``publish`` (the site bus)."""
        self._publish = publish

    def handles(self, device: str) -> bool:
        """Whether ``device``'s observations are the kitchen's (a PDA or a station scale)."""
        return device in self._pdas or device in self._scales

    # -- orders and tickets ---------------------------------------------------------------

    async def order(self, order: PosOrder, now: datetime) -> None:
        """Accept an order once: its steps become one ticket per station."""
        async with self._lock:
            if self._accepted.contains(self._state.orders, order.order_id):  # delivered again
                log.debug("order %s again: already accepted", order.order_id)
                await self._send(
                    t for t in self._state.tickets.values() if t.order_id == order.order_id
                )
                return
            tickets = self._tickets(order, now)
            state = self._state.accepting(order.order_id, tickets)
            await self._save_state(CHECKPOINT, KitchenWrite(self._state, state))
            self._state = state
        await self._send(tickets)

    def _tickets(self, order: PosOrder, now: datetime) -> list[OpenTicket]:
        by_station: dict[str, tuple[list[TicketLine], list[str]]] = {}
        for number, given in enumerate(order.lines, start=1):
            line = TicketLine(
                number, given.item, _portions(order, number, given.qty), given.modifiers
            )
            for step in self._explode(order.order_id, line):
                lines, keys = by_station.setdefault(step.station, ([], []))
                if line not in lines:
                    lines.append(line)
                keys.append(step_key(step))
        return [
            OpenTicket(
                f"t-{order.order_id}-{station}",
                order.order_id,
                station,
                now,
                tuple(lines),
                tuple(keys),
            )
            for station, (lines, keys) in by_station.items()
        ]

    def _explode(self, order_id: str, line: TicketLine) -> tuple[PlannedStep, ...]:
        """The line's steps; remembered for the open orders, as each tap of a ticket needs
        them again (exploding was a third of the agent's own work per order line)."""
        known = self._exploded.get((order_id, line))
        if known is not None:
            return known
        steps = self._dish(order_id, line)
        if len(self._exploded) >= EXPLODED_KEPT:
            del self._exploded[next(iter(self._exploded))]  # the oldest
        self._exploded[order_id, line] = steps
        return steps

    def _dish(self, order_id: str, line: TicketLine) -> tuple[PlannedStep, ...]:
        """The steps of ``line`` for ``order_id``: those of the same line of an earlier order
        with the order's id, as ``explode`` would make them (it names the order nowhere else),
        or exploded afresh (in py-spy a tenth of the main thread's samples per order)."""
        known = self._dishes.get(line)
        if known is not None:
            return tuple(replace(step, order=order_id) for step in known)
        given = OrderLine(order_id, line.line, line.menu_item, line.portions, line.modifiers)
        try:
            steps = explode(self._master, given)
        except DomainError as exc:
            raise KitchenRefused(str(exc)) from exc
        if len(self._dishes) >= EXPLODED_KEPT:
            del self._dishes[next(iter(self._dishes))]  # the oldest
        self._dishes[line] = steps
        return steps

    async def void(self, void: PosVoid, now: datetime) -> None:
        """Void an order or some of its lines: steps not made come off the tickets, made ones
        are recorded as waste of the void (``voids``); the screens are told why."""
        async with self._lock:
            try:
                voided = void_order(self._state, void)
            except DomainError as exc:
                raise KitchenRefused(str(exc)) from exc
            if voided.state == self._state:
                return
            await self._store(voided.drafts, voided.state)
        log.info("order %s voided at %s: %s", void.order_id, now.isoformat(), void.reason)
        await self._send(voided.shown, note=f"void: {void.reason}")

    async def _send(self, tickets: Iterable[OpenTicket], note: str | None = None) -> None:
        if self._publish is None:
            return
        for ticket in tickets:
            await self._publish(ticket.station, shown(self._master, ticket, note))

    # -- taps and scales ------------------------------------------------------------------

    async def tap(self, station: str, tap: KdsTap, now: datetime) -> None:
        """A cook's tap; ``done`` deducts the step's inputs and books its outputs."""
        if tap.action is not TapAction.DONE:
            return  # start, bump and recall move the screen, not the stock
        async with self._lock:
            await self._tick(now)
            ticket = self._state.tickets.get(tap.ticket_id)
            if ticket is None:
                if tap.ticket_id in self._state.closed:
                    return  # every step of it is done: this tap was delivered again
                raise KitchenRefused(f"unknown ticket {tap.ticket_id} at station {station}")
            if ticket.station != station:
                raise KitchenRefused(
                    f"ticket {tap.ticket_id} is for station {ticket.station}, tapped at {station}"
                )
            step = self._step(ticket, tap.step)
            if tap.step not in ticket.pending:
                return  # done before: delivered again
            weighed = self._take_portion(station, step)
            # the site's local time: its date is the day expiries are judged against
            local = self._clock_rules.local(now)
            done = StepDone(local, tap.operator, f"kds:{station}", weighed)
            what = f"step {tap.step} of {ticket.ticket_id}"
            await self._record_decided(what, self._deduction(ticket, step, done))

    def _deduction(self, ticket: OpenTicket, step: PlannedStep, done: StepDone) -> Decide:
        """The step's deduction, on the lots as they stand where the writer takes it (so a
        scale's or another station's use queued before it is seen)."""

        def decide(lots_at: LotsAt, before: KitchenState) -> tuple[KitchenState, list[EventDraft]]:
            carry = Carry(before.carry)
            stock, more = self._stock_read(step, lots_at, FIRST_LOTS)
            deduction = deduct(self._master, step, done, stock, carry)
            if deduction.reached_end & more:  # it may have wanted a lot it was not given
                deduction = deduct(self._master, step, done, self.stock_for(step, lots_at), carry)
            clocks, started = self._produced(before.clocks, step, deduction.drafts)
            state = before.with_ticket(ticket.done(step_key(step))).with_clocks(clocks)
            state = state.with_made(ticket, step_key(step)).with_carry(deduction.carry)
            return state, [*deduction.drafts, *started]

        return decide

    async def _record_decided(self, what: str, decide: Decide) -> None:
        """Have the writer take ``decide`` in its transaction (a ``StockDecision``), store its
        events with the state they lead to, and adopt that state once durable.

        The writer may run it more than once (a group commit spoiled by another producer is
        written again): the state adopted is that of the last run, the one stored.
        """
        before = self._state
        made: list[KitchenState] = []

        def run(lots_at: LotsAt) -> Decided:
            state, drafts = decide(lots_at, before)
            made.append(state)
            return Decided(drafts, {CHECKPOINT: KitchenWrite(before, state)})

        await self._record([StockDecision(run, what)], {})
        self._state = made[-1]

    def _produced(
        self, clocks: LotClocks, step: PlannedStep, drafts: Sequence[EventDraft]
    ) -> Stepped:
        try:
            return self._clock_rules.produced(clocks, step, drafts)
        except DomainError as exc:
            raise KitchenRefused(f"step {step_key(step)}: {exc}") from exc

    def _step(self, ticket: OpenTicket, key: str) -> PlannedStep:
        for line in ticket.lines:
            for step in self._explode(ticket.order_id, line):
                if step.station == ticket.station and step_key(step) == key:
                    return step
        raise KitchenRefused(
            f"unknown step {key} on ticket {ticket.ticket_id}: {list(ticket.pending)}"
        )

    def _take_portion(self, station: str, step: PlannedStep) -> dict[str, Quantity]:
        """The portion the station's scale weighed, if the step uses what it weighs."""
        scale = next((s for s in self._scales.values() if s.station == station), None)
        if scale is None or station not in self._weighed:
            return {}
        if not any(planned.item == scale.item for planned in step.inputs):
            return {}
        return {scale.item: self._weighed.pop(station)}

    def stock_for(self, step: PlannedStep, lots_at: LotsAt | None = None) -> StockView:
        """The lots of the step's inputs at its station as ``lots_at`` has them (the store's
        committed lots by default; used-up lots left out), with ``ready_at`` from the open
        lot clocks."""
        return self._stock_read(step, lots_at)[0]

    def _stock_read(
        self, step: PlannedStep, lots_at: LotsAt | None, first: int | None = None
    ) -> tuple[StockView, frozenset[Place]]:
        """``stock_for``, reading at most ``first`` lots of each place (in FEFO order) when
        given; and the places where that many were read, so more may be there."""
        ready = self._state.clocks.ready_at()
        lots = []
        more: set[Place] = set()
        for planned in step.inputs:
            place = (planned.item, step.station)
            read = self._lots_at(*place) if lots_at is None else lots_at(*place, first=first)
            if first is not None and len(read) >= first:
                more.add(place)
            for lot in read:
                if lot.on_hand <= 0:
                    continue
                key = (planned.item, lot.lot, step.station)
                if key in ready:
                    lot = replace(lot, ready_at=ready[key])
                lots.append((planned.item, step.station, lot))
        return StockView.of(lots), frozenset(more)

    def _weigh(self, scale: StationScale, obs: Observation) -> None:
        """Remember a station's portion: a stable weight after the scale was empty."""
        weight, unit = obs.values.get("weight"), obs.units.get("weight", "g")
        if not isinstance(weight, Decimal):
            raise KitchenRefused(f"{obs.device}: no weight in {dict(obs.values)}")
        grams = Quantity(weight, Unit(unit)).to(Unit.G)
        if grams.value < PORTION_MIN_G:
            self._scale_empty[scale.station] = True
        elif obs.values.get("stable", True) is True and self._scale_empty.get(scale.station, True):
            self._weighed[scale.station] = grams
            self._scale_empty[scale.station] = False

    # -- PDA scans, probes and clocks -----------------------------------------------------

    async def observe(self, obs: Observation) -> None:
        """A PDA scan or a station scale's weight (``handles`` said it is the kitchen's)."""
        scale = self._scales.get(obs.device)
        if scale is not None:
            self._weigh(scale, obs)
            return
        scan = read_scan(obs)
        async with self._lock:
            try:
                if scan.action in STOCK_ACTIONS:
                    drafts = stock_drafts(self._master, scan)  # a bad weight first
                    if scan.action in COUNT_ACTIONS:
                        await self._count(scan, drafts)
                        return
                    await self._record(drafts, {})
                    return
                if scan.thaw_method is not None:
                    self._known_here(scan)
                await self._tick(scan.at)  # deadlines passed before the scan come first
                if scan.action == "discard":
                    await self._record_decided(f"discard of lot {scan.lot}", self._discard(scan))
                    return
                await self._adopt(*self._clock_rules.scanned(self._state.clocks, scan))
            except DomainError as exc:
                raise KitchenRefused(f"{obs.device}: {exc}") from exc

    async def _count(self, scan: PdaScan, drafts: list[EventDraft]) -> None:
        """Store a count unless it repeats, or disagrees with, a count of the same stock."""
        self._known_here(scan)
        (draft,) = drafts
        line = draft.payload
        assert isinstance(line, StockCounted)
        key = f"{line.item}/{line.lot}@{line.location}"
        taken = CountTaken(draft.at, line.qty, line.unit.value, line.operator)
        held = next(
            (lot.on_hand for lot in self._lots_at(line.item, line.location) if lot.lot == line.lot),
            None,
        )
        what = f"lot {line.lot} of {line.item} at {line.location}"
        recount = scan.action == "recount"
        if not second_count(self._state.counts.get(key), taken, held, what=what, recount=recount):
            return  # the same count again
        await self._store(drafts, self._state.with_count(key, taken))

    def _known_here(self, scan: PdaScan) -> None:
        """A count or a thaw names a lot this place has on record: counting a lot never
        received would make stock with no expiry, thawing one would time food nobody has."""
        if not any(lot.lot == scan.lot for lot in self._lots_at(scan.item, scan.location)):
            raise KitchenRefused(
                f"{scan.device}: {scan.action}: lot {scan.lot} of {scan.item} was never "
                f"received at {scan.location}"
            )

    def _discard(self, scan: PdaScan) -> Decide:
        """The discard of the scanned lot: what it writes off is the balance where the
        writer takes it, so a use queued before it is not written off again."""
        ref = LotRef(scan.item, scan.lot, scan.location)
        why = f"discarded by {scan.operator} ({scan.device})"
        at = self._clock_rules.local(scan.at)

        def decide(lots_at: LotsAt, before: KitchenState) -> tuple[KitchenState, list[EventDraft]]:
            held = next(
                (lot for lot in lots_at(ref.item, ref.location) if lot.lot == ref.lot), None
            )
            clocks, drafts = discard_lot(
                self._master, before.clocks, ref, at, held, scan.operator, why
            )
            return before.with_clocks(clocks), drafts

        return decide

    async def readings(self, drafts: Iterable[EventDraft]) -> None:
        """The recorded readings of the configured probes, as evidence for the lots' clocks
        at their locations (thawing within its limit, cooling in time)."""
        for draft in drafts:
            reading = draft.payload
            if not isinstance(reading, ReadingRecorded):
                continue
            location = self._probes.get((reading.device, reading.metric))
            if location is None and not (
                reading.metric in _TEMPERATURE and self._state.clocks.probed_by(reading.device)
            ):
                continue  # neither a configured probe nor one left in a cooling batch
            await self.temperature(reading.device, location, draft.at, reading.value)

    async def temperature(
        self, device: str, location: str | None, at: datetime, celsius: Decimal
    ) -> None:
        """``device`` read ``celsius`` at ``at``: a batch's own probe, or a configured probe
        at ``location`` (``LotClocks.temperature`` says which lots it is evidence for)."""
        async with self._lock:
            await self._tick(at)
            stepped = self._state.clocks.temperature(device, location, at, celsius)
            await self._adopt(*stepped)

    async def tick(self, now: datetime) -> None:
        """Let the clocks' deadlines up to ``now`` fall due (ready, expired)."""
        async with self._lock:
            await self._tick(now)

    async def _tick(self, now: datetime) -> None:
        await self._adopt(*self._state.clocks.tick(self._clock_rules.local(now)))

    async def _adopt(self, clocks: LotClocks, drafts: list[EventDraft]) -> None:
        """Store the clocks' events with their new state; adopt it once durable."""
        if clocks == self._state.clocks and not drafts:
            return
        await self._store(drafts, self._state.with_clocks(clocks))

    async def _store(self, drafts: list[EventDraft], state: KitchenState) -> None:
        """Store ``drafts`` with what changed of the state; adopt ``state`` once durable.

        Without drafts the change is stored alone: each write stores only what changed
        since the last, so none may be skipped.
        """
        change = KitchenWrite(self._state, state)
        if drafts:
            await self._record(drafts, {CHECKPOINT: change})
        else:
            await self._save_state(CHECKPOINT, change)
        self._state = state


def _portions(order: PosOrder, line: int, qty: Decimal) -> int:
    if qty != qty.to_integral_value():
        raise KitchenRefused(f"order {order.order_id} line {line}: qty {qty} is not whole portions")
    return int(qty)
