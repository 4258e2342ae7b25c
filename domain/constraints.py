"""Process constraints: rules on items, written as master data, that say which units may be
used together, and a checker that answers allowed or refused-with-reason.

A rule names an item, the units it covers (``when``: conditions on the unit's attributes)
and what those units need (``require``). "Servo motor serials 001-500 only with firmware
V2.3" reads::

    - id: servo-fw-v23
      item: servo-motor
      when: [{attribute: serial, between: ["001", "500"]}]
      require: [{attribute: firmware, equals: "V2.3"}]
      reason: servo motors 001-500 need firmware V2.3 (ECN-17)
      separate: true

Attributes are plain text the process knows about a unit: the serial and batch written on
it, the firmware or programming version flashed, the mould it came from, the temperature
profile it was made under. At receipt a lot carries the supplier's attributes; at kitting
and assembly the operation adds its own (the firmware the station flashes), so a rule can
tie a component's batch to the programming version of the product it goes into.

A rule only speaks about units its ``when`` covers; a covered unit that lacks a required
attribute is refused (an unknown firmware is not V2.3). ``separate`` rules also decide
put-away: lots a rule covers are kept in locations apart from lots of the same item it does
not cover, so a first-in-first-out pick cannot mix them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.values import PROSE, Name

Stage = Literal["receipt", "kitting", "assembly"]
STAGES: tuple[Stage, ...] = ("receipt", "kitting", "assembly")

Attributes = Mapping[str, str]
"""What is known about one unit or lot: ``{"serial": "0042", "firmware": "V2.2"}``."""


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Rule):
    """One test on one attribute: exactly one of ``equals``, ``one_of``, ``between``,
    ``prefix``."""

    attribute: Name
    equals: Name | None = None
    one_of: list[Name] | None = None
    between: tuple[Name, Name] | None = None
    """Inclusive. Serials of digits compare as numbers ("007" < "120"), others as text."""
    prefix: Name | None = None

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Self:
        given = [t for t in ("equals", "one_of", "between", "prefix") if getattr(self, t)]
        if len(given) != 1:
            raise ValueError(
                f"condition on {self.attribute!r}: give exactly one of equals, one_of, "
                f"between, prefix (given: {', '.join(given) or 'none'})"
            )
        if self.between is not None and _order(self.between[0]) > _order(self.between[1]):
            raise ValueError(f"condition on {self.attribute!r}: between runs backwards")
        return self

    def holds(self, attributes: Attributes) -> bool:
        """Whether ``attributes`` pass this test (a missing attribute passes none)."""
        value = attributes.get(self.attribute)
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.one_of is not None:
            return value in self.one_of
        if self.between is not None:
            low, high = self.between
            return _comparable(low, value, high) and _order(low) <= _order(value) <= _order(high)
        return self.prefix is not None and value.startswith(self.prefix)

    def describe(self) -> str:
        """The test in words, for a refusal: ``firmware = V2.3``."""
        if self.equals is not None:
            return f"{self.attribute} = {self.equals}"
        if self.one_of is not None:
            return f"{self.attribute} one of {', '.join(self.one_of)}"
        if self.between is not None:
            return f"{self.attribute} {self.between[0]}-{self.between[1]}"
        return f"{self.attribute} starts with {self.prefix}"


class Constraint(_Rule):
    """A process constraint on one item (see the module's docstring)."""

    id: Name
    item: Name
    when: list[Condition] = []
    """All must hold for the rule to cover a unit; empty covers every unit of the item."""
    require: Annotated[list[Condition], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=1, max_length=500), PROSE]
    at: list[Stage] = list(STAGES)
    separate: bool = False
    """Covered lots are put away apart from uncovered lots of the same item."""

    def covers(self, item: str, attributes: Attributes) -> bool:
        """Whether this rule speaks about this unit."""
        return item == self.item and all(c.holds(attributes) for c in self.when)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One rule a unit breaks, and why."""

    constraint: str
    reason: str
    missing: tuple[str, ...]
    """The required tests the unit failed, in words (``firmware = V2.3 (has V2.2)``)."""

    def __str__(self) -> str:
        return f"{self.constraint}: {self.reason} ({'; '.join(self.missing)})"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Allowed, or refused with every rule broken."""

    refusals: tuple[Refusal, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def reason(self) -> str:
        """All refusals in one line ('' when allowed)."""
        return "; ".join(str(r) for r in self.refusals)


def check(
    constraints: Iterable[Constraint], item: str, attributes: Attributes, stage: Stage
) -> Verdict:
    """Whether a unit of ``item`` with ``attributes`` may pass ``stage``."""
    refusals = []
    for rule in constraints:
        if stage not in rule.at or not rule.covers(item, attributes):
            continue
        failed = tuple(
            f"{c.describe()} (has {attributes.get(c.attribute, 'none')})"
            for c in rule.require
            if not c.holds(attributes)
        )
        if failed:
            refusals.append(Refusal(rule.id, rule.reason, failed))
    return Verdict(tuple(refusals))


def putaway_class(constraints: Iterable[Constraint], item: str, attributes: Attributes) -> str:
    """The storage class of a lot: the ids of the ``separate`` rules covering it, joined
    ('' when none). Lots of one item in one location must share it."""
    return ",".join(sorted(r.id for r in constraints if r.separate and r.covers(item, attributes)))


def check_putaway(
    constraints: Sequence[Constraint],
    item: str,
    attributes: Attributes,
    location: str,
    lots_there: Iterable[Attributes],
) -> Verdict:
    """Whether a lot received with ``attributes`` may be put away in ``location``, which
    already holds lots of ``item`` with ``lots_there``; refused when the receipt itself
    breaks a rule, or when it would mix lots of different storage classes."""
    verdict = check(constraints, item, attributes, "receipt")
    mine = putaway_class(constraints, item, attributes)
    for other in lots_there:
        theirs = putaway_class(constraints, item, other)
        if theirs != mine:
            why = (
                f"{item} lots under {mine or 'no separate rule'} are kept apart from lots "
                f"under {theirs or 'no separate rule'}"
            )
            mixed = Refusal("separate", f"location {location} holds other {item} lots", (why,))
            return Verdict((*verdict.refusals, mixed))
    return verdict


def _order(text: str) -> tuple[int, int | str]:
    """A sort key where serials of digits compare as numbers and anything else as text."""
    return (0, int(text)) if text.isdigit() else (1, text)


def _comparable(low: str, value: str, high: str) -> bool:
    # A serial range of digits says nothing about a serial with letters, and the other way.
    return low.isdigit() == value.isdigit() == high.isdigit()
