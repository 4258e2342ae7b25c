"""Datasets and reports as data: a source from a closed catalogue, filters, grouping,
measures and a chart, checked when the file is loaded.

.. code-block:: yaml

    name: loss-by-store-and-week
    title: Loss by store and week
    source: stock_losses
    filters:
      - {field: code, op: in, value: [waste, spoilage, expired, damaged]}
    group_by: [site, week]
    measures:
      - {name: qty_lost, agg: sum, field: qty_lost}
      - {name: value_lost, agg: sum, field: value_lost}   # a cost field: gated
    chart: {kind: bar, x: week, y: qty_lost}

Every source has a time field and a site field, so every report takes the parameters
``from``, ``to`` (dates, ``to`` excluded) and ``site``. What a field is (text, number, time)
and which permission shows it are data here (``SOURCES``); the cloud maps each name to its
SQL and nothing else, so no word of a report file reaches SQL as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from domain.lifecycles import Where, located_errors

Kind = Literal["text", "number", "time"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field a source offers: its kind, and the permission that shows it (if gated)."""

    kind: Kind
    gate: str | None = None


_COST = "field.cost_price"
SOURCES: Mapping[str, Mapping[str, FieldSpec]] = {
    "stock_losses": {
        "site": FieldSpec("text"), "day": FieldSpec("time"), "week": FieldSpec("time"),
        "item": FieldSpec("text"), "lot": FieldSpec("text"), "location": FieldSpec("text"),
        "code": FieldSpec("text"), "reason": FieldSpec("text"), "unit": FieldSpec("text"),
        "qty_lost": FieldSpec("number"), "value_lost": FieldSpec("number", _COST),
    },
    "excursion_lots": {
        "site": FieldSpec("text"), "day": FieldSpec("time"), "week": FieldSpec("time"),
        "location": FieldSpec("text"), "excursion": FieldSpec("text"),
        "supplier": FieldSpec("text"), "item": FieldSpec("text"), "lot": FieldSpec("text"),
        "minutes": FieldSpec("number"),
    },
    "orders": {
        "site": FieldSpec("text"), "day": FieldSpec("time"), "week": FieldSpec("time"),
        "month": FieldSpec("time"), "order": FieldSpec("text"),
        "order_type": FieldSpec("text"), "customer": FieldSpec("text"),
        "state": FieldSpec("text"), "currency": FieldSpec("text"),
        "total": FieldSpec("number"), "paid": FieldSpec("number"),
        "cost_of_goods": FieldSpec("number", _COST), "margin": FieldSpec("number", _COST),
    },
}  # fmt: skip
"""The closed catalogue: source → field → what it is."""

Word = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Scalar = Annotated[str, StringConstraints(max_length=200)] | int | float
Aggregate = Literal["sum", "avg", "min", "max", "count", "count_distinct"]
_NUMERIC_ONLY = {"sum", "avg"}


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Part):
    field: Word
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in"]
    value: Scalar | list[Scalar]


class Measure(_Part):
    name: Word
    agg: Aggregate
    field: Word | None = None
    """The field aggregated; ``count`` alone counts rows."""


class Chart(_Part):
    kind: Literal["bar", "line"] = "bar"
    x: Word
    y: Word


class Dataset(_Part):
    """One report: where its rows come from and what it makes of them."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    source: Word
    filters: list[Filter] = Field(default_factory=list)
    group_by: list[Word] = Field(default_factory=list, max_length=6)
    measures: list[Measure] = Field(min_length=1, max_length=20)
    chart: Chart | None = None

    @model_validator(mode="after")
    def _known_fields(self) -> Dataset:
        problems = dataset_problems(self)
        if problems:
            raise located_errors("Dataset", problems)
        return self

    def columns(self) -> list[str]:
        """The output's columns: the groups, then the measures."""
        return [*self.group_by, *(m.name for m in self.measures)]

    def gates(self) -> dict[str, str]:
        """Column → the permission that shows it: a measure over a gated field is gated."""
        fields = SOURCES[self.source]
        gates = {g: fields[g].gate for g in self.group_by}
        gates |= {m.name: fields[m.field].gate if m.field else None for m in self.measures}
        return {column: gate for column, gate in gates.items() if gate is not None}


def dataset_problems(dataset: Dataset) -> list[tuple[Where, str]]:
    """Every field the dataset names that its source lacks or that does not suit its use."""
    fields = SOURCES.get(dataset.source)
    if fields is None:
        return [(("source",), f"unknown source {dataset.source!r} ({', '.join(SOURCES)})")]
    known = ", ".join(fields)
    problems: list[tuple[Where, str]] = []

    def check(where: Where, name: str) -> FieldSpec | None:
        if name not in fields:
            problems.append((where, f"{dataset.source} has no field {name!r} ({known})"))
        return fields.get(name)

    for index, rule in enumerate(dataset.filters):
        spec = check(("filters", index, "field"), rule.field)
        if spec and rule.op in {"lt", "le", "gt", "ge"} and spec.kind == "text":
            problems.append((("filters", index, "op"), f"{rule.op} does not suit text"))
    for index, name in enumerate(dataset.group_by):
        check(("group_by", index), name)
    names = list(dataset.group_by)
    for index, measure in enumerate(dataset.measures):
        where: Where = ("measures", index)
        if measure.name in names:
            problems.append(((*where, "name"), f"column {measure.name!r} is named twice"))
        names.append(measure.name)
        if measure.field is None:
            if measure.agg != "count":
                problems.append(((*where, "field"), f"{measure.agg} needs a field"))
            continue
        spec = check((*where, "field"), measure.field)
        if spec and measure.agg in _NUMERIC_ONLY and spec.kind != "number":
            message = f"{measure.agg} needs a number; {measure.field!r} is {spec.kind}"
            problems.append(((*where, "agg"), message))
    if dataset.chart is not None:
        if dataset.chart.x not in dataset.group_by:
            problems.append((("chart", "x"), f"{dataset.chart.x!r} is not one of group_by"))
        if dataset.chart.y not in {m.name for m in dataset.measures}:
            problems.append((("chart", "y"), f"{dataset.chart.y!r} is not one of the measures"))
    return problems
