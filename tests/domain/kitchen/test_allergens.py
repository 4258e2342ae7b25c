"""Allergens derived through recipes and modifiers (issue 18, item 8): marinated chicken
carries its soy sauce's wheat; Kung Pao without peanuts carries no peanut."""

from __future__ import annotations

from domain.kitchen.allergens import dish_allergens, item_allergens
from domain.kitchen.explosion import OrderLine
from domain.masterdata import MasterData


def test_an_intermediate_carries_the_allergens_of_its_inputs(master: MasterData) -> None:
    assert master.item("chicken-marinated").allergens == ["soy"]  # as declared
    assert item_allergens(master, "chicken-marinated") == {"soy", "wheat"}


def test_a_dishs_allergens_follow_its_modifiers(master: MasterData) -> None:
    plain = dish_allergens(master, OrderLine("o1", 1, "kung-pao"))
    no_peanuts = dish_allergens(master, OrderLine("o1", 2, "kung-pao", 1, ("no-peanuts",)))
    assert plain == {"soy", "wheat", "peanut"}
    assert no_peanuts == {"soy", "wheat"}
