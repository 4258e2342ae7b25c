"""Time-bounded delegation: a holder of an approving role lends it to another person of the
organisation until a given time.

A delegation is a grant of the role at the site with an end (``valid_until``) and the
delegator as its grantor, so every check that asks who holds a role (approval steps among
them) sees the delegate until that time and not after, with no second path to keep in step.
Only someone who holds the role there, now, may lend it; an API key cannot.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from cloud.approvals.steps import ApprovalRefused
from cloud.auth.grants import holds_role
from cloud.auth.principal import Principal
from cloud.auth.users import GrantRefused, GrantTarget, find_role, grant_role, user_of_org
from cloud.orgs.tree import node_of_site, root_of

Conn = AsyncConnection[tuple[object, ...]]


async def delegate(
    conn: Conn, site: str, principal: Principal, role: str, to_email: str, until: datetime
) -> int:
    """Lend ``role`` at ``site`` to ``to_email`` until ``until``; the grant's id."""
    node_id = await node_of_site(conn, site)
    if node_id is None:
        raise ApprovalRefused(404, "unknown_site", f"site {site!r} is unknown")
    if principal.user_id is None:
        raise ApprovalRefused(403, "not_a_person", "only a person delegates a role")
    if not await holds_role(conn, principal, node_id, role):
        message = f"{principal.name} does not hold role {role!r} at {site!r}: nothing to lend"
        raise ApprovalRefused(403, "not_holder", message)
    org_id = await root_of(conn, node_id)
    delegate_id = await user_of_org(conn, to_email, org_id)
    if delegate_id is None:
        raise ApprovalRefused(404, "unknown_user", f"no person {to_email!r} in this organisation")
    found = await find_role(conn, role, org_id)
    assert found is not None  # the delegator holds it
    try:
        return await grant_role(
            conn, GrantTarget(user_id=delegate_id), found, node_id,
            valid_until=until, granted_by=principal.user_id,
        )  # fmt: skip
    except GrantRefused as refused:
        raise ApprovalRefused(422, "bad_delegation", str(refused)) from refused
