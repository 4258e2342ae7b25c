"""The edge agent: devices in, durable events and a local ledger, sync out."""
