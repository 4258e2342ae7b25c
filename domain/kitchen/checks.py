"""Cross-references in master data: every name a recipe, dish or modifier uses must resolve.

Separate from the models so each model checks only its own fields, and this one place says
how the parts fit together (a step's station is a location, an input's unit converts to its
item's base unit, a dish's modifier finds something to change in the dish's recipe). Each
problem carries the path of the field (``recipes.2.steps.0.inputs.1.item``), so a loader can
point at the file's line, and a message that names the parts by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.kitchen.locations import PARENT_KINDS, STEP_PLACES, Location
from domain.kitchen.recipes import Add, Recipe, Remove, Scale
from domain.quantity import Quantity

if TYPE_CHECKING:
    from domain.masterdata import Item, MasterData

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    loc: Loc
    message: str


def reference_problems(master: MasterData) -> list[Problem]:
    """Every broken reference in ``master``; empty when all resolve."""
    items = {item.id: item for item in master.items}
    places = {loc.id: loc for loc in master.locations}
    problems = [
        *_repeats("items", [item.id for item in master.items]),
        *_repeats("locations", [loc.id for loc in master.locations]),
        *_repeats("recipes", [r.id for r in master.recipes]),
        *_repeats("menu", [m.id for m in master.menu]),
        *_repeats("modifiers", [m.id for m in master.modifiers]),
        *_supplier_problems(master, items),
        *_location_problems(master.locations, places),
    ]
    for index, recipe in enumerate(master.recipes):
        problems += _recipe_problems(("recipes", index), recipe, items, places)
    problems += _menu_problems(master)
    return problems


def _repeats(part: str, ids: Sequence[str]) -> list[Problem]:
    return [
        Problem((part, index, "id"), f"id {each!r} is used more than once")
        for index, each in enumerate(ids)
        if each in ids[:index]
    ]


def _supplier_problems(master: MasterData, items: dict[str, Item]) -> list[Problem]:
    return [
        Problem(
            ("suppliers", s, "approved", o, "item"),
            f"supplier {supplier.id}: approved item {offer.item!r} is not an item",
        )
        for s, supplier in enumerate(master.suppliers)
        for o, offer in enumerate(supplier.approved)
        if offer.item not in items
    ]


def _location_problems(locations: Iterable[Location], places: dict[str, Location]) -> list[Problem]:
    problems = []
    for index, loc in enumerate(locations):
        allowed = PARENT_KINDS[loc.kind]
        where = ("locations", index, "parent")
        if loc.parent is None:
            if allowed:
                problems.append(
                    Problem(where, f"{loc.id}: a {loc.kind.value} must sit in a location")
                )
        elif loc.parent not in places:
            problems.append(Problem(where, f"{loc.id}: unknown location {loc.parent!r}"))
        elif places[loc.parent].kind not in allowed:
            kind = places[loc.parent].kind.value
            message = f"{loc.id}: a {loc.kind.value} cannot sit in {kind} {loc.parent}"
            problems.append(Problem(where, message))
    return problems


def _recipe_problems(
    at: Loc, recipe: Recipe, items: dict[str, Item], places: dict[str, Location]
) -> list[Problem]:
    problems = []
    for s, step in enumerate(recipe.steps):
        where, named = (*at, "steps", s), f"recipe {recipe.id}, step {step.id}"
        place = places.get(step.station)
        if place is None:
            problems.append(
                Problem((*where, "station"), f"{named}: unknown location {step.station!r}")
            )
        elif place.kind not in STEP_PLACES:
            problems.append(
                Problem((*where, "station"), f"{named}: {step.station} is a {place.kind.value}")
            )
        for i, given in enumerate(step.inputs):
            qty = Quantity(given.qty, given.unit)
            problems += _unit_problems((*where, "inputs", i), named, given.item, qty, items)
        for o, output in enumerate(step.outputs):
            out = (*where, "outputs", o)
            qty = Quantity(output.qty, output.unit)
            problems += _unit_problems(out, named, output.item, qty, items)
            if output.store_at is not None and output.store_at not in places:
                message = f"{named}: unknown location {output.store_at!r}"
                problems.append(Problem((*out, "store_at"), message))
    return problems


def _unit_problems(
    where: Loc, named: str, item_id: str, qty: Quantity, items: dict[str, Item]
) -> list[Problem]:
    item = items.get(item_id)
    if item is None:
        return [Problem((*where, "item"), f"{named}: unknown item {item_id!r}")]
    try:
        item.to_base(qty)
    except ValueError as exc:
        message = f"{named}: {qty.unit.value} for {item_id} (base {item.base_unit}): {exc}"
        return [Problem((*where, "unit"), message)]
    return []


def _menu_problems(master: MasterData) -> list[Problem]:
    recipes = {r.id: r for r in master.recipes}
    modifiers = {m.id: m for m in master.modifiers}
    items = {item.id: item for item in master.items}
    problems = []
    for d, dish in enumerate(master.menu):
        recipe = recipes.get(dish.recipe)
        if recipe is None:
            message = f"{dish.id}: unknown recipe {dish.recipe!r}"
            problems.append(Problem(("menu", d, "recipe"), message))
            continue
        for m, name in enumerate(dish.modifiers):
            modifier = modifiers.get(name)
            if modifier is None:
                message = f"{dish.id}: unknown modifier {name!r}"
                problems.append(Problem(("menu", d, "modifiers", m), message))
                continue
            for action in modifier.actions:
                problem = _action_problem(action, recipe, items)
                if problem:
                    message = f"{dish.id}: modifier {name} ({action.kind}): {problem}"
                    problems.append(Problem(("menu", d, "modifiers", m), message))
    return problems


def _action_problem(
    action: Remove | Scale | Add, recipe: Recipe, items: dict[str, Item]
) -> str | None:
    """Why ``action`` finds nothing to change in ``recipe``, or None."""
    if isinstance(action, Add):
        if action.step not in {step.id for step in recipe.steps}:
            return f"recipe {recipe.id} has no step {action.step!r}"
        added = Quantity(action.input.qty, action.input.unit)
        found = _unit_problems((), "input", action.input.item, added, items)
        return found[0].message if found else None
    inputs = [given for step in recipe.steps for given in step.inputs]
    if not any(action.targets(given) for given in inputs):
        target = f"item {action.item!r}" if action.item else f"role {action.role!r}"
        return f"recipe {recipe.id} uses no {target}"
    return None
