"""Master data the rules need: items, suppliers, locations, recipes, menu and modifiers.

Kept in the cloud and carried down to each site (until the sync of master data exists, an
agent reads it from a YAML file). Everything is checked once, at load: a field's own rules by
its model, references between parts (a recipe's items and stations, a dish's modifiers) by
``domain.kitchen.checks``; an error names the part and the field.

Locations form a tree: site → area → station / cold room → shelf. Items carry their base unit
(stock is kept in it), pack sizes that unpack to it (1 case = 6 bottles, 1 bottle = 750 ml),
a density when recipes weigh what is stocked by volume, allergens and shelf life.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.constraints import Constraint
from domain.errors import DomainError
from domain.gs1 import Gtin14
from domain.kitchen.checks import reference_problems
from domain.kitchen.locations import Location
from domain.kitchen.recipes import MenuItem, Modifier, Recipe
from domain.owners import LogicalWarehouse, OwnerBook, OwnershipInvalid
from domain.payloads import Name
from domain.quantity import Quantity, Unit
from domain.replenishment.promotions import Promotion
from domain.workorders import Bom

T = TypeVar("T")


class _Master(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StorageClass(StrEnum):
    FROZEN = "frozen"
    CHILLED = "chilled"
    AMBIENT = "ambient"


class PackSize(_Master):
    """A pack and what it holds: ``case`` = 6 ``bottle``; ``bottle`` = 750 ``ml``."""

    name: Name
    contains: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    of: Name
    """A unit (g, kg, ml, l, each) or the name of a smaller pack of the same item."""


class ShelfLife(_Master):
    """How long stock keeps, counting the day it arrives or is made as day 1."""

    days: Annotated[int, Field(ge=1)] | None = None
    """Unopened, from receipt or production (None: the supplier's date, or no date)."""
    opened_days: Annotated[int, Field(ge=1)] | None = None
    """Once opened (date marking); the item class's clock rule applies when None."""


LanguageTag = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)]
"""A BCP 47 language tag as the pages speak it: ``en``, ``zh-CN``."""


class Item(_Master):
    id: Name
    name: Name
    names: dict[LanguageTag, Name] = {}
    """The item's name in other languages (``{zh-CN: 宫保鸡丁}``); ``name`` where none is given."""
    base_unit: Unit
    storage: StorageClass = StorageClass.CHILLED
    safety_stock: Annotated[Decimal, Field(ge=0, description="in the base unit")] = Decimal(0)
    allergens: list[Name] = []
    density_g_per_ml: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    packs: list[PackSize] = []
    shelf_life: ShelfLife | None = None
    clock_class: Name | None = None
    """The class of lifecycle clocks this item follows (``raw-poultry``), in the clock rules."""
    gtin: Gtin14 | None = None
    """Its GS1 trade item number, when it has one: EPCIS names its lots by GS1 Digital Link."""

    @model_validator(mode="after")
    def _packs_unpack(self) -> Self:
        for pack in self.packs:
            self.unpack(Decimal(1), pack.name)  # raises on unknown, cyclic or mismatched units
        names = [pack.name for pack in self.packs]
        if len(set(names)) != len(names):
            raise ValueError(f"item {self.id}: pack names repeat")
        return self

    def name_in(self, language: str) -> str:
        """Its name for a page in ``language`` (``zh-CN``, then ``zh``), else ``name``."""
        return self.names.get(language) or self.names.get(language.split("-")[0]) or self.name

    def to_base(self, qty: Quantity) -> Quantity:
        """``qty`` in this item's base unit, through its density across mass and volume."""
        return qty.to(self.base_unit, self.density_g_per_ml)

    def unpack(self, qty: Decimal, pack: str) -> Quantity:
        """``qty`` packs of ``pack`` in the base unit: 2 cases of 6 × 750 ml → 9000 ml."""
        by_name = {p.name: p for p in self.packs}
        seen: list[str] = []
        while pack in by_name:
            if pack in seen:
                raise ValueError(f"item {self.id}: packs contain each other: {' → '.join(seen)}")
            seen.append(pack)
            qty, pack = qty * by_name[pack].contains, by_name[pack].of
        try:
            return self.to_base(Quantity(qty, Unit(pack)))
        except ValueError as exc:
            raise ValueError(f"item {self.id}: pack {seen or pack}: {exc}") from exc


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


class UnknownReference(DomainError):
    """A name that the master data does not hold (an order for a dish not on the menu)."""


class MasterData(_Master):
    items: list[Item] = []
    suppliers: list[Supplier] = []
    locations: list[Location] = []
    recipes: list[Recipe] = []
    menu: list[MenuItem] = []
    modifiers: list[Modifier] = []
    owner: Name | None = None
    """The legal entity that owns the site's stock outside its logical warehouses (None:
    the site stands for its own)."""
    warehouses: list[LogicalWarehouse] = []
    """Logical warehouses: sets of the site's locations owned by other legal entities."""
    constraints: list[Constraint] = []
    """Process constraints on items (``domain.constraints``), checked at receipt, kitting
    and assembly."""
    boms: list[Bom] = []
    """Bills of materials per product revision (``domain.workorders``); the last listed
    revision of a product is the one in force."""
    promotions: list[Promotion] = []
    """The site's promotion calendar (``domain.replenishment.promotions``): forecasts take
    it as a known effect."""

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        problems = reference_problems(self)
        if problems:  # raised with each field's path, so a loader can name its line
            raise ValidationError.from_exception_data(
                "MasterData",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("reference", "{problem}", {"problem": p.message}),
                        loc=p.loc,
                        input=None,
                    )
                    for p in problems
                ],
            )
        return self

    @model_validator(mode="after")
    def _one_owner_per_location(self) -> Self:
        for site in sorted({warehouse.site for warehouse in self.warehouses}):
            try:
                self.owner_book(site)
            except OwnershipInvalid as exc:
                raise ValueError(f"warehouses: {exc}") from None
        return self

    def owner_book(self, site: str) -> OwnerBook:
        """Who owns each location of ``site`` (``domain.owners``)."""
        return OwnerBook.of(site, self.owner or site, self.warehouses)

    @property
    def by_id(self) -> Mapping[str, Item]:
        return {item.id: item for item in self.items}

    def item(self, item_id: str) -> Item:
        return _find(self.by_id, item_id, "item")

    def location(self, location_id: str) -> Location:
        return _find({loc.id: loc for loc in self.locations}, location_id, "location")

    def recipe(self, recipe_id: str) -> Recipe:
        return _find({r.id: r for r in self.recipes}, recipe_id, "recipe")

    def menu_item(self, menu_id: str) -> MenuItem:
        return _find({m.id: m for m in self.menu}, menu_id, "menu item")

    def modifier(self, modifier_id: str) -> Modifier:
        return _find({m.id: m for m in self.modifiers}, modifier_id, "modifier")

    def location_path(self, location_id: str) -> list[Location]:
        """The location and the ones it sits in, up to its site: shelf, cold room, area, site."""
        path = [self.location(location_id)]
        while path[-1].parent is not None:
            path.append(self.location(path[-1].parent))
        return path

    def safety_stock(self, item: str) -> Quantity | None:
        found = self.by_id.get(item)
        return Quantity(found.safety_stock, found.base_unit) if found else None

    def approved_supplier(self, item: str) -> tuple[Supplier, SupplierItem] | None:
        """The preferred approved supplier of ``item``, else the one with the shortest lead."""
        offers = [(s, o) for s in self.suppliers for o in s.approved if o.item == item]
        if not offers:
            return None
        return min(offers, key=lambda pair: (not pair[1].preferred, pair[1].lead_time_days))


def _find(found: Mapping[str, T], key: str, what: str) -> T:
    try:
        return found[key]
    except KeyError:
        raise UnknownReference(f"unknown {what} {key!r}") from None
