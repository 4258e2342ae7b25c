"""A transfer order: what one site is to ship to another, as the cloud sends it to both.

The cloud writes one order per transfer and sends it down to the sending site (a
``transfer.ship`` document) and to the receiving site (``transfer.expect``). The sender
ships it as ``transfer.shipped`` events, one per lot it picks (first to expire first unless
the order names the lot); the receiver records ``transfer.received`` per lot that arrives,
with what was accepted and what was damaged. Amounts are per ``unit`` of the line, and a
price (both ``unit_price`` and ``currency``, or neither) is per one such unit.

Between organisations (``to_org`` set) the price is what the receiver owes the sender; within
one organisation a transfer may carry no price.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.payloads import Currency, Note, Price, in_a_currency
from domain.quantity import Unit
from domain.values import Amount, Moment, Name


class TransferLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit
    lot: Name | None = None
    """The lot to ship; None lets the sender pick, first to expire first."""
    unit_price: Price | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _priced_in_a_currency(self) -> TransferLine:
        in_a_currency(self.unit_price, self.currency, "unit_price")
        return self


class TransferOrder(BaseModel):
    """One transfer, as both sites receive it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transfer: Name
    from_site: Name
    to_site: Name
    from_location: Name | None = None
    """Where the sender ships from; None: wherever its stock is."""
    to_location: Name
    """Where the receiver puts it away."""
    to_org: Name | None = None
    """The receiving legal entity when it is not the sender's."""
    lines: Annotated[tuple[TransferLine, ...], Field(min_length=1, max_length=200)]
    expected_at: Moment | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _between_two_sites(self) -> TransferOrder:
        if self.from_site == self.to_site:
            raise ValueError(f"from_site and to_site are both {self.from_site!r}: use stock.moved")
        if self.to_org is not None and any(line.unit_price is None for line in self.lines):
            raise ValueError("a transfer to another organisation needs a price on every line")
        keys = [(line.item, line.lot) for line in self.lines]
        if len(set(keys)) != len(keys):
            raise ValueError("two lines name the same item and lot: make them one line")
        return self
