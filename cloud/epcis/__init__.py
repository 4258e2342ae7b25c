"""EPCIS 2.0: our events as GS1 visibility events (JSON-LD), their CBV 2.0 hash IDs, capture."""
