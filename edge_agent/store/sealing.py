"""Sealing at the store's pace: the events and bytes of ``domain.events.seal`` and
``Event.to_json``, with each event serialised once.

``seal`` builds the envelope as a dict, encodes it to hash it, and the store then encoded
the whole event again (with its hash) to store it: two canonical encodings, and two dicts,
per event. Canonical JSON sorts keys, and in the envelope ``hash`` sorts between ``data``
and ``id``, so the stored bytes are the hashed bytes with ``"hash":"…",`` put in at that
point. The parts that never change within a store (agent, site) or within a type are
encoded once; per event only the payload's JSON is encoded. Profiled (cProfile, 40,000
kitchen events): the second encoding and its dict were about a fifth of sealing.

A run of drafts is sealed in one loop (``SealingBatch.seal_run``), which also makes the
rows the store inserts, with every name looked up once per run; the time is written from
its distance to the epoch (a ``timedelta``'s three integers) with the text up to its second
written once per second of a batch.

Every part spliced in is either encoded by ``canonical_json`` or is text of a known plain
alphabet (``format_at``'s time, a UUID, a hex hash, a decimal seq), so the bytes are
exactly ``canonical_json`` of the event: ``tests/edge/test_sealing.py`` checks this against
``seal`` and ``Event.to_json``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from hashlib import sha256

from domain.canonical import canonical_json
from domain.errors import EventInvalid
from domain.events import Event, EventDraft, format_at
from domain.payloads import PAYLOADS, Payload
from domain.values import DEFAULT_AHEAD, check_event_time


class Sealer:
    """Seals one agent's drafts into its chain (the caller keeps seq and prev)."""

    def __init__(self, agent: str, site: str) -> None:
        self.agent = agent
        self.site = site
        self.head = b'{"agent":' + canonical_json(agent) + b',"at":"'
        self._site_json = b',"site":' + canonical_json(site) + b',"type":'
        self.kinds: dict[str, tuple[type[Payload], bytes]] = {}
        """Per event type: the payload class it takes and the envelope's tail (``kind``)."""

    def batch(self, now: datetime, ids: EventIds | None = None) -> SealingBatch:
        """Seal the drafts of one transaction, judging their times by ``now`` (with ``ids``
        when given: a test that pins the bytes pins the ids)."""
        return SealingBatch(self, now, ids)

    def kind(self, event_type: str) -> tuple[type[Payload], bytes]:
        """The payload class ``event_type`` takes and the envelope after ``seq`` (site and
        type), found and encoded once per type; an unknown type is refused (``EventInvalid``)."""
        expected = PAYLOADS.get(event_type)
        if expected is None:
            raise EventInvalid(f"type {event_type!r} is not an event type")
        found = self.kinds[event_type] = (
            expected,
            self._site_json + canonical_json(event_type) + b"}",
        )
        return found


class SealingBatch:
    """The drafts of one transaction: one clock and one run of ids (``EventIds``)."""

    def __init__(self, sealer: Sealer, now: datetime, ids: EventIds | None = None) -> None:
        self._sealer = sealer
        self._head = sealer.head
        self._kinds = sealer.kinds
        self._now = now
        # drafts were checked against the fixed bounds when made (EventDraft), so only the
        # clock's bound is left: one comparison, the full check only to word the refusal
        self._latest = now + DEFAULT_AHEAD
        self._ids = EventIds() if ids is None else ids
        self._seconds: dict[int, str] = {}

    def seal(self, draft: EventDraft, seq: int, prev: str) -> tuple[Event, bytes]:
        """The event of ``draft`` at ``seq`` after ``prev``, and its canonical bytes
        (``seal_run`` of one draft)."""
        events, rows = self.seal_run((draft,), seq - 1, prev)
        return events[0], rows[0][4]

    def seal_run(
        self, drafts: Sequence[EventDraft], after_seq: int, prev: str
    ) -> tuple[list[Event], list[EventRow]]:
        """Seal ``drafts`` in order into the chain after (``after_seq``, ``prev``): their
        events, and the rows that store them.

        Refuses (``EventInvalid``) what ``domain.events.seal`` refuses: a payload not of
        the draft's type, a time more than a day past the batch's clock.
        """
        # one loop, every name local: per event, calls and attribute look-ups cost the
        # interpreter about as much as the hash and the encoder together
        sealer, kinds, seconds, head = self._sealer, self._kinds, self._seconds, self._head
        agent, site, latest = sealer.agent, sealer.site, self._latest
        seq, prev_text = after_seq, prev.encode()
        events: list[Event] = []
        rows: list[EventRow] = []
        keep_event, keep_row = events.append, rows.append
        for draft, event_id in zip(drafts, self._ids.take(len(drafts)), strict=True):
            payload, kind, moment = draft.payload, draft.type, draft.at
            try:
                expected, tail = kinds[kind]
            except KeyError:
                expected, tail = sealer.kind(kind)
            if not isinstance(payload, expected):
                raise EventInvalid(f"type {kind!r} does not take {type(payload).__name__}")
            if moment > latest:
                check_event_time(moment, self._now)
            if moment.tzinfo is UTC:
                # format_at, with the text up to the second written once per second of the
                # batch: a timedelta's three integers cost less than a datetime's seven fields
                since = moment - _EPOCH
                second = since.days * 86_400 + since.seconds
                start = seconds.get(second)
                if start is None:
                    start = seconds[second] = format_at(moment)[:20]
                micros = since.microseconds
                at = start + _DIGITS[micros // 1000] + _DIGITS_Z[micros % 1000]
            else:
                at = format_at(moment)
            # what model_dump(mode="json", exclude_none=True) calls, without its wrapper
            data = payload.__pydantic_serializer__.to_python(
                payload, mode="json", exclude_none=True
            )
            seq += 1
            # hashed: these two parts; stored: the hash put in between them
            hashed = b'%s%s","data":%s,' % (head, at.encode(), canonical_json(data))
            rest = b'"id":"%s","prev":"%s","seq":%d%s' % (
                event_id.encode(), prev_text, seq, tail
            )  # fmt: skip
            digest = sha256(hashed + rest).hexdigest()
            digest_text = digest.encode()
            keep_event(Event(event_id, agent, seq, site, kind, at, data, prev, digest, payload))
            keep_row((seq, event_id, kind, at, b'%s"hash":"%s",%s' % (hashed, digest_text, rest)))
            prev, prev_text = digest, digest_text
        return events, rows


EventRow = tuple[int, str, str, str, bytes]
"""An event as the store's ``events`` table takes it: seq, id, type, at, canonical bytes."""

_DIGITS = tuple(f"{n:03d}" for n in range(1000))
_DIGITS_Z = tuple(f"{n:03d}Z" for n in range(1000))
"""A time's microseconds are written as two looked-up halves: a zero-padded ``%06d`` was the
dearest part of writing the time (0.15 µs of CPU against the halves' 0.08, timed alone)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Times are written from their distance to this instant: the same ``UTC`` object as theirs,
so the subtraction needs no offset."""


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
        return self.take(1)[0]

    def take(self, count: int) -> list[str]:
        """The next ``count`` ids of the batch, in order (a run's at once: one call)."""
        start, prefix = self._counter, self._prefix
        self._counter = start + count
        # the variant's two bits (10) on top of rand_b's 62: the last two groups at once
        return [
            "%s%04x-%012x" % (prefix, _VARIANT | value >> 48, value & _MS_MASK)  # noqa: UP031
            for value in range(start, start + count)
        ]


_MS_MASK = (1 << 48) - 1
_VARIANT = 0x8000
