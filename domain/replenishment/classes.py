"""Item groups by demand pattern (Syntetos–Boylan): how often an item is wanted (ADI, the
average interval between demands) and how much the wanted amounts vary (CV², the squared
coefficient of variation of the non-zero amounts)."""

from __future__ import annotations

from enum import StrEnum
from statistics import fmean, pstdev

from domain.replenishment.series import DemandSeries

ADI_CUT = 1.32
CV2_CUT = 0.49


class DemandGroup(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"


def demand_group(series: DemandSeries) -> DemandGroup:
    """The group of ``series`` from its uncensored days (a stock-out is no zero demand)."""
    seen = [q for i, q in enumerate(series.qty) if not series.is_censored(i)]
    wanted = [q for q in seen if q > 0]
    if len(wanted) < 2:
        return DemandGroup.LUMPY if wanted else DemandGroup.INTERMITTENT
    adi = len(seen) / len(wanted)
    mean = fmean(wanted)
    cv2 = (pstdev(wanted) / mean) ** 2 if mean > 0 else 0.0
    if adi < ADI_CUT:
        return DemandGroup.SMOOTH if cv2 < CV2_CUT else DemandGroup.ERRATIC
    return DemandGroup.INTERMITTENT if cv2 < CV2_CUT else DemandGroup.LUMPY


SERVICE_CLASS_CUTS = ((0.8, "A"), (0.3, "B"))
"""Share of days an item is wanted on, from which it is class A or B (else C)."""


def service_class(series: DemandSeries) -> str:
    """A, B or C by how often the item is wanted: a staple wanted nearly every day must
    not run out (A), a dish of the week may (C). By days, not amounts, so grams of rice
    and pieces of napkins rank alike."""
    seen = [q for i, q in enumerate(series.qty) if not series.is_censored(i)]
    share = sum(q > 0 for q in seen) / len(seen) if seen else 0.0
    return next((name for cut, name in SERVICE_CLASS_CUTS if share >= cut), "C")
