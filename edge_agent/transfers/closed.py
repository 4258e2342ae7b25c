"""A transfer closed in the cloud, as the site's desk tells its people: who closed it, on
which day (the site's), why, and what of it was written off as lost.

The close carries what it wrote off in base units (g, ml, each); the desk says it in the
order line's unit when the line has one of the same dimension (2 kg, not 2000 g), so the
person reads it as they read the order. Each site sees its share: a receiver the lines that
were coming to it, the sender every line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.downlink import LostInTransit, TransferClose
from domain.quantity import Quantity
from domain.transfers import TransferOrder


@dataclass(frozen=True, slots=True)
class LostLot:
    item: str
    lot: str
    amount: Quantity


@dataclass(frozen=True, slots=True)
class ClosedTransfer:
    """A closed transfer of this site, as the desk shows it."""

    order: TransferOrder
    close: TransferClose
    day: date
    """The day it was closed, on the site's calendar."""
    lost: tuple[LostLot, ...]
    """What was written off as lost, this site's share, in the order's units."""
    receiving: bool
    """This site is the receiver (it may still record a late receipt)."""

    def describe(self) -> str:
        """One line for a refusal or a log: ``closed by … on …: … written off as lost``."""
        lots = ", ".join(f"{x.amount} of {x.item} lot {x.lot}" for x in self.lost)
        return (
            f"transfer {self.order.transfer} was closed by {self.close.closed_by} on "
            f"{self.day.isoformat()}: {lots or 'nothing of it'} written off as lost "
            f"({self.close.reason})"
        )


def closed_transfer(
    order: TransferOrder, close: TransferClose, site: str, zone: ZoneInfo
) -> ClosedTransfer:
    """``close`` of ``order`` as ``site`` sees it, its day on the site's calendar ``zone``."""
    receiving = order.to_site == site
    lost = tuple(
        LostLot(line.item, line.lot, _in_order_unit(order, line))
        for line in close.lost
        if not receiving or line.to_site == site
    )
    day = close.closed_at.astimezone(zone).date()
    return ClosedTransfer(order, close, day, lost, receiving)


def _in_order_unit(order: TransferOrder, line: LostInTransit) -> Quantity:
    """The lost amount in the unit of the order's line for its item, when it is of the same
    dimension (no density is known here to cross mass and volume)."""
    base = Quantity(line.qty, line.unit)
    for ordered in order.lines:
        if ordered.item == line.item and ordered.unit.dimension == line.unit.dimension:
            return Quantity(_plain(base.to(ordered.unit).value), ordered.unit)
    return Quantity(_plain(line.qty), line.unit)


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, never in exponent form (2, 1.5, 2000)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
