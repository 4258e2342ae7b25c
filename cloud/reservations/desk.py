"""Reserve stock at a site from the cloud, or release a reservation: for work orders, customer
orders and transfers decided in the cloud.

A reservation is stock promised at a site, so only the site's agent records it: ``reserve``
and ``release`` put a signed ``reservation`` document in the site's down-channel, in the
caller's transaction (the order and its reservation commit together). The agent turns it into
``stock.reserved`` / ``stock.unreserved`` through its writer, exactly once, and from then on
its FEFO picks keep the stock for the reference; the events come back by sync into the
``reservations`` projection, which ATP reads. Until then (an agent offline) nothing is promised
in the cloud's figures: a promise counts from when the site keeps it.

Usage, inside the caller's transaction::

    await reserve(conn, "site-1", StockReserved(item="chicken", qty="3", unit="kg",
                  reference="O-17", reserved_for="customer_order"), by=principal.name)
    await release(conn, "site-1", "O-17", "cancelled", by=principal.name)
"""

from __future__ import annotations

from cloud.downlink import outbox
from cloud.downlink.outbox import Conn
from domain.downlink import SignedDocument
from domain.payloads import StockReserved, UnreserveReason
from domain.reservations import ReservationOrder


async def reserve(conn: Conn, site: str, reserved: StockReserved, by: str) -> SignedDocument:
    """Send ``reserved`` to ``site`` to be recorded there; returns the signed document."""
    order = ReservationOrder(reserve=reserved)
    return await outbox.issue(conn, site, "reservation", order.model_dump(mode="json"), by)


async def release(
    conn: Conn, site: str, reference: str, reason: UnreserveReason, by: str
) -> SignedDocument:
    """End every open reservation of ``reference`` at ``site`` (consumed, cancelled or
    expired); returns the signed document."""
    order = ReservationOrder(release=reference, reason=reason)
    return await outbox.issue(conn, site, "reservation", order.model_dump(mode="json"), by)
