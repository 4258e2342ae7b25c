"""A ``reservation`` document from the cloud, as the events it becomes at the edge.

A reservation made in the cloud (an order desk, a work order) is promised at the site only
once the agent records it, through its single writer with the down-channel checkpoint in the
same transaction (``DocumentApplier``): so it lands once however often it is served, and the
writer's FEFO picks keep it from then on. A release ends every open line of the reference
that this site's store knows (one ``stock.unreserved`` per item and unit).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import ValidationError

from domain.downlink import DocumentRefused, DownlinkDocument
from domain.events import EventDraft
from domain.payloads import StockUnreserved
from domain.reservations import Reservation, ReservationKey, ReservationOrder

log = logging.getLogger(__name__)


def reservation_drafts(
    document: DownlinkDocument, lines: Mapping[ReservationKey, Reservation]
) -> list[EventDraft]:
    """The drafts of a ``reservation`` document, given the store's reservation ``lines``
    (``DocumentRefused`` with the field named when its content is not a reservation order)."""
    try:
        order = ReservationOrder.model_validate(document.content)
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(content)'}: {e['msg']}" for e in exc.errors()
        )
        raise DocumentRefused("bad_content", fields) from exc
    at = datetime.now(UTC)  # when the edge puts it into effect
    if order.reserve is not None:
        return [EventDraft("stock.reserved", at, order.reserve)]
    assert order.release is not None  # the model says so: a release, with its reason
    assert order.reason is not None
    ending = sorted(
        line.key for line in lines.values()
        if line.key.reference == order.release and line.ended is None
    )  # fmt: skip
    if not ending:
        log.warning("reservation document %d: %s has no open reservation here; nothing ends",
                    document.seq, order.release)  # fmt: skip
    return [
        EventDraft("stock.unreserved", at, StockUnreserved(
            item=key.item, unit=key.unit, reference=key.reference, reason=order.reason,
            operator=document.issued_by))
        for key in ending
    ]  # fmt: skip
