"""Run one site's events through both real stores and read back every projection.

The edge side is a real ``EdgeStore`` file: drafts are appended (sealed, chained, folded)
in the groups given, as the writer would. The cloud side receives the very bytes the edge
stored, as signed batches through the real ingest route, in the groups given, as the
syncer would. Both are then read as plain rows of the same shape, to compare row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.projections import LotKey
from domain.quantity import Unit
from domain.reservations import ReservationKey
from domain.sync import encode_batch
from domain.transit import TransitKey
from edge_agent.store import EdgeStore
from tests.cloud.builders import post_batch

StockRows = dict[StockKey, tuple[Decimal, str]]
LotRows = dict[LotKey, tuple[date | None, datetime]]
HoldRows = dict[StockKey, tuple[bool, str | None, str | None, datetime, str, int]]
TransitRows = dict[TransitKey, tuple[Decimal, Decimal, Decimal, int, datetime | None, str | None]]
ReservationRows = dict[ReservationKey, tuple[object, ...]]
"""reserved, consumed, lot, location, until, then the end: time, agent, seq, reason."""


@dataclass(frozen=True, slots=True)
class Projections:
    """Every projection of one site, as rows keyed like the stores key them."""

    stock: StockRows
    lots: LotRows
    holds: HoldRows
    transit: TransitRows
    reservations: ReservationRows


def edge_projections(store: EdgeStore) -> Projections:
    """What the edge store holds, read through its public methods."""
    stock = {key: (q.value, q.unit.value) for key, q in store.ledger().items()}
    lots = {key: (lot.expires_on, lot.first.at) for key, lot in store.lots().items()}
    holds = {
        key: (h.held, h.reason, h.cause, h.word.at, h.word.agent, h.word.seq)
        for key, h in store.hold_records().items()
    }
    transit = {
        key: (t.shipped, t.received, t.damaged, t.receipts, t.expected_at, t.to_org)
        for key, t in store.in_transit().items()
    }
    reservations: ReservationRows = {}
    for key, r in store.reservations().items():
        end = (None,) * 4 if r.ended is None else (
            r.ended.word.at, r.ended.word.agent, r.ended.word.seq, r.ended.reason)  # fmt: skip
        reservations[key] = (r.reserved, r.consumed, r.lot, r.location, r.until, *end)
    return Projections(stock, lots, holds, transit, reservations)


def cloud_projections(database_url: str, site: str) -> Projections:
    """What PostgreSQL holds for ``site``, read from its tables."""
    with psycopg.connect(database_url) as conn:
        stock = {
            StockKey(item, lot, location): (qty, unit)
            for item, lot, location, qty, unit in conn.execute(
                "SELECT item, lot, location, qty, unit FROM ledger WHERE site = %s", (site,)
            )
        }
        lots = {
            LotKey(item, lot): (expires_on, received_at)
            for item, lot, expires_on, received_at in conn.execute(
                "SELECT item, lot, expires_on, received_at FROM lots WHERE site = %s", (site,)
            )
        }
        holds = {
            StockKey(item, lot, location): (held, reason, cause, at, agent, seq)
            for item, lot, location, held, reason, cause, at, agent, seq in conn.execute(
                "SELECT item, lot, location, held, reason, cause, changed_at, changed_agent,"
                " changed_seq FROM lot_holds WHERE site = %s",
                (site,),
            )
        }
        transit = {
            TransitKey(transfer, item, lot, src, dst, Unit(unit)): tuple(sums)
            for transfer, item, lot, src, dst, unit, *sums in conn.execute(
                "SELECT transfer, item, lot, from_site, to_site, unit, shipped, received,"
                " damaged, receipts, expected_at, to_org FROM in_transit"
                " WHERE from_site = %s OR to_site = %s",
                (site, site),
            )
        }
        reservations = {
            ReservationKey(reference, item, Unit(unit)): tuple(rest)
            for reference, item, unit, *rest in conn.execute(
                "SELECT reference, item, unit, reserved, consumed, lot, location, until,"
                " ended_at, ended_agent, ended_seq, ended_reason FROM reservations"
                " WHERE site = %s",
                (site,),
            )
        }
    return Projections(stock, lots, holds, transit, reservations)


@dataclass
class Site:
    """One site with one agent: its edge store file and its enrolment in the cloud."""

    store: EdgeStore
    cloud: httpx.Client
    database_url: str

    @classmethod
    def open(cls, tmp_path: Path, cloud: httpx.Client, database_url: str, site: str) -> Site:
        store = EdgeStore(tmp_path / f"{site}.db", agent=f"{site}-agent-a", site=site)
        return cls(store, cloud, database_url)

    def record(self, groups: Sequence[Sequence[EventDraft]]) -> None:
        """Append each group in one transaction, as the writer's group commit does."""
        for group in groups:
            self.store.append(group)

    def sync(self, batch_sizes: Sequence[int] = ()) -> None:
        """Send the outbox to the cloud in batches of the sizes given (the rest in one)."""
        sent = self.store.acked_seq()
        sizes = list(batch_sizes)
        while True:
            limit = sizes.pop(0) if sizes else -1
            rows = self.store.outbox(sent, limit)
            if not rows:
                return
            body = encode_batch(self.store.agent, [event for _, event in rows])
            answer = post_batch(self.cloud, self.store.agent, body, site=self.store.site)
            assert answer.status_code == 200, answer.text
            assert not answer.json().get("unreadable"), answer.text
            sent = rows[-1][0]
            assert answer.json()["acked_seq"] == sent
            self.store.ack(sent, retention=None)

    def both(self) -> tuple[Projections, Projections]:
        """(edge, cloud) projections of this site."""
        edge = edge_projections(self.store)
        return edge, cloud_projections(self.database_url, self.store.site)


def assert_same(edge: Projections, cloud: Projections) -> None:
    """Row by row: the same keys in each projection, the same values in each row."""
    for name in ("stock", "lots", "holds", "transit", "reservations"):
        mine, theirs = getattr(edge, name), getattr(cloud, name)
        assert sorted(mine) == sorted(theirs), f"{name}: keys differ"
        for key in sorted(mine):
            assert mine[key] == theirs[key], f"{name} {key}: edge {mine[key]} cloud {theirs[key]}"
