"""Sealing at the store's pace: the events and bytes of ``domain.events.seal`` and
``Event.to_json``, with each event serialised once.

``seal`` builds the envelope as a dict, encodes it to hash it, and the store then encoded
the whole event again (with its hash) to store it: two canonical encodings, and two dicts,
per event. Canonical JSON sorts keys, and in the envelope ``hash`` sorts between ``data``
and ``id``, so the stored bytes are the hashed bytes with ``"hash":"…",`` put in at that
point. The parts that never change within a store (agent, site) or within a type are
encoded once; per event only the payload's JSON is encoded. Profiled (cProfile, 40,000
kitchen events): the second encoding and its dict were about a fifth of sealing.

Every part spliced in is either encoded by ``canonical_json`` or is text of a known plain
alphabet (``format_at``'s time, a UUID, a hex hash, a decimal seq), so the bytes are
exactly ``canonical_json`` of the event: ``tests/edge/test_sealing.py`` checks this against
``seal`` and ``Event.to_json``.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import UTC, datetime

from domain.canonical import canonical_json
from domain.errors import EventInvalid
from domain.events import Event, EventDraft, format_at
from domain.payloads import PAYLOADS
from domain.values import DEFAULT_AHEAD, check_event_time


class Sealer:
    """Seals one agent's drafts into its chain (the caller keeps seq and prev)."""

    def __init__(self, agent: str, site: str) -> None:
        self.agent = agent
        self.site = site
        self.head = b'{"agent":' + canonical_json(agent) + b',"at":"'
        self._site_json = b',"site":' + canonical_json(site) + b',"type":'
        self._tails: dict[str, bytes] = {}

    def batch(self, now: datetime, ids: EventIds | None = None) -> SealingBatch:
        """Seal the drafts of one transaction, judging their times by ``now`` (with ``ids``
        when given: a test that pins the bytes pins the ids)."""
        return SealingBatch(self, now, ids)

    def tail(self, event_type: str) -> bytes:
        """The envelope after ``seq``: site and type, encoded once per type."""
        encoded = self._tails.get(event_type)
        if encoded is None:
            encoded = self._site_json + canonical_json(event_type) + b"}"
            self._tails[event_type] = encoded
        return encoded


class SealingBatch:
    """The drafts of one transaction: one clock and one run of ids (``EventIds``)."""

    def __init__(self, sealer: Sealer, now: datetime, ids: EventIds | None = None) -> None:
        self._sealer = sealer
        self._now = now
        # drafts were checked against the fixed bounds when made (EventDraft), so only the
        # clock's bound is left: one comparison, the full check only to word the refusal
        self._latest = now + DEFAULT_AHEAD
        self._ids = EventIds() if ids is None else ids
        self._minutes: dict[tuple[int, int, int, int, int], str] = {}

    def seal(self, draft: EventDraft, seq: int, prev: str) -> tuple[Event, bytes]:
        """The event of ``draft`` at ``seq`` after ``prev``, and its canonical bytes.

        Refuses (``EventInvalid``) what ``domain.events.seal`` refuses: a payload not of
        the draft's type, a time more than a day past the batch's clock.
        """
        payload, kind, moment = draft.payload, draft.type, draft.at
        expected = PAYLOADS.get(kind)
        if expected is None or not isinstance(payload, expected):
            raise EventInvalid(f"type {kind!r} does not take {type(payload).__name__}")
        if moment > self._latest:
            check_event_time(moment, self._now)
        sealer = self._sealer
        at = self._format_at(moment)
        # what model_dump(mode="json", exclude_none=True) calls, without its wrapper
        data = payload.__pydantic_serializer__.to_python(payload, mode="json", exclude_none=True)
        event_id = self._ids.next()
        first = b'%s%s","data":%s' % (sealer.head, at.encode(), canonical_json(data))
        rest = b'"id":"%s","prev":"%s","seq":%d%s' % (
            event_id.encode(), prev.encode(), seq, sealer.tail(kind)
        )  # fmt: skip
        digest = hashlib.sha256(first + b"," + rest).hexdigest()
        stored = b'%s,"hash":"%s",%s' % (first, digest.encode(), rest)
        event = Event(
            event_id, sealer.agent, seq, sealer.site, kind, at, data, prev, digest, payload
        )
        return event, stored

    def _format_at(self, moment: datetime) -> str:
        """``format_at``, with the part up to the seconds written once per minute of the
        batch (formatting all seven fields was the dearest step of sealing, ahead of the hash)."""
        if moment.tzinfo is not UTC:
            return format_at(moment)
        minute = (moment.year, moment.month, moment.day, moment.hour, moment.minute)
        start = self._minutes.get(minute)
        if start is None:
            start = self._minutes[minute] = _MINUTE % minute
        return "%s%02d.%06dZ" % (start, moment.second, moment.microsecond)  # noqa: UP031


_MINUTE = "%04d-%02d-%02dT%02d:%02d:"
"""``format_at`` up to the seconds: written once per minute of a batch, as events come many
to a minute (a kitchen's readings, twenty a second in a backlog). A batch is one
transaction, so the minutes it keeps are few."""


class EventIds:
    """UUIDv7 ids for one batch, as RFC 9562 (section 6.2, method 2) allows: one millisecond
    and one random ``rand_a`` for the batch, and ``rand_b`` counting up from a random start,
    so ids are unique, sort in the order they were given, and cost one format each."""

    def __init__(
        self, unix_ms: int | None = None, *, rand_a: int | None = None, start: int | None = None
    ) -> None:
        ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
        # unique, not secret: the module's generator, as domain.ids.uuid7 uses
        rand_a = random.getrandbits(12) if rand_a is None else rand_a
        text = f"{ms & _MS_MASK:012x}7{rand_a & 0xFFF:03x}"
        self._prefix = f"{text[:8]}-{text[8:12]}-{text[12:]}-"
        # a start below 2**61 leaves 2**61 ids of room before rand_b's 62 bits run out
        self._counter = random.getrandbits(61) if start is None else start

    def next(self) -> str:
        """The next id of the batch."""
        value = self._counter
        self._counter = value + 1
        # the variant's two bits (10) on top of rand_b's 62: the last two groups at once
        return "%s%04x-%012x" % (self._prefix, _VARIANT | value >> 48, value & _MS_MASK)  # noqa: UP031


_MS_MASK = (1 << 48) - 1
_VARIANT = 0x8000
