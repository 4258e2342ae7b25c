"""Datasets as data: the shipped examples load, and a field the source lacks, an aggregate
that does not suit a field or a chart over nothing is named with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.reports import Dataset
from edge_agent.yaml_config import ConfigError, load_model

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "reports").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_loads(path: Path) -> None:
    dataset = load_model(path, Dataset)
    assert dataset.columns()[: len(dataset.group_by)] == dataset.group_by


def test_three_examples_ship() -> None:
    assert len(EXAMPLES) >= 3


def test_a_cost_measure_is_gated() -> None:
    loss = load_model(EXAMPLES[1], Dataset)  # loss_by_store_and_week
    assert loss.name == "loss-by-store-and-week"
    assert loss.gates() == {"value_lost": "field.cost_price"}


BROKEN = """\
name: broken
title: Broken
source: stock_losses
filters:
  - {field: reason, op: gt, value: 3}
group_by: [site, colour]
measures:
  - {name: qty, agg: sum, field: item}
  - {name: qty, agg: avg}
chart: {x: week, y: nothing}
"""


def test_every_mistake_is_named_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_model(path, Dataset)
    problems = "\n".join(caught.value.problems)
    for expected in (
        ":5: filters[0].op: gt does not suit text",
        ":6: group_by[1]: stock_losses has no field 'colour'",
        ":8: measures[0].agg: sum needs a number; 'item' is text",
        ":9: measures[1].name: column 'qty' is named twice",
        ":9: measures[1].field: avg needs a field",
        ":10: chart.x: 'week' is not one of group_by",
        ":10: chart.y: 'nothing' is not one of the measures",
    ):
        assert f"{path}{expected}" in problems, (expected, problems)


def test_a_name_that_could_reach_sql_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    text = BROKEN.replace("colour", '"site; DROP TABLE events"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_model(path, Dataset)
    assert any(":6: group_by[1]: String should match pattern" in p for p in caught.value.problems)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: x\ntitle: X\nsource: salaries\nmeasures: [{name: n, agg: count}]\n")
    with pytest.raises(ConfigError, match=r":3: source: unknown source 'salaries'"):
        load_model(unknown, Dataset)
