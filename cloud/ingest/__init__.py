"""Ingest of agents' event batches: decode and plan (pure), then store in one transaction."""
