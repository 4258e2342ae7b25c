"""A trace as a tree of lots at sites, built level by level from the links between them.

Pure: ``grow`` takes the links of one level and the frontier, and gives the next frontier;
``cloud.trace.query`` fetches the links. A lot is a node at each site it was at (a transfer
is a link from the lot at one site to the same lot at another), so a tree says both what a
lot was made of (or into) and where it went. A node reached twice is shown once in full and
then marked ``repeated``; a walk that stops at its depth or node limit marks ``truncated``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

Direction = Literal["backward", "forward"]
LinkKind = Literal["produced", "shipped", "received"]


@dataclass(frozen=True, slots=True, order=True)
class LotAt:
    """A lot of an item at a site: one node of the genealogy."""

    site: str
    item: str
    lot: str


@dataclass(frozen=True, slots=True)
class Link:
    """``source`` went into ``target``: made into it (``produced``) or carried to it."""

    kind: LinkKind
    source: LotAt
    target: LotAt
    qty: Decimal | None
    unit: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Supply:
    """A receipt of the lot from a supplier (where a backward trace ends)."""

    supplier: str | None
    qty: Decimal
    unit: str
    at: datetime


@dataclass(slots=True)
class TraceNode:
    """A lot at a site, how it is linked to its parent, and its own links."""

    lot: LotAt
    link: LinkKind | None = None
    qty: Decimal | None = None
    unit: str | None = None
    at: datetime | None = None
    supplies: list[Supply] = field(default_factory=list)
    children: list[TraceNode] = field(default_factory=list)
    repeated: bool = False
    truncated: bool = False

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TraceNode]]:
        """Every node of the tree, depth first, with its depth (the root is 0)."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


def merge_links(links: Iterable[Link]) -> list[Link]:
    """The links once each: a transfer is recorded by both its sites, and the receiver's
    record is dropped where the sender's is there (it is not when the sender's site is not
    the caller's), so a transfer shows once, at its shipping time."""
    distinct = set(links)
    shipped = {(link.source, link.target) for link in distinct if link.kind == "shipped"}
    kept = [link for link in distinct
            if link.kind != "received" or (link.source, link.target) not in shipped]  # fmt: skip
    return sorted(kept, key=lambda x: (x.at, x.source, x.target, x.kind))


def grow(
    frontier: list[TraceNode], links: Iterable[Link], direction: Direction,
    seen: set[LotAt], budget: int,
) -> list[TraceNode]:  # fmt: skip
    """Hang each link under its frontier node; return the new nodes to expand next.

    ``seen`` (updated) holds the lots already expanded; ``budget`` is how many more nodes
    the tree may take: past it, a node keeps no more children and is marked truncated.
    """
    by_lot = {node.lot: node for node in frontier}
    added: list[TraceNode] = []
    for link in merge_links(links):
        near, far = (link.target, link.source) if direction == "backward" else (
            link.source, link.target)  # fmt: skip
        parent = by_lot.get(near)
        if parent is None:
            continue
        if len(added) >= budget:
            parent.truncated = True
            continue
        child = TraceNode(far, link.kind, link.qty, link.unit, link.at)
        child.repeated = far in seen
        parent.children.append(child)
        if not child.repeated:
            seen.add(far)
            added.append(child)
    return added
