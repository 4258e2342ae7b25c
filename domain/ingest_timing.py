"""How long the cloud kept a batch waiting before it worked on it, told to the agent.

The cloud answers each ingested batch with a ``Server-Timing`` header (the W3C form, so
browsers' and proxies' tools read it too): ``queue;dur=<ms>, ingest;dur=<ms>``. ``queue``
is the time the batch waited for a running place behind other agents' batches, ``ingest``
the time it then took. An agent sizes its next batch from ``ingest`` alone: a long wait in
the queue says the fleet is sending more than the cloud can take, which smaller batches
would not cure (the fleet makes the same events either way); they would only add requests,
and each request costs the cloud its signature, nonce and statements however small it is.
"""

from __future__ import annotations

import math

SERVER_TIMING = "Server-Timing"
QUEUE = "queue"
INGEST = "ingest"


def server_timing(queued_s: float, worked_s: float) -> str:
    """The header's value for a batch that waited ``queued_s`` and took ``worked_s``."""
    return f"{QUEUE};dur={queued_s * 1000:.1f}, {INGEST};dur={worked_s * 1000:.1f}"


def queued_s(header: str | None) -> float:
    """Seconds the batch waited in the cloud's queue, from a ``Server-Timing`` value; 0 when
    the header is missing or does not say (an older cloud, a proxy that dropped it)."""
    if not header:
        return 0.0
    for metric in header.split(","):
        name, _, params = metric.strip().partition(";")
        if name.strip() != QUEUE:
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    millis = float(value)
                except ValueError:
                    return 0.0
                return millis / 1000 if math.isfinite(millis) and millis > 0 else 0.0
    return 0.0
