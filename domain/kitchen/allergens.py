"""Allergens of what a kitchen makes, derived from what goes into it after modifiers.

An item's declared ``allergens`` are only its own label; what a cook serves also carries
every allergen of what went into it. An intermediate made in the kitchen (marinated
chicken) carries its declared allergens and those of every input of the recipes that
produce it (its soy sauce's wheat), recursively; a dish carries those of the inputs of its
steps as ordered, modifiers applied (no peanuts: no peanut). Food Code 3-602.11(B)(5) asks
for the major food allergens of a food to be declared; deriving them means a recipe change
cannot silently drop one.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.kitchen.explosion import OrderLine, PlannedStep, explode
from domain.masterdata import MasterData


def item_allergens(master: MasterData, item: str) -> frozenset[str]:
    """``item``'s own allergens and, if the kitchen makes it, those of its recipes' inputs."""
    return _allergens(master, item, frozenset())


def _allergens(master: MasterData, item: str, seen: frozenset[str]) -> frozenset[str]:
    found = set(master.item(item).allergens)
    for recipe in master.recipes:
        for step in recipe.steps:
            if not any(output.item == item for output in step.outputs):
                continue
            for given in step.inputs:
                if given.item != item and given.item not in seen:  # a recipe loop ends here
                    found |= _allergens(master, given.item, seen | {item})
    return frozenset(found)


def steps_allergens(master: MasterData, steps: Iterable[PlannedStep]) -> frozenset[str]:
    """Every allergen of the inputs of ``steps`` (as exploded, modifiers applied)."""
    found: set[str] = set()
    for step in steps:
        for given in step.inputs:
            found |= item_allergens(master, given.item)
    return frozenset(found)


def dish_allergens(master: MasterData, line: OrderLine) -> frozenset[str]:
    """The allergens of an order line's dish with its modifiers."""
    return steps_allergens(master, explode(master, line))
