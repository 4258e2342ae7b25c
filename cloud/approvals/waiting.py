"""Deciding the step a gated request waits for: the one path every gated thing shares.

A request (a transfer, a purchase order, an order's transition, a stock adjustment) waits for
its approval steps in order. Whoever decides the next one must hold its role at the site or
above and must not be whoever asked (``check_approver``). What the decision comes to is the
same everywhere: a refusal ends the request, the last approval lets it go, any other approval
moves it to the next step. Each caller records the decision in its own table and acts on
``Decided``; this module holds the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from cloud.approvals.steps import ApprovalRefused, check_approver
from cloud.auth.principal import Principal

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Waiting:
    """Where a request stands: its steps' roles in order and how many are approved."""

    what: str
    """The request as people name it (``transfer 'tr-1'``), for the refusal's sentence."""
    steps: tuple[str, ...]
    approved: int
    requested_by: str
    state: str
    """Its state as people read it (``awaiting_approval``, ``sent``, ``sample`` …)."""
    open: bool = True
    """False once the request is sent, refused or otherwise past approval."""

    @classmethod
    def in_state(
        cls, what: str, steps: tuple[str, ...], approved: int, requested_by: str, state: str
    ) -> Waiting:
        """A request that waits exactly while its state is ``awaiting_approval``."""
        return cls(what, steps, approved, requested_by, state, state == "awaiting_approval")

    @property
    def role(self) -> str | None:
        """The role whose approval it waits for now (None when it waits for nothing)."""
        if not self.open or self.approved >= len(self.steps):
            return None
        return self.steps[self.approved]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on a step as a request keeps it: who decided, when, as what role."""

    step: int
    role: str
    approved: bool
    decided_by: str
    decided_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class Decided:
    """A decision taken on a step: which, by what role, and what it comes to."""

    step: int
    role: str
    approved: bool
    last: bool
    """Whether it was the last step (an approval then lets the request go)."""
    rest: tuple[str, ...]
    """The roles still to approve after this one (empty when refused or last)."""


async def decide_step(
    conn: Conn, site: str, waiting: Waiting, principal: Principal, approve: bool
) -> Decided:
    """Decide the step ``waiting`` waits for as ``principal``; ``ApprovalRefused`` when
    nothing waits (409 ``not_awaiting``), or this person may not decide it (403)."""
    role = waiting.role
    if role is None:
        message = f"{waiting.what} is {waiting.state}: nothing waits for a decision"
        raise ApprovalRefused(409, "not_awaiting", message)
    await check_approver(conn, site, principal, role, waiting.requested_by)
    step = waiting.approved
    rest = waiting.steps[step + 1 :] if approve else ()
    return Decided(step, role, approve, last=approve and not rest, rest=rest)
