"""Recognise a batch the cloud already holds before paying to decode it.

An agent whose request timed out sends the same batch again; before this check the cloud
decoded and verified every event again (tens of milliseconds per thousand events) only to
find them all stored, so each retry under load cost as much as new work. The events of a
batch are canonical JSON with sorted keys, so every event ends with the same envelope tail:
``"hash":"<64 hex>","id":"…","prev":"<64 hex>","seq":N,"site":"…","type":"…"}``. Reading
the last event's seq and hash from the decompressed bytes, and comparing them with the hash
the cloud stored at that seq, proves the batch's end is already in the chain: the hash
covers the event's whole content and, through ``prev``, every event before it. Such a batch
is answered with the same ack as a full ingest (the head, nothing stored, every event a
duplicate) without building a single object per event. Anything else (a new event, a
malformed tail, a hash that differs) takes the full path, which refuses or stores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from cloud.ingest.plan import AgentHead

_ENVELOPE_TAIL = re.compile(
    rb'"hash":"([0-9a-f]{64})","id":"[^"\\]*","prev":"[0-9a-f]{64}","seq":([1-9][0-9]{0,17}),"site":"'
)
_BATCH_END = re.compile(rb'(?:[^"\\]|\\.)*","type":"(?:[^"\\]|\\.)*"\}\]\}')


@dataclass(frozen=True, slots=True)
class BatchEnd:
    """What a batch claims without being decoded: its last event and how many it holds."""

    last_seq: int
    last_hash: str
    count: int


def batch_end(raw: bytes, agent: str) -> BatchEnd | None:
    """The claimed end of ``agent``'s decompressed batch body, or None when its tail is not
    canonical. Events are counted by where they start (``{"agent":<agent>,"at":"``)."""
    tail = _ENVELOPE_TAIL.match(raw, max(0, raw.rfind(b'"hash":"')))
    if tail is None or _BATCH_END.fullmatch(raw, tail.end()) is None:
        return None
    count = raw.count(b'{"agent":' + orjson.dumps(agent) + b',"at":"')
    return BatchEnd(int(tail.group(2)), tail.group(1).decode("ascii"), count)


def is_replay(end: BatchEnd, head: AgentHead, stored_hash: str | None) -> bool:
    """Whether the cloud's chain (``head``, and the hash it stored at ``end.last_seq``)
    already holds the batch that ends at ``end``."""
    return end.last_seq <= head.seq and stored_hash == end.last_hash
