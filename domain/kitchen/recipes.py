"""Recipes as data: menu items, their steps at stations, and the modifiers a guest may ask for.

A menu item names a recipe. A recipe is a list of steps; each step happens at one station
with one operation (thaw, cut, marinate, cook, plate…), consumes inputs and may produce
outputs. An input's ``qty`` is the *net* amount the dish needs (100 g diced onion); its
``yield_pct`` says how much of what leaves the lot survives trimming or thawing (70 %), so
the deduction takes more than the net amount from stock (see ``domain.kitchen.explosion``).
An output is an intermediate item (marinated chicken) that becomes a lot of its own.

Modifiers adjust inputs by rule: ``remove`` an item or a role ("no peanuts"), ``scale`` it
("extra portion": the role ``main-protein`` × 1.5), or ``add`` an input to a step. Targets
are named by item or by role, so one "extra portion" modifier serves every dish whose main
protein carries that role. References between all of these are checked with the rest of the
master data (``domain.kitchen.checks``).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.payloads import Name
from domain.quantity import Unit

Percent = Annotated[Decimal, Field(gt=0, le=100, allow_inf_nan=False)]
Positive = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class _Recipe(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Operation(StrEnum):
    THAW = "thaw"
    CUT = "cut"
    MARINATE = "marinate"
    MIX = "mix"
    AGE = "age"
    COOK = "cook"
    COOL = "cool"
    REHEAT = "reheat"
    PORTION = "portion"
    PLATE = "plate"


class StepInput(_Recipe):
    """An item a step uses: ``qty`` net per portion, before yield loss."""

    item: Name
    qty: Positive
    unit: Unit
    yield_pct: Percent = Decimal(100)
    role: Name | None = None
    """What the input is in the dish (``main-protein``), for modifiers that target a role."""


class StepOutput(_Recipe):
    """An intermediate item a step makes, per portion; it becomes a lot."""

    item: Name
    qty: Positive
    unit: Unit
    store_at: Name | None = None
    """Where the new lot goes (a cold room); the step's station when not given."""


class Step(_Recipe):
    id: Name
    station: Name
    operation: Operation
    inputs: list[StepInput] = []
    outputs: list[StepOutput] = []

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        if not self.inputs and not self.outputs:
            raise ValueError(f"step {self.id}: a step needs inputs, outputs or both")
        return self


class Recipe(_Recipe):
    id: Name
    name: Name
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_steps(self) -> Self:
        ids = [step.id for step in self.steps]
        repeated = sorted({step for step in ids if ids.count(step) > 1})
        if repeated:
            raise ValueError(f"recipe {self.id}: step ids repeat: {', '.join(repeated)}")
        return self


class _Targeted(_Recipe):
    """An action on existing inputs, named by item or by role (exactly one)."""

    item: Name | None = None
    role: Name | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.item is None) == (self.role is None):
            raise ValueError("name exactly one of item or role")
        return self

    def targets(self, given: StepInput) -> bool:
        return given.item == self.item if self.item is not None else given.role == self.role


class Remove(_Targeted):
    """Leave an input out ("no peanuts")."""

    kind: Literal["remove"]


class Scale(_Targeted):
    """Multiply an input ("extra portion": the main protein × 1.5)."""

    kind: Literal["scale"]
    factor: Positive


class Add(_Recipe):
    """Add an input to a step ("extra chili": 3 g dried chili at the wok)."""

    kind: Literal["add"]
    step: Name
    input: StepInput


ModifierAction = Annotated[Remove | Scale | Add, Field(discriminator="kind")]


class Modifier(_Recipe):
    id: Name
    name: Name
    actions: list[ModifierAction] = Field(min_length=1)


class MenuItem(_Recipe):
    id: Name
    name: Name
    recipe: Name
    modifiers: list[Name] = []
    """The modifiers this dish may be ordered with."""
