"""What a batch's own readings prove about its cooling (Food Code 3-501.14), as pure maths.

Cooling is timed from the moment the food passed 57 °C, interpolated linearly between the
last reading above it and the first at or below it: 70 °C at 12:00 and 50 °C at 12:40 put
it at 12:26, so 21 °C is due by 14:26 and 5 °C by 18:26. While every reading is still above
57 °C, the clock counts from the latest of them (the food passed 57 °C no earlier), which
is never later than the truth. A first reading below 57 °C proves nothing about when the
food passed it: the batch cannot be shown to have cooled in time.

A stage is passed only by a reading: the first at or below 21 °C, if it is in time, and
then the first at or below 5 °C, if it is in time. A missing reading never passes a stage;
readings are judged in the order of their time, whenever they were delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.kitchen.clocks.rules import CoolingRule

Sample = tuple[datetime, Decimal]


@dataclass(frozen=True, slots=True)
class CoolingEvidence:
    since: datetime | None
    """What the stages count from: when the food passed 57 °C, or while it is still above,
    its latest reading; None when the first reading was already below 57 °C."""
    passed_start: bool
    """Whether ``since`` is the interpolated passing of 57 °C (not a provisional start)."""
    stage1: Sample | None
    """The reading that passed stage 1 in time."""
    final: Sample | None
    """The reading that passed stage 2 in time."""
    late_stage1: bool
    """A reading at or below 21 °C exists, but after the stage-1 deadline."""


def weigh(readings: Sequence[Sample], rule: CoolingRule) -> CoolingEvidence:
    """What ``readings`` (in time order) prove under ``rule``."""
    if not readings or readings[0][1] < rule.start_c:
        return CoolingEvidence(None, False, None, None, False)
    since, passed = _passed_start(readings, rule.start_c)
    stage1 = next(((at, c) for at, c in readings if c <= rule.stage1_c), None)
    late = stage1 is not None and stage1[0] > since + rule.stage1_within
    if stage1 is None or late:
        return CoolingEvidence(since, passed, None, None, late)
    final = next(((at, c) for at, c in readings if at >= stage1[0] and c <= rule.final_c), None)
    if final is not None and final[0] > since + rule.total_within:
        final = None
    return CoolingEvidence(since, passed, stage1, final, False)


def _passed_start(readings: Sequence[Sample], start_c: Decimal) -> tuple[datetime, bool]:
    """When the food passed ``start_c`` (interpolated), or its latest reading above it."""
    for index, (at, celsius) in enumerate(readings):
        if celsius > start_c:
            continue
        if index == 0:  # the first reading is exactly start_c
            return at, True
        before_at, before_c = readings[index - 1]
        share = (before_c - start_c) / (before_c - celsius)
        return before_at + (at - before_at) * float(share), True
    return readings[-1][0], False
