"""A ``stock.adjust`` document from the cloud, as the ``stock.adjusted`` event it becomes.

The cloud sends an adjustment down once it is within the org's threshold or approved; the
agent writes it through its single writer with the down-channel checkpoint in the same
transaction (``DocumentApplier``), so it lands once however often the document is served.
The event is the cloud's adjustment as it was approved: same item, lot, location, signed
quantity, reason code and operator (whoever asked for it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from domain.downlink import DocumentRefused, DownlinkDocument
from domain.events import EventDraft
from domain.payloads import StockAdjusted


def adjustment_drafts(document: DownlinkDocument) -> list[EventDraft]:
    """The one ``stock.adjusted`` draft of a ``stock.adjust`` document (``DocumentRefused``
    with the field named when its content is not an adjustment)."""
    try:
        adjusted = StockAdjusted.model_validate(document.content.get("adjusted"))
    except ValidationError as exc:
        fields = "; ".join(
            f"adjusted.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DocumentRefused("bad_content", fields) from exc
    return [EventDraft("stock.adjusted", datetime.now(UTC), adjusted)]
