"""Notifications from order lifecycles (table ``order_notifications``, migration 0161): what
a transition's ``notify`` action wrote for the holders of a role at a site, read back for the
person asking.

Only the web app and the API show them today. E-mail or WeCom would be a sender that reads
the rows it has not yet delivered (its own ``delivered`` table keyed by notification and
channel, so each channel delivers once), resolves the role's holders at the site to their
addresses and posts to SMTP or WeCom's webhook; nothing of that exists yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from psycopg import AsyncConnection

from cloud.auth.grants import holds_role
from cloud.auth.principal import Principal
from cloud.orders.records import Place

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    role: str
    message: str
    order_id: str
    customer: str
    created_by: str
    created_at: datetime


async def notifications_for(
    conn: Conn, place: Place, principal: Principal, limit: int = 100
) -> list[Notification]:
    """The site's notifications for the roles ``principal`` holds there, newest first (all
    of them for the anonymous caller of a cloud running without authentication)."""
    cur = await conn.execute(
        "SELECT DISTINCT role FROM order_notifications WHERE site = %s", (place.site,)
    )
    roles = [str(r[0]) for r in await cur.fetchall()]
    if principal.kind != "anonymous":
        roles = [r for r in roles if await holds_role(conn, principal, place.node_id, r)]
    cur = await conn.execute(
        "SELECT id, role, message, order_id, customer, created_by, created_at"
        " FROM order_notifications WHERE site = %s AND role = ANY(%s) ORDER BY id DESC LIMIT %s",
        (place.site, roles, limit),
    )
    return [
        Notification(int(str(i)), str(role), str(message), str(order), str(customer),
                     str(by), cast(datetime, at))
        for i, role, message, order, customer, by, at in await cur.fetchall()
    ]  # fmt: skip
