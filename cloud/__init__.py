"""The cloud side of EdgeStock: ingest of agents' event chains, the ledger fold, the views."""
