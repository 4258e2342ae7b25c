"""Durable event store and local ledger on SQLite."""

from edge_agent.store.edge_store import EdgeStore, StoreStats

__all__ = ["EdgeStore", "StoreStats"]
