"""The approval steps in force for an action at a site, and the check of whoever decides one.

One place for what transfers, order transitions and any later gated action share: the
roles come from the org settings in force at the site (inherited down the tree), in order;
a step is approved by a holder of its role at the site or above, valid now (a delegated
role is a grant with an end, so a delegate approves until then and not after), never by
whoever asked for the action (four eyes).
"""

from __future__ import annotations

from psycopg import AsyncConnection

from cloud.approvals.refusal import Refused
from cloud.auth.grants import holds_role
from cloud.auth.principal import Principal
from cloud.orgs.settings import in_force
from cloud.orgs.tree import ancestry, node_of_site

Conn = AsyncConnection[tuple[object, ...]]


class ApprovalRefused(Refused):
    """A decision refused: who may not decide it, or where nothing is to decide."""


async def approval_roles(
    conn: Conn, site: str, action: str, *, transition: str | None = None
) -> tuple[str, ...]:
    """The roles that approve ``action`` at ``site``, in order (org settings in force).

    For ``order.transition`` a step names the transition it gates; other actions have none.
    """
    node_id = await node_of_site(conn, site)
    chain = await ancestry(conn, node_id) if node_id is not None else []
    steps = in_force(node.settings for node in chain).get("approval_steps") or []
    return tuple(
        str(s["role"])
        for s in steps
        if s.get("action") == action and s.get("transition") == transition
    )


async def check_approver(
    conn: Conn, site: str, principal: Principal, role: str, requested_by: str
) -> None:
    """Refuse (``ApprovalRefused``) ``principal`` deciding a step of ``role`` at ``site``."""
    if principal.name == requested_by:
        raise ApprovalRefused(403, "four_eyes", "whoever asked for it cannot approve it")
    node_id = await node_of_site(conn, site)
    if node_id is None:
        raise ApprovalRefused(404, "unknown_site", f"site {site!r} is unknown")
    if principal.kind != "anonymous" and not await holds_role(conn, principal, node_id, role):
        message = f"{principal.name} does not hold role {role!r} at {site!r} or above"
        raise ApprovalRefused(403, "not_approver", message)
