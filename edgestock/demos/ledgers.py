"""The two ledgers a demo compares: the agent's (its SQLite store) and the cloud's (read as
the site's admin), keyed alike: (item, lot, location) → (quantity, unit)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from domain.events import Event
from edgestock.demos.stack import EnrolledAgent

Ledger = dict[tuple[str, str, str], tuple[Decimal, str]]


def edge_ledger(agent: EnrolledAgent, site: str) -> Ledger:
    """The agent's ledger, from its store (the agent has stopped or keeps writing: WAL)."""
    from edge_agent.store import EdgeStore

    if not Path(agent.store).exists():
        return {}
    store = EdgeStore(agent.store, agent=agent.id, site=site)
    try:
        return {
            (k.item, k.lot, k.location): (q.value, q.unit.value) for k, q in store.ledger().items()
        }
    finally:
        store.close()


def edge_events(agent: EnrolledAgent, site: str) -> list[Event]:
    """Every event the agent has stored (none if it never made its store)."""
    from edge_agent.store import EdgeStore

    if not Path(agent.store).exists():
        return []
    store = EdgeStore(agent.store, agent=agent.id, site=site)
    try:
        return list(store.events())
    finally:
        store.close()


def cloud_ledger(client: httpx.Client, site: str) -> Ledger:
    """The cloud's ledger of ``site``."""
    response = client.get(f"/v1/sites/{site}/stock")
    response.raise_for_status()
    return {
        (line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
        for line in response.json()["lines"]
    }
