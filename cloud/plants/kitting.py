"""The kitting board of a work order: per line, what it needs and where that stands.

Pure: the caller reads the site's stock, holds, arrivals and earlier orders and passes them
in. Per item, stock that may go into the kit is on hand, not held, and allowed at kitting by
the process constraints; earlier open work orders reserve it first (first released, first
served); what is left is given to this order's lines in routing order, then arrivals in
transit cover the rest by their ETA (an ETA already past counts as now: late, but still
expected). A line is ``ready`` (covered from stock), ``arriving``
(covered once an arrival lands: its ``ready_at`` is that ETA) or ``short``. The complete-kit
time is when the last line is covered, unknown while any line is short.

Held stock is shown as awaiting inspection (a lot on hold waits for its quality decision),
and lots the constraints refuse are listed with the reason, so the board says why stock
on the shelf does not count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from domain.constraints import Constraint, check
from domain.workorders import RequiredLine

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LotOnHand:
    """A lot's stock at a location; for an item no constraint speaks about, the item's stock
    summed by hold (``lot`` and ``location`` empty: no lot of it is ever refused)."""

    lot: str
    location: str
    qty: Decimal
    held: bool
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Arrival:
    """Stock of an item on its way to the site, not yet received."""

    qty: Decimal
    eta: datetime | None
    transfer: str


@dataclass(frozen=True, slots=True)
class ItemSupply:
    """What the site has and expects of one item, in the lines' unit."""

    lots: Sequence[LotOnHand] = ()
    arrivals: Sequence[Arrival] = ()
    reserved: Decimal = ZERO
    """Required by earlier open work orders of the site."""


@dataclass(frozen=True, slots=True)
class RefusedLot:
    lot: str
    location: str
    qty: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class BoardLine:
    line: int
    operation: str
    item: str
    unit: str
    required: Decimal
    on_hand: Decimal
    """Usable stock of the item at the site: not held, allowed by the constraints."""
    reserved: Decimal
    """Of it, what earlier work orders need first."""
    allocated: Decimal
    """What this line takes from stock."""
    in_transit: Decimal
    """What this line counts on from arrivals."""
    eta: datetime | None
    awaiting_inspection: Decimal
    refused: tuple[RefusedLot, ...]
    status: Literal["ready", "arriving", "short"]
    ready_at: datetime | None
    short: Decimal


@dataclass(frozen=True, slots=True)
class OperationKit:
    operation: str
    complete: bool
    ready_at: datetime | None


@dataclass(frozen=True, slots=True)
class KittingBoard:
    lines: list[BoardLine]
    operations: list[OperationKit]
    complete: bool
    complete_at: datetime | None
    """Predicted complete-kit time: now when complete, None while a line is short."""


@dataclass
class _Pool:
    """What is left of an item to give to this order's lines, used in line order."""

    free: Decimal
    arrivals: list[Arrival]
    refused: tuple[RefusedLot, ...]
    on_hand: Decimal
    held: Decimal
    reserved: Decimal
    taken: list[Decimal] = field(default_factory=list)


def kitting_board(
    lines: Sequence[RequiredLine],
    supply: Mapping[str, ItemSupply],
    constraints: Sequence[Constraint],
    now: datetime,
) -> KittingBoard:
    """The board of a work order's ``lines`` (see the module's docstring)."""
    rules: dict[str, list[Constraint]] = {}
    for rule in constraints:  # each lot is checked against its own item's rules only
        rules.setdefault(rule.item, []).append(rule)
    pools = {
        item: _pool(item, supply.get(item, ItemSupply()), rules.get(item, []))
        for item in {line.item for line in lines}
    }
    board = [_board_line(line, pools[line.item], now) for line in lines]
    operations = _operations(board)
    complete_at = _latest([b.ready_at for b in board]) if board else now
    return KittingBoard(board, operations, all(b.status == "ready" for b in board), complete_at)


def _pool(item: str, supply: ItemSupply, constraints: Sequence[Constraint]) -> _Pool:
    usable, held, refused = ZERO, ZERO, []
    for lot in supply.lots:
        if lot.qty <= 0:
            continue
        if lot.held:
            held += lot.qty
            continue
        if not constraints:
            usable += lot.qty
            continue
        verdict = check(constraints, item, lot.attributes, "kitting")
        if verdict.allowed:
            usable += lot.qty
        else:
            refused.append(RefusedLot(lot.lot, lot.location, lot.qty, verdict.reason))
    arrivals = sorted(
        (a for a in supply.arrivals if a.qty > 0),
        key=lambda a: (a.eta is None, a.eta or datetime.max, a.transfer),
    )
    free = max(usable - supply.reserved, ZERO)
    return _Pool(free, arrivals, tuple(refused), usable, held, supply.reserved)


def _board_line(line: RequiredLine, pool: _Pool, now: datetime) -> BoardLine:
    allocated = min(line.qty, pool.free)
    pool.free -= allocated
    missing = line.qty - allocated
    counted, eta = ZERO, None
    while missing > 0 and pool.arrivals:
        arrival = pool.arrivals[0]
        take = min(missing, arrival.qty)
        counted, missing, eta = counted + take, missing - take, arrival.eta
        if take == arrival.qty:
            pool.arrivals.pop(0)
        else:
            pool.arrivals[0] = Arrival(arrival.qty - take, arrival.eta, arrival.transfer)
    if missing > 0 or (counted > 0 and eta is None):
        status, ready_at = "short", None
    elif counted > 0 and eta is not None:
        # an arrival past its ETA is late, not there: it is expected from now on
        status, ready_at = "arriving", max(eta, now)
    else:
        status, ready_at = "ready", now
    return BoardLine(
        line.line, line.operation, line.item, line.unit, line.qty, pool.on_hand, pool.reserved,
        allocated, counted, eta, pool.held, pool.refused, status, ready_at, missing,
    )  # fmt: skip


def _operations(board: Sequence[BoardLine]) -> list[OperationKit]:
    seen: dict[str, list[BoardLine]] = {}
    for line in board:
        seen.setdefault(line.operation, []).append(line)
    return [
        OperationKit(
            op,
            all(x.status == "ready" for x in lines),
            _latest([x.ready_at for x in lines]),
        )
        for op, lines in seen.items()
    ]


def _latest(times: Sequence[datetime | None]) -> datetime | None:
    if any(t is None for t in times):
        return None
    return max(t for t in times if t is not None)
