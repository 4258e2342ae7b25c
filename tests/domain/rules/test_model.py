"""A rule is checked at load against its trigger: every mistake is refused with its place."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from pydantic import ValidationError

from domain.rules.conditions import AllOf, Compare
from domain.rules.model import RuleBook
from tests.domain.rules.builders import rules

GOOD = """
rules:
  - id: shelf
    when: {every: PT5M}
    if: {all: [{field: lot.remaining_shelf_life, op: lt, value: P1D},
               {field: lot.qty, op: ge, value: "2.5"}]}
    targets: [kitchen_manager]
    actions:
      - notify: {message: "{lot.item} {lot.id}"}
      - block_lot: {reason: "short", if: {field: lot.blocked, op: eq, value: false}}
"""


def problems(text: str) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as error:
        RuleBook.model_validate(yaml.safe_load(text))
    return [(tuple(e["loc"]), e["msg"]) for e in error.value.errors()]


def test_values_are_read_as_the_kind_of_their_field() -> None:
    (rule,) = rules(GOOD)
    assert isinstance(rule.if_, AllOf)
    shelf, qty = rule.if_.all_
    assert isinstance(shelf, Compare)
    assert shelf.value == timedelta(days=1)
    assert isinstance(qty, Compare)
    assert qty.value == Decimal("2.5")


def test_a_lot_action_needs_lots_and_a_message_needs_someone_to_read_it() -> None:
    found = problems(
        """
rules:
  - id: alarm
    when: {event: device.alarm}
    actions:
      - notify: {message: "{event.device} says {event.message}"}
      - block_lot: {reason: "no lot here"}
"""
    )
    assert (
        ("rules", 0, "actions", 0, "notify"),
        "notify needs targets: the roles it is for",
    ) in found
    assert any(
        loc == ("rules", 0, "actions", 1, "block_lot") and "needs lots" in msg for loc, msg in found
    )


def test_for_each_needs_an_event_with_a_location_and_lot_fields_are_per_lot() -> None:
    found = problems(
        """
rules:
  - id: excursion
    when: {event: excursion.opened}
    for_each: lot_at_location
    targets: [quality_manager]
    actions:
      - notify: {message: "{lot.id} is in the room"}
  - id: online
    when: {event: device.online}
    for_each: lot_at_location
    actions: [{block_lot: {reason: x}}]
"""
    )
    locs = [loc for loc, _ in found]
    assert ("rules", 0, "actions", 0, "notify", "message") in locs  # once per excursion
    assert ("rules", 1, "for_each") in locs


def test_a_clock_rules_cause_must_name_the_lot_and_ids_are_unique() -> None:
    found = problems(GOOD.replace("    targets:", "    cause: shelf-life\n    targets:"))
    assert found == [(("rules", 0, "cause"), "a clock rule's cause must name the lot: {lot.id}")]
    twice = GOOD + GOOD.split("rules:\n", 1)[1]
    assert "rule ids must be unique; repeated: ['shelf']" in problems(twice)[0][1]


def test_a_brace_that_opens_nothing_is_refused() -> None:
    found = problems(GOOD.replace('"{lot.item} {lot.id}"', '"{lot.item} {"'))
    assert any("a lone { or }" in message for _, message in found)
