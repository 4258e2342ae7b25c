from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from domain.kitchen.clocks.rules import ClockRules, ThawMethod
from domain.kitchen.recipes import Remove
from domain.masterdata import MasterData, UnknownReference
from domain.quantity import Quantity, Unit
from edge_agent.yaml_config import ConfigError, load_model
from tests.domain.kitchen.conftest import KITCHEN


def test_the_example_restaurant_loads_with_its_recipes_menu_and_modifiers(
    master: MasterData,
) -> None:
    assert [dish.id for dish in master.menu] == ["kung-pao"]
    wok = master.recipe("kung-pao-chicken").steps[0]
    assert (wok.station, wok.operation.value) == ("wok", "cook")
    assert [(i.item, i.qty) for i in wok.inputs[:3]] == [
        ("chicken-marinated", Decimal(180)),
        ("peanuts", Decimal(30)),
        ("dried-chili", Decimal(5)),
    ]
    assert master.item("chicken-thigh-frozen").storage == "frozen"
    assert master.item("peanuts").allergens == ["peanut"]
    assert [loc.id for loc in master.location_path("walk-in-shelf-1")] == [
        "walk-in-shelf-1",
        "walk-in",
        "stores",
        "sichuan-1",
    ]


def test_packs_unpack_to_the_base_unit_through_smaller_packs(master: MasterData) -> None:
    soy = master.item("soy-sauce")
    assert soy.unpack(Decimal(2), "case") == Quantity(Decimal(6000), Unit.ML)
    assert soy.unpack(Decimal(1), "bottle") == Quantity(Decimal(500), Unit.ML)
    assert master.item("peanuts").unpack(Decimal(1), "case") == Quantity(Decimal(10000), Unit.G)
    # a recipe may weigh what is stocked by volume: the density converts it
    assert soy.to_base(Quantity(Decimal(120), Unit.G)) == Quantity(Decimal(100), Unit.ML)


def test_the_example_clock_rules_cover_every_item_class(
    master: MasterData, rules: ClockRules
) -> None:
    assert rules.problems(master) == []
    poultry = rules.for_item(master, "chicken-thigh-frozen")
    assert poultry.thawing[ThawMethod.RUNNING_WATER].max_total is not None
    assert rules.for_item(master, "peanuts").thawing == {}


def _broken(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load((KITCHEN / "masterdata.yaml").read_text())
    data.update(change)
    path = tmp_path / "masterdata.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_recipe_naming_an_unknown_item_and_station_is_refused_by_field(
    tmp_path: Path, master: MasterData
) -> None:
    recipe = master.recipe("kung-pao-chicken").model_dump(mode="json")
    recipe["steps"][0]["inputs"][1]["item"] = "peanut"
    recipe["steps"][0]["station"] = "grill"
    path = _broken(tmp_path, {"recipes": [recipe]})
    with pytest.raises(ConfigError) as caught:
        load_model(path, MasterData)
    message = str(caught.value)
    # each problem points at its line in the file, and names the parts by id
    lines = path.read_text().splitlines()
    peanut = next(n for n, text in enumerate(lines, 1) if text.endswith("item: peanut"))
    assert f"masterdata.yaml:{peanut}: recipes[0].steps[0].inputs[1].item: recipe " in message
    assert "kung-pao-chicken, step wok: unknown item 'peanut'" in message
    assert "recipes[0].steps[0].station: recipe kung-pao-chicken, step wok: unknown location" in (
        message
    )
    assert "menu[0].modifiers[0]: kung-pao: modifier no-peanuts (remove): recipe " in message


def test_units_that_cannot_convert_locations_out_of_place_and_repeated_ids_are_refused(
    master: MasterData,
) -> None:
    data = master.model_dump(mode="json")
    data["recipes"][2]["steps"][1]["inputs"][0]["unit"] = "ml"  # rice has no density
    data["locations"].append({"id": "wok", "name": "Second wok", "kind": "station"})
    data["locations"].append({"id": "shelf-x", "name": "X", "kind": "shelf", "parent": "kitchen"})
    with pytest.raises(ValidationError) as caught:
        MasterData.model_validate(data)
    message = str(caught.value)
    wok, shelf = len(data["locations"]) - 2, len(data["locations"]) - 1
    assert (
        "recipes.2.steps.1.inputs.0.unit\n  recipe kung-pao-chicken, step plate: ml for" in message
    )
    assert f"locations.{wok}.id\n  id 'wok' is used more than once" in message
    assert f"locations.{wok}.parent\n  wok: a station must sit in a location" in message
    assert f"locations.{shelf}.parent\n  shelf-x: a shelf cannot sit in area kitchen" in message


def test_field_rules_of_items_and_modifiers() -> None:
    with pytest.raises(ValidationError, match="name exactly one of item or role"):
        Remove(kind="remove", item="peanuts", role="nuts")
    with pytest.raises(ValidationError, match="packs contain each other"):
        MasterData.model_validate(
            {
                "items": [
                    {
                        "id": "x",
                        "name": "X",
                        "base_unit": "g",
                        "packs": [
                            {"name": "a", "contains": 2, "of": "b"},
                            {"name": "b", "contains": 2, "of": "a"},
                        ],
                    }
                ]
            }
        )
    with pytest.raises(ValidationError, match="yield_pct"):
        MasterData.model_validate(
            {
                "recipes": [
                    {
                        "id": "r",
                        "name": "R",
                        "steps": [
                            {
                                "id": "s",
                                "station": "x",
                                "operation": "cut",
                                "inputs": [{"item": "x", "qty": 1, "unit": "g", "yield_pct": 0}],
                            }
                        ],
                    }
                ]
            }
        )


def test_unknown_names_raise_a_domain_error(master: MasterData) -> None:
    with pytest.raises(UnknownReference, match="unknown menu item 'pizza'"):
        master.menu_item("pizza")


def test_clock_rules_refuse_running_water_without_a_limit_and_unknown_classes(
    master: MasterData,
) -> None:
    with pytest.raises(ValidationError, match="raw animal food needs a max_total"):
        ClockRules.model_validate(
            {
                "classes": {
                    "raw": {"raw_animal": True, "thawing": {"running_water": {"hours_per_kg": 1}}}
                }
            }
        )
    assert ClockRules().problems(master)[0] == (
        "items[chicken-thigh-frozen].clock_class: unknown clock class 'raw-poultry'"
    )
