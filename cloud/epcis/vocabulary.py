"""The table from our event types to EPCIS event types, CBV 2.0 business steps and dispositions.

Data, not code: ``docs/traceability.md`` prints the same table. A step or disposition here is
a CBV 2.0 bare word (JSON-LD expands it to ``https://ref.gs1.org/cbv/BizStep-…`` or
``…/Disp-…``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventType = Literal["ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent"]
Action = Literal["ADD", "OBSERVE", "DELETE"]


@dataclass(frozen=True, slots=True)
class Visibility:
    """How one of our events shows in EPCIS."""

    event_type: EventType
    action: Action | None
    biz_step: str
    disposition: str | None


MAPPING: dict[str, Visibility] = {
    "lot.received": Visibility("ObjectEvent", "OBSERVE", "receiving", "in_progress"),
    "stock.produced": Visibility("TransformationEvent", None, "creating_class_instance", "active"),
    "stock.consumed": Visibility("ObjectEvent", "OBSERVE", "dispensing", "partially_dispensed"),
    "stock.step_consumed": Visibility(
        "ObjectEvent", "OBSERVE", "dispensing", "partially_dispensed"
    ),
    "stock.counted": Visibility("ObjectEvent", "OBSERVE", "cycle_counting", None),
    "stock.adjusted": Visibility("ObjectEvent", "OBSERVE", "destroying", "destroyed"),
    "lot.blocked": Visibility("ObjectEvent", "OBSERVE", "holding", "non_sellable_other"),
    "lot.released": Visibility("ObjectEvent", "OBSERVE", "inspecting", "sellable_accessible"),
    "reading.recorded": Visibility("ObjectEvent", "OBSERVE", "sensor_reporting", None),
    "stock.moved": Visibility("ObjectEvent", "OBSERVE", "storing", None),
    "transfer.shipped": Visibility("ObjectEvent", "OBSERVE", "shipping", "in_transit"),
    "transfer.received": Visibility("ObjectEvent", "OBSERVE", "receiving", "in_progress"),
    "stock.issued": Visibility("TransactionEvent", "ADD", "retail_selling", "retail_sold"),
    "stock.returned": Visibility("ObjectEvent", "OBSERVE", "receiving", "returned"),
}
"""The default visibility of each type we export; ``ADJUSTMENTS`` and ``RELEASES`` refine two."""

ADJUSTMENTS: dict[str, tuple[str, str | None]] = {
    "theft": ("destroying", "stolen"),
    "found": ("cycle_counting", None),
    "count_correction": ("cycle_counting", None),
    "sample": ("sampling", None),
}
"""``stock.adjusted`` by its code (a gain without a code is a count, a loss is destroyed)."""

RELEASES: dict[str, tuple[str, str]] = {
    "release": ("inspecting", "sellable_accessible"),
    "discard": ("inspecting", "non_conformant"),
}
"""``lot.released`` by its disposition: usable again, or to be thrown away."""

ISSUES: dict[str, tuple[str, str | None]] = {
    "sale": ("retail_selling", "retail_sold"),
    "gift": ("departing", None),
    "free": ("departing", None),
    "channel_transfer": ("departing", None),
}
"""``stock.issued`` by its kind: only a sale is retail selling."""

UNITS: dict[str, str | None] = {"kg": "KGM", "g": "GRM", "l": "LTR", "ml": "MLT", "each": None}
"""Our units as UN/CEFACT Rec. 20 codes; ``each`` is a count, which EPCIS gives without a uom."""

SENSORS: dict[str, tuple[str, str]] = {
    "°C": ("Temperature", "CEL"),
    "%": ("RelativeHumidity", "P1"),
    "%RH": ("RelativeHumidity", "P1"),
    "kg": ("Mass", "KGM"),
    "g": ("Mass", "GRM"),
}
"""A reading's unit → GS1 measurement type and UN/CEFACT unit; other readings are not exported."""

BIZ_STEPS = frozenset(v.biz_step for v in MAPPING.values()) | {
    step for step, _ in (*ADJUSTMENTS.values(), *RELEASES.values(), *ISSUES.values())
}
DISPOSITIONS = frozenset(v.disposition for v in MAPPING.values() if v.disposition) | {
    disp for _, disp in (*ADJUSTMENTS.values(), *RELEASES.values(), *ISSUES.values()) if disp
}
