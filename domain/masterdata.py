"""Master data the rules need: items, and the suppliers approved to deliver them.

Kept in the cloud and carried down to each site (until the sync of master data exists, an
agent reads it from a YAML file). Only what the rules use lives here; recipes, locations and
pack sizes join as the rules that need them do.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.payloads import Name
from domain.quantity import Quantity, Unit


class _Master(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StorageClass(StrEnum):
    FROZEN = "frozen"
    CHILLED = "chilled"
    AMBIENT = "ambient"


class Item(_Master):
    id: Name
    name: Name
    base_unit: Unit
    storage: StorageClass = StorageClass.CHILLED
    safety_stock: Annotated[Decimal, Field(ge=0, description="in the base unit")] = Decimal(0)


class SupplierItem(_Master):
    """One item a supplier is approved for, and on what terms."""

    item: Name
    lead_time_days: Annotated[int, Field(ge=0)]
    min_order: Annotated[Decimal, Field(ge=0, description="in the item's base unit")] = Decimal(0)
    preferred: bool = False


class Supplier(_Master):
    id: Name
    name: Name
    contact: str | None = None
    approved: list[SupplierItem] = []


class MasterData(_Master):
    items: list[Item] = []
    suppliers: list[Supplier] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        known = {item.id for item in self.items}
        for supplier in self.suppliers:
            for offer in supplier.approved:
                if offer.item not in known:
                    raise ValueError(
                        f"supplier {supplier.id}: approved item {offer.item!r} is not an item"
                    )
        return self

    @property
    def by_id(self) -> Mapping[str, Item]:
        return {item.id: item for item in self.items}

    def safety_stock(self, item: str) -> Quantity | None:
        found = self.by_id.get(item)
        return Quantity(found.safety_stock, found.base_unit) if found else None

    def approved_supplier(self, item: str) -> tuple[Supplier, SupplierItem] | None:
        """The preferred approved supplier of ``item``, else the one with the shortest lead."""
        offers = [(s, o) for s in self.suppliers for o in s.approved if o.item == item]
        if not offers:
            return None
        return min(offers, key=lambda pair: (not pair[1].preferred, pair[1].lead_time_days))
