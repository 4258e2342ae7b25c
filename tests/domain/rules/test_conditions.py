"""Conditions compare like Python compares values of one kind; absent values never match."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.rules.conditions import Condition, holds, typed
from domain.rules.fields import LOT_FIELDS

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)
PYTHON: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
numbers = st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False)


def condition(document: object) -> Condition:
    built, problems = typed(CONDITION.validate_python(document), LOT_FIELDS)
    assert problems == []
    return built


@given(op=st.sampled_from(sorted(PYTHON)), fact=numbers, value=numbers)
def test_numbers_compare_as_decimals_whatever_the_yaml_wrote(
    op: str, fact: Decimal, value: Decimal
) -> None:
    written = float(value) if value == Decimal(repr(float(value))) else str(value)
    leaf = condition({"field": "lot.qty", "op": op, "value": written})
    assert holds(leaf, {"lot.qty": fact}) is PYTHON[op](fact, value)
    assert holds(leaf, {"lot.qty": int(fact)}) is PYTHON[op](Decimal(int(fact)), value)


@given(op=st.sampled_from(sorted(PYTHON)), hours=st.integers(-100, 100))
def test_durations_read_from_iso_8601(op: str, hours: int) -> None:
    leaf = condition({"field": "lot.remaining_shelf_life", "op": op, "value": "P1D"})
    left = timedelta(hours=hours)
    assert holds(leaf, {"lot.remaining_shelf_life": left}) is PYTHON[op](left, timedelta(days=1))


@given(op=st.sampled_from([*PYTHON, "in", "not_in"]))
def test_an_absent_value_matches_no_comparison_only_exists_false(op: str) -> None:
    value = [1, 2] if op in ("in", "not_in") else 1
    leaf = condition({"field": "lot.days_to_expiry", "op": op, "value": value})
    assert not holds(leaf, {})
    assert not holds(leaf, {"lot.days_to_expiry": None})
    assert holds(condition({"field": "lot.days_to_expiry", "op": "exists", "value": False}), {})


leaves = st.builds(
    lambda op, value: {"field": "lot.qty", "op": op, "value": value},
    st.sampled_from(sorted(PYTHON)),
    st.integers(-5, 5),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=8,
)


def reference(document: dict[str, Any], qty: Decimal) -> bool:
    """The same tree evaluated with Python's own all/any/not."""
    if "all" in document:
        return all(reference(part, qty) for part in document["all"])
    if "any" in document:
        return any(reference(part, qty) for part in document["any"])
    if "not" in document:
        return not reference(document["not"], qty)
    return PYTHON[document["op"]](qty, Decimal(document["value"]))


@given(tree=trees, qty=st.integers(-6, 6))
def test_all_any_not_are_pythons(tree: dict[str, Any], qty: int) -> None:
    assert holds(condition(tree), {"lot.qty": Decimal(qty)}) is reference(tree, Decimal(qty))


def test_text_lists_and_enums_compare_by_their_text() -> None:
    from domain.masterdata import StorageClass
    from domain.rules.fields import ITEM_FIELDS

    leaf, problems = typed(
        CONDITION.validate_python(
            {"field": "item.storage", "op": "in", "value": ["chilled", "frozen"]}
        ),
        ITEM_FIELDS,
    )
    assert problems == []
    assert holds(leaf, {"item.storage": StorageClass.CHILLED})
    assert not holds(leaf, {"item.storage": StorageClass.AMBIENT})
