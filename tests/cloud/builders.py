"""Builders of agents' chains and batches for the cloud tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from domain.events import GENESIS, Event, EventDraft, seal
from domain.payloads import LotReceived, ReadingRecorded, StockConsumed, StockCounted
from domain.sync import encode_batch

DAY = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def received(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
             unit: str = "kg", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = LotReceived(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                          expires_on=(at + timedelta(days=5)).date())  # fmt: skip
    return EventDraft("lot.received", at, payload)


def consumed(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
             unit: str = "g", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = StockConsumed(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.consumed", at, payload)


def counted(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
            unit: str = "g", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = StockCounted(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.counted", at, payload)


def reading(value: str, *, device: str = "probe-1", at: datetime = DAY) -> EventDraft:
    payload = ReadingRecorded(device=device, metric="air_temp", value=value, unit="°C",
                              location="cold-1")  # fmt: skip
    return EventDraft("reading.recorded", at, payload)


@dataclass
class AgentChain:
    """An agent's growing chain, sealed as the edge store would seal it."""

    agent: str = "agent-1"
    site: str = "site-1"
    events: list[Event] = field(default_factory=list)

    def add(self, drafts: Iterable[EventDraft]) -> list[Event]:
        added = []
        for draft in drafts:
            prev = self.events[-1].hash if self.events else GENESIS
            event = seal(draft, agent=self.agent, site=self.site, seq=len(self.events) + 1,
                         prev=prev)  # fmt: skip
            self.events.append(event)
            added.append(event)
        return added


def batch_body(agent: str, events: Sequence[Event]) -> bytes:
    return encode_batch(agent, [event.to_json() for event in events])


def post_batch(client: httpx.Client, agent: str, body: bytes) -> httpx.Response:
    return client.post(
        f"/v1/agents/{agent}/events",
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


def post_events(client: httpx.Client, agent: str, events: Sequence[Event]) -> httpx.Response:
    return post_batch(client, agent, batch_body(agent, events))
