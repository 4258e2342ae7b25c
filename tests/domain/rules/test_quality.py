"""Quality checks: a failure holds what it covers (built in); a rule as data freezes the
work in progress where the lot was used when the failed check involves an allergen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.payloads import LotBlocked, QualityChecked
from domain.rules.engine import RuleEngine
from domain.rules.quality import failure_holds, locations_using
from tests.domain.rules.builders import Site, lot, rules

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)

ALLERGEN_FREEZE = """
rules:
  - id: allergen-freeze
    when: {event: quality.checked}
    if:
      all:
        - {field: event.result, op: eq, value: fail}
        - {field: event.allergen, op: eq, value: true}
    targets: [quality_manager]
    actions:
      - freeze_where_used: {reason: "allergen in {lot.item} {lot.id}: used here"}
      - notify: {message: "allergen failure of {lot.item} {lot.id}", severity: critical}
"""


def check(result: str = "fail", *, location: str | None = "store", allergen: bool = True,
          allergens: tuple[str, ...] = ("peanut",)) -> QualityChecked:  # fmt: skip
    return QualityChecked(item="flour", lot="F-1", location=location, result=result,
                          allergen=allergen, allergens=list(allergens) if allergen else [],
                          report="LAB-881")  # fmt: skip


def site() -> Site:
    """Flour F-1 in the store and at the mixer; the mixer and the oven line used it; dough
    and a sauce sit at those places, and sugar in the store."""
    return Site(
        lots=[lot("flour", "F-1", "2000", None, at="store"),
              lot("flour", "F-1", "300", None, at="mixer"),
              lot("dough", "D-7", "5000", None, at="mixer"),
              lot("biscuits", "B-1", "900", None, at="oven-line"),
              lot("sauce", "S-2", "800", None, at="oven-line"),
              lot("sugar", "S-1", "700", None, at="store")],
        used={("flour", "F-1"): {"mixer", "oven-line"}},
    )  # fmt: skip


def blocked(drafts: list[EventDraft]) -> list[tuple[str, str, str, str]]:
    out = []
    for draft in drafts:
        if draft.type == "lot.blocked":
            assert isinstance(draft.payload, LotBlocked)
            p = draft.payload
            out.append((p.item, p.lot, p.location, p.reason))
    return out


def test_a_failure_holds_the_lot_where_checked_or_everywhere() -> None:
    on_hand = [k.key for k in site().lots]

    here = failure_holds(check(), AT, on_hand, held=())
    everywhere = failure_holds(check(location=None), AT, on_hand, held=())
    passed = failure_holds(check("pass"), AT, on_hand, held=())
    again = failure_holds(check(location=None), AT, on_hand,
                          held={StockKey("flour", "F-1", "mixer")})  # fmt: skip

    reason = "quality check failed (allergen: peanut), report LAB-881"
    assert blocked(here) == [("flour", "F-1", "store", reason)]
    assert [b[2] for b in blocked(everywhere)] == ["mixer", "store"]
    assert passed == []
    assert [b[2] for b in blocked(again)] == ["store"]  # the held one is not held twice
    causes = {d.payload.cause for d in here if isinstance(d.payload, LotBlocked)}
    assert causes == {"quality:LAB-881@2026-12-05T09:30:00+00:00"}


def test_an_allergen_failure_freezes_every_lot_where_the_lot_was_used() -> None:
    engine = RuleEngine(rules(ALLERGEN_FREEZE))
    draft = EventDraft("quality.checked", AT, check())

    out = engine.react([draft], site())

    assert out[0] is draft
    frozen = blocked(out)
    assert [(item, name, place) for item, name, place, _ in frozen] == [
        ("dough", "D-7", "mixer"), ("flour", "F-1", "mixer"),
        ("biscuits", "B-1", "oven-line"), ("sauce", "S-2", "oven-line"),
    ]  # fmt: skip
    assert {reason for *_, reason in frozen} == {"allergen in flour F-1: used here"}
    assert [d.type for d in out[1:]][-1] == "notification.raised"
    # the store and its sugar were not where the flour was used
    assert not any(place == "store" for _, _, place, _ in frozen)


@pytest.mark.parametrize(
    ("result", "allergen"), [("pass", True), ("fail", False)], ids=["passed", "no-allergen"]
)
def test_no_freeze_without_a_failure_that_involves_an_allergen(result: str, allergen: bool) -> None:
    engine = RuleEngine(rules(ALLERGEN_FREEZE))
    out = engine.react([EventDraft("quality.checked", AT, check(result, allergen=allergen))],
                       site())  # fmt: skip
    assert len(out) == 1


def test_a_check_without_location_still_freezes_and_what_is_held_stays_held_once() -> None:
    place = site()
    place.holds.add(StockKey("sauce", "S-2", "oven-line"))
    engine = RuleEngine(rules(ALLERGEN_FREEZE))

    out = engine.react([EventDraft("quality.checked", AT, check(location=None))], place)

    assert [(i, n, p) for i, n, p, _ in blocked(out)] == [
        ("dough", "D-7", "mixer"), ("flour", "F-1", "mixer"), ("biscuits", "B-1", "oven-line"),
    ]  # fmt: skip


def test_the_check_refuses_allergens_without_its_flag_and_rules_name_only_what_exists() -> None:
    with pytest.raises(ValidationError, match="allergen must be true"):
        QualityChecked(item="flour", lot="F-1", result="fail", allergens=["peanut"])
    with pytest.raises(ValidationError, match=r"event\.allergen_name"):
        rules(ALLERGEN_FREEZE.replace("event.allergen,", "event.allergen_name,"))
    with pytest.raises(ValidationError, match="freeze_where_used needs lots"):
        rules("""
rules:
  - id: no-lot
    when: {event: device.alarm}
    targets: [quality_manager]
    actions: [{freeze_where_used: {reason: "x"}}]
""")


def test_where_a_lot_was_used_is_where_it_was_consumed_or_made_into_something() -> None:
    flour = {"item": "flour", "lot": "F-1"}
    events: list[tuple[str, dict[str, Any]]] = [
        ("lot.received", {**flour, "location": "store"}),
        ("stock.consumed", {**flour, "location": "mixer"}),
        ("stock.step_consumed", {**flour, "location": "pastry"}),
        ("stock.consumed", {"item": "flour", "lot": "F-2", "location": "bakery"}),
        ("stock.produced", {"item": "dough", "lot": "D-7", "location": "oven-line",
                            "inputs": [{**flour, "location": "store"}]}),
        ("stock.produced", {"item": "jam", "lot": "J-1", "location": "jam-line",
                            "inputs": [{"item": "fruit", "lot": "F-1", "location": "store"}]}),
    ]  # fmt: skip
    assert locations_using(events, "flour", "F-1") == {"mixer", "pastry", "oven-line"}
