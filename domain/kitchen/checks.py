"""Cross-references in master data: every name a recipe, dish or modifier uses must resolve.

Separate from the models so each model checks only its own fields, and this one place says
how the parts fit together (a step's station is a location, an input's unit converts to its
item's base unit, a dish's modifier finds something to change in the dish's recipe). Each
problem names where it is, as ``recipes[kung-pao].steps[wok].inputs[peanuts]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from domain.kitchen.locations import PARENT_KINDS, STEP_PLACES, Location
from domain.kitchen.recipes import Add, Recipe, Remove, Scale
from domain.quantity import Quantity

if TYPE_CHECKING:
    from domain.masterdata import Item, MasterData


def reference_problems(master: MasterData) -> list[str]:
    """Every broken reference in ``master``, each naming its place; empty when all resolve."""
    items = {item.id: item for item in master.items}
    places = {loc.id: loc for loc in master.locations}
    problems = [
        *_repeats("items", (item.id for item in master.items)),
        *_repeats("locations", (loc.id for loc in master.locations)),
        *_repeats("recipes", (r.id for r in master.recipes)),
        *_repeats("menu", (m.id for m in master.menu)),
        *_repeats("modifiers", (m.id for m in master.modifiers)),
        *_supplier_problems(master, items),
        *_location_problems(master.locations, places),
    ]
    for recipe in master.recipes:
        problems += _recipe_problems(recipe, items, places)
    problems += _menu_problems(master)
    return problems


def _repeats(part: str, ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for each in ids:
        if each in seen and each not in repeated:
            repeated.append(each)
        seen.add(each)
    return [f"{part}[{each}]: id used more than once" for each in repeated]


def _supplier_problems(master: MasterData, items: dict[str, Item]) -> list[str]:
    return [
        f"supplier {supplier.id}: approved item {offer.item!r} is not an item"
        for supplier in master.suppliers
        for offer in supplier.approved
        if offer.item not in items
    ]


def _location_problems(locations: Iterable[Location], places: dict[str, Location]) -> list[str]:
    problems = []
    for loc in locations:
        allowed = PARENT_KINDS[loc.kind]
        where = f"locations[{loc.id}].parent"
        if loc.parent is None:
            if allowed:
                problems.append(f"{where}: a {loc.kind.value} must sit in a location")
        elif loc.parent not in places:
            problems.append(f"{where}: unknown location {loc.parent!r}")
        elif places[loc.parent].kind not in allowed:
            kind = places[loc.parent].kind.value
            problems.append(f"{where}: a {loc.kind.value} cannot sit in {kind} {loc.parent}")
    return problems


def _recipe_problems(
    recipe: Recipe, items: dict[str, Item], places: dict[str, Location]
) -> list[str]:
    problems = []
    for step in recipe.steps:
        where = f"recipes[{recipe.id}].steps[{step.id}]"
        place = places.get(step.station)
        if place is None:
            problems.append(f"{where}.station: unknown location {step.station!r}")
        elif place.kind not in STEP_PLACES:
            problems.append(f"{where}.station: {step.station} is a {place.kind.value}")
        for given in step.inputs:
            qty = Quantity(given.qty, given.unit)
            problems += _unit_problems(f"{where}.inputs[{given.item}]", given.item, qty, items)
        for output in step.outputs:
            out = f"{where}.outputs[{output.item}]"
            problems += _unit_problems(out, output.item, Quantity(output.qty, output.unit), items)
            if output.store_at is not None and output.store_at not in places:
                problems.append(f"{out}.store_at: unknown location {output.store_at!r}")
    return problems


def _unit_problems(where: str, item_id: str, qty: Quantity, items: dict[str, Item]) -> list[str]:
    item = items.get(item_id)
    if item is None:
        return [f"{where}.item: unknown item {item_id!r}"]
    try:
        item.to_base(qty)
    except ValueError as exc:
        return [f"{where}.unit: {qty.unit.value} for {item_id} (base {item.base_unit}): {exc}"]
    return []


def _menu_problems(master: MasterData) -> list[str]:
    recipes = {r.id: r for r in master.recipes}
    modifiers = {m.id: m for m in master.modifiers}
    items = {item.id: item for item in master.items}
    problems = []
    for dish in master.menu:
        where = f"menu[{dish.id}]"
        recipe = recipes.get(dish.recipe)
        if recipe is None:
            problems.append(f"{where}.recipe: unknown recipe {dish.recipe!r}")
            continue
        for name in dish.modifiers:
            modifier = modifiers.get(name)
            if modifier is None:
                problems.append(f"{where}.modifiers: unknown modifier {name!r}")
                continue
            for action in modifier.actions:
                problem = _action_problem(action, recipe, items)
                if problem:
                    problems.append(f"{where}.modifiers[{name}].{action.kind}: {problem}")
    return problems


def _action_problem(
    action: Remove | Scale | Add, recipe: Recipe, items: dict[str, Item]
) -> str | None:
    """Why ``action`` finds nothing to change in ``recipe``, or None."""
    if isinstance(action, Add):
        steps = {step.id for step in recipe.steps}
        if action.step not in steps:
            return f"recipe {recipe.id} has no step {action.step!r}"
        added = action.input
        found = _unit_problems("input", added.item, Quantity(added.qty, added.unit), items)
        return found[0] if found else None
    inputs = [given for step in recipe.steps for given in step.inputs]
    if not any(action.targets(given) for given in inputs):
        target = f"item {action.item!r}" if action.item else f"role {action.role!r}"
        return f"recipe {recipe.id} uses no {target}"
    return None
