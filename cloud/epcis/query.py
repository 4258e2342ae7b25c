"""The standard filters of an EPCIS query (``GET /epcis/events``) over our events.

SQL narrows what it can (types, time, sites, one lot); the rest is judged on the EPCIS
events themselves, so every filter means what the EPCIS 2.0 standard says: ``MATCH_epc``
and ``MATCH_anyEPC`` look at instance-level EPCs (``epcList``, ``childEPCs``,
``inputEPCList``, ``outputEPCList``, and ``parentID`` for any), ``MATCH_epcClass`` and
``MATCH_anyEPCClass`` at lot-level classes (the quantity lists), which is how our lots show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloud.epcis.vocabulary import ADJUSTMENTS, ISSUES, MAPPING, RELEASES

SUPPORTED = (
    "eventType", "GE_eventTime", "LT_eventTime", "EQ_bizStep", "EQ_bizLocation",
    "MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_anyEPCClass", "perPage",
)  # fmt: skip
_EPCS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_CLASSES = ("quantityList", "childQuantityList")
_ANY_CLASSES = (*_CLASSES, "inputQuantityList", "outputQuantityList")
_STEP_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")


class QueryRefused(ValueError):
    """A query parameter this service does not support, or cannot read."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The filters of one query, each a set of accepted values (empty: no filter)."""

    event_types: frozenset[str] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    biz_steps: frozenset[str] = frozenset()
    biz_locations: frozenset[str] = frozenset()
    epcs: frozenset[str] = frozenset()
    any_epcs: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    any_classes: frozenset[str] = frozenset()

    def our_types(self) -> list[str]:
        """Our event types that can answer (by EPCIS event type and business step)."""
        return sorted(
            kind for kind in MAPPING
            if (not self.event_types or MAPPING[kind].event_type in self.event_types)
            and (not self.biz_steps or self.biz_steps & possible_steps(kind))
        )  # fmt: skip

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether an EPCIS event passes every filter."""
        return (
            _any(self.event_types, [event["type"]])
            and _any(self.biz_steps, [bare_step(str(event.get("bizStep", "")))])
            and _any(self.biz_locations, [event.get("bizLocation", {}).get("id")])
            and _any(self.epcs, _values(event, _EPCS))
            and _any(self.any_epcs, [*_values(event, _EPCS), event.get("parentID")])
            and _any(self.classes, _classes(event, _CLASSES))
            and _any(self.any_classes, _classes(event, _ANY_CLASSES))
        )


def possible_steps(kind: str) -> set[str]:
    """Every business step an event of our type ``kind`` may show."""
    steps = {MAPPING[kind].biz_step}
    refined: dict[str, Mapping[str, tuple[str, str | None]]] = {
        "stock.adjusted": ADJUSTMENTS, "lot.released": RELEASES, "stock.issued": ISSUES,
    }  # fmt: skip
    if kind in refined:
        steps |= {step for step, _ in refined[kind].values()}
    if kind == "stock.adjusted":
        steps.add("cycle_counting")
    return steps


def bare_step(value: str) -> str:
    """A business step as its CBV bare word, whichever of its three spellings it came in."""
    for prefix in _STEP_PREFIXES:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def read_filter(params: Iterable[tuple[str, str]], start: datetime | None,
                end: datetime | None) -> EventFilter:  # fmt: skip
    """The filter of a query string's (name, value) pairs; a value may list several, by comma."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        if name in ("GE_eventTime", "LT_eventTime", "perPage"):
            continue
        if name not in SUPPORTED:
            raise QueryRefused(name, f"not supported; supported: {', '.join(SUPPORTED)}")
        values.setdefault(name, set()).update(v for v in value.split(",") if v)
    types = frozenset(values.get("eventType", ()))
    known = {"ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent",
             "AssociationEvent"}  # fmt: skip
    if types - known:
        raise QueryRefused("eventType", f"unknown {sorted(types - known)}; one of {sorted(known)}")
    return EventFilter(
        event_types=types, start=start, end=end,
        biz_steps=frozenset(bare_step(v) for v in values.get("EQ_bizStep", ())),
        biz_locations=frozenset(values.get("EQ_bizLocation", ())),
        epcs=frozenset(values.get("MATCH_epc", ())),
        any_epcs=frozenset(values.get("MATCH_anyEPC", ())),
        classes=frozenset(values.get("MATCH_epcClass", ())),
        any_classes=frozenset(values.get("MATCH_anyEPCClass", ())),
    )  # fmt: skip


def _any(wanted: frozenset[str], present: Sequence[Any]) -> bool:
    return not wanted or any(value in wanted for value in present)


def _values(event: Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    return [value for name in names for value in event.get(name, ())]


def _classes(event: Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    return [element.get("epcClass") for element in _values(event, names)]
