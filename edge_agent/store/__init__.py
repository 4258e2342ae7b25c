"""Durable event store and local ledger on SQLite."""

from edge_agent.store.edge_store import (
    Durability,
    EdgeStore,
    QuarantinedInput,
    StoreClosed,
    StoreStats,
)

__all__ = ["Durability", "EdgeStore", "QuarantinedInput", "StoreClosed", "StoreStats"]
