"""Material issued to a work order's operation from the site bus: a PDA or scanner publishes
``workorder.issue`` on ``edgestock/<site>/workorders/issue``; the agent answers each on
``edgestock/<site>/workorders/answers`` (what was recorded, or why it was refused). A refused
issue is also kept in quarantine with the reason, as every refused message of the bus is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from domain.quantity import Unit
from domain.values import Amount, Name
from edge_agent.clock import Clock
from edge_agent.plant.issue import IssueRefused, MaterialIssue
from edge_agent.plant.line import LineDesk
from edge_agent.site_bus import Route, SiteBus, SiteMessage, site_topic


def issue_topic(site: str) -> str:
    return site_topic(site, "workorders", "issue")


def answers_topic(site: str) -> str:
    return site_topic(site, "workorders", "answers")


class IssueMaterial(SiteMessage):
    """``workorder.issue``: ``qty`` of a lot scanned for one operation of a work order."""

    command: Literal["workorder.issue"] = "workorder.issue"
    work_order: Name
    operation: Name
    item: Name
    lot: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit = Unit.EACH
    location: Name
    operator: Name
    device: Name | None = None
    attributes: dict[Name, Name] = Field(default_factory=dict, max_length=20)
    """What the scan read of the lot: serial, firmware, batch."""
    request: Name | None = None


class IssueAnswer(SiteMessage):
    command: Literal["workorder.issue"] = "workorder.issue"
    work_order: str
    request: str | None
    ok: bool
    refused: str | None = None
    issued: Decimal | None = None
    """What the order's operation has of the item so far, after this issue."""


def route_issues(bus: SiteBus, desk: LineDesk, clock: Clock) -> None:
    """Issue commands from the bus to ``desk``, each answered on the bus."""
    answers = answers_topic(bus.site)

    async def issue(message: IssueMaterial, _topic: str) -> None:
        wanted = MaterialIssue(
            work_order=message.work_order, operation=message.operation, item=message.item,
            lot=message.lot, location=message.location, qty=message.qty, unit=message.unit,
            at=clock.now(), operator=message.operator, device=message.device,
            attributes=message.attributes,
        )  # fmt: skip
        try:
            await desk.issue(wanted)
        except IssueRefused as exc:
            await bus.publish(answers, IssueAnswer(work_order=message.work_order,
                                                   request=message.request, ok=False,
                                                   refused=str(exc)))  # fmt: skip
            raise
        total = desk.progress.issued_to(message.work_order, message.operation, message.item)
        await bus.publish(answers, IssueAnswer(work_order=message.work_order,
                                               request=message.request, ok=True,
                                               issued=total))  # fmt: skip

    bus.route(Route(issue_topic(bus.site), IssueMaterial, issue, "work order issues",
                    lane="plant", label=lambda m: f"issue {m.lot} to {m.work_order}"))  # fmt: skip
