"""Deduction: a confirmed step → ``stock.step_consumed`` per input lot, ``stock.produced`` per
output lot, picked first-expiry-first-out at the step's station.

The edge calls ``deduct`` when a cook taps a step done on the kitchen screen (``StepDone``
with the operator) or a station scale reports what was taken (``StepDone.weighed``). A
weighed amount wins over the recipe's; the difference is kept as ``portioning``. Lots that
are expired, blocked or still thawing are never picked, and each one passed over is recorded
on the consumption (``skipped``). What no usable lot covers is still booked — on the last lot
picked, or on the lot ``unknown`` — because use that happened is never dropped; the count
explains it. Outputs become lots whose ``inputs`` are the lots just consumed (genealogy) and
whose expiry is the earliest of their own shelf life and their ingredients' expiries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.events import EventDraft
from domain.fefo import Pick, Skip, fefo_plan
from domain.kitchen.explosion import PlannedInput, PlannedOutput, PlannedStep, yield_loss
from domain.kitchen.stock import Place, StockView
from domain.masterdata import MasterData
from domain.payloads import LotInput, SkippedLot, StepConsumed, StockProduced
from domain.quantity import Carry, Quantity, exact

UNKNOWN_LOT = "unknown"
"""The lot charged for use that no lot on record covers; a count sets it right."""


@dataclass(frozen=True, slots=True)
class StepDone:
    """A step confirmed at the station: who, when (site-local time), and what a scale weighed.

    ``weighed`` maps an item to the amount a scale saw: taken, for an input; made, for an
    output. ``lots`` names output lots (from a label printer); otherwise a name is derived.
    """

    at: datetime
    operator: str | None = None
    device: str | None = None
    weighed: Mapping[str, Quantity] = field(default_factory=dict)
    lots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deduction:
    drafts: tuple[EventDraft, ...]
    skipped: tuple[tuple[str, Skip], ...]
    """(item, lot skipped and why), for the screen and the log."""
    stock: StockView
    """The stock after the step."""
    carry: Carry = field(default_factory=Carry)
    """What rounding to the ledger's quantum left over, for the next step (see ``Carry``)."""
    reached_end: frozenset[Place] = frozenset()
    """The places whose lots a FEFO plan looked at to the last: given more lots there, it
    might have picked more. Elsewhere the deduction is that of any longer list of lots
    whose first ones, in FEFO order, are those it was given (``FefoPlan.reached``)."""


def deduct(
    master: MasterData,
    step: PlannedStep,
    done: StepDone,
    stock: StockView,
    carry: Carry | None = None,
) -> Deduction:
    """The events a confirmed step makes, the stock it leaves and the rounding it carries.

    Amounts are exact per line; one that does not terminate (÷ a yield) is kept to the
    ledger's quantum with ``carry``'s remainder for its item added, so consecutive steps
    given each other's ``carry`` take exactly their total.
    """
    carry = carry or Carry()
    drafts: list[EventDraft] = []
    skipped: list[tuple[str, Skip]] = []
    used: list[LotInput] = []
    reached_end: set[Place] = set()
    for planned in step.inputs:
        taken = _taken(master, planned, done)
        if taken <= 0:
            continue
        taken, carry = carry.take(planned.item, taken)
        consumed, skips, stock, to_the_end = _consume(step, planned, done, stock, taken)
        if to_the_end:
            reached_end.add((planned.item, step.station))
        drafts += consumed
        skipped += [(planned.item, skip) for skip in skips]
        used += [_lot_input(draft.payload) for draft in consumed]
    for output in step.outputs:
        draft = _produce(master, step, output, done, used, stock)
        drafts.append(draft)
        made = draft.payload
        assert isinstance(made, StockProduced)
        stock = stock.adding(made.item, made.location, made.lot, made.qty, made.expires_on)
    return Deduction(tuple(drafts), tuple(skipped), stock, carry, frozenset(reached_end))


def _taken(master: MasterData, planned: PlannedInput, done: StepDone) -> Decimal:
    """What the step takes of an input: a scale's weight, else the recipe's gross amount."""
    weighed = done.weighed.get(planned.item)
    if weighed is None:
        return planned.gross.value
    return master.item(planned.item).to_base(weighed).to(planned.gross.unit).value


def _consume(
    step: PlannedStep, planned: PlannedInput, done: StepDone, stock: StockView, taken: Decimal
) -> tuple[list[EventDraft], tuple[Skip, ...], StockView, bool]:
    """The input's consumption, what was skipped, the stock left, and whether the plan
    looked at every lot of the place."""
    weighed = done.weighed.get(planned.item)
    unit = planned.gross.unit
    lots = stock.at(planned.item, step.station)
    plan = fefo_plan(lots, taken, now=done.at)
    picks = _cover_shortfall(list(plan.picks), plan.shortfall)
    weights = [pick.qty for pick in picks]
    # what the recipe asked, as the ledger keeps it: without a scale, what was taken
    asked = taken if weighed is None else exact(planned.gross.value)
    planned_shares = _shares(asked, weights)
    loss_shares = _shares(yield_loss(taken, planned.yield_pct), weights)
    portioning = _shares(taken - asked, weights) if weighed is not None else None
    skipped = [SkippedLot(lot=s.lot, reason=s.reason.value, detail=s.detail) for s in plan.skipped]
    drafts = [
        EventDraft(
            "stock.step_consumed",
            done.at,
            StepConsumed(
                item=planned.item,
                lot=pick.lot,
                location=step.station,
                qty=pick.qty,
                unit=unit,
                device=done.device,
                operator=done.operator,
                order=step.order,
                line=step.line,
                recipe=step.recipe,
                step=step.step,
                operation=step.operation.value,
                planned_qty=planned_shares[index],
                yield_loss=loss_shares[index],
                portioning=portioning[index] if portioning is not None else None,
                skipped=(skipped or None) if index == 0 else None,
            ),
        )
        for index, pick in enumerate(picks)
    ]
    taking = stock.taking(planned.item, step.station, picks)
    return drafts, plan.skipped, taking, plan.reached >= len(lots)


def _cover_shortfall(picks: list[Pick], shortfall: Decimal) -> list[Pick]:
    if shortfall <= 0:
        return picks
    if not picks:
        return [Pick(UNKNOWN_LOT, shortfall)]
    return [*picks[:-1], Pick(picks[-1].lot, picks[-1].qty + shortfall)]


def _shares(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` (each kept to the ledger's quantum), the
    last share taking the rest, so the shares sum to ``total`` exactly."""
    whole = sum(weights, Decimal(0))
    shares = [exact(total * weight / whole) for weight in weights[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]


def _lot_input(payload: object) -> LotInput:
    assert isinstance(payload, StepConsumed)
    return LotInput(
        item=payload.item,
        lot=payload.lot,
        location=payload.location,
        qty=payload.qty,
        unit=payload.unit,
    )


def _produce(
    master: MasterData,
    step: PlannedStep,
    output: PlannedOutput,
    done: StepDone,
    used: list[LotInput],
    stock: StockView,
) -> EventDraft:
    weighed = done.weighed.get(output.item)
    qty = output.qty
    if weighed is not None:
        made = master.item(output.item).to_base(weighed).to(qty.unit)
        qty = Quantity(exact(made.value), qty.unit)
    lot = done.lots.get(output.item) or f"{output.item}-{done.at:%Y%m%d-%H%M%S-%f}"
    expiries = [stock.expiry(used_lot.item, used_lot.location, used_lot.lot) for used_lot in used]
    return EventDraft(
        "stock.produced",
        done.at,
        StockProduced(
            item=output.item,
            lot=lot,
            location=output.location,
            qty=qty.value,
            unit=qty.unit,
            expires_on=_earliest([_own_expiry(master, output.item, done.at.date()), *expiries]),
            inputs=used,
            order=step.order,
            line=step.line,
            recipe=step.recipe,
            step=step.step,
            operator=done.operator,
        ),
    )


def _own_expiry(master: MasterData, item: str, made_on: date) -> date | None:
    """The last day an item made on ``made_on`` keeps, counting that day as day 1."""
    life = master.item(item).shelf_life
    if life is None or life.days is None:
        return None
    return made_on + timedelta(days=life.days - 1)


def _earliest(dates: list[date | None]) -> date | None:
    known = [day for day in dates if day is not None]
    return min(known) if known else None
