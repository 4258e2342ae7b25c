"""Durable event store and local ledger on SQLite."""

from edge_agent.store.edge_store import EdgeStore
from edge_agent.store.rows import Durability, QuarantinedInput, StoreStats
from edge_agent.store.sqlite_file import StoreClosed

__all__ = ["Durability", "EdgeStore", "QuarantinedInput", "StoreClosed", "StoreStats"]
