"""What the edge seals the cloud can store (issue 9, defence 1), proved with generated events.

Payload documents for every event type, hostile values mixed in (``tests/domain/
test_payloads_values.py``), go through the domain's validation as the edge would: what it
accepts is sealed normally; what it refuses is sealed as an older agent without today's
validation sealed it. Every batch is posted to the real API (signed, over HTTP) and stored
in real PostgreSQL. The cloud must answer 200 to every batch; store every event, in chain
order; keep every accepted event readable, its data exactly as sealed (the one exception: a
posting the ledger refuses, such as a volume taken from a lot kept by mass, which depends on
the events before it); and keep every refused event as unreadable.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import orjson
import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import EventInvalid
from domain.events import GENESIS, Event, event_hash, format_at, seal
from domain.ids import uuid7
from tests.cloud.builders import AgentChain, post_events
from tests.domain.test_payloads_values import NOW, accepted_draft, generated

EXAMPLES = 150


def _seal(chain: AgentChain, kind: str, document: dict[str, Any], at: Any) -> str:
    """Seal one generated event onto ``chain`` and say how: accepted, refused (sealed as an
    older agent sent it) or not sealed at all."""
    prev = chain.events[-1].hash if chain.events else GENESIS
    seq = len(chain.events) + 1
    draft = accepted_draft(kind, document, at)
    if draft is not None:
        try:
            event = seal(draft, agent=chain.agent, site=chain.site, seq=seq, prev=prev, now=NOW)
        except EventInvalid:
            # Ahead of the (fixed) sealing clock, but in the past of the cloud's real one:
            # that window is tested against the real clock in test_unreadable_events.py.
            return "not sent: ahead of the sealing clock"
        chain.events.append(event)
        return "accepted"
    body = {"id": uuid7(), "agent": chain.agent, "seq": seq, "site": chain.site, "type": kind,
            "at": format_at(at), "data": document, "prev": prev}  # fmt: skip
    try:
        digest = event_hash(body)
    except (TypeError, ValueError):  # an integer JSON cannot carry: no agent could seal it
        return "not sent: an integer beyond 64 bits"
    chain.events.append(Event(**body, hash=digest))
    return "refused"


def _reasons(database_url: str, agent: str, seqs: set[int]) -> dict[int, str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq, reason FROM unreadable_events WHERE agent = %s AND seq = ANY(%s)",
            (agent, sorted(seqs)),
        ).fetchall()
    return {int(seq): str(reason) for seq, reason in rows}


def test_what_validation_accepts_is_stored_readable_and_nothing_gets_a_500(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain(agent="agent-fuzz")
    figures: Counter[str] = Counter()
    readable: set[int] = set()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(generated, min_size=1, max_size=8))
    def post_one_batch(batch: list[tuple[str, dict[str, Any], Any]]) -> None:
        first = len(chain.events)
        refused: set[int] = set()
        for kind, document, at in batch:
            figures["tried"] += 1
            outcome = _seal(chain, kind, document, at)
            figures[outcome] += 1
            if outcome == "refused":
                refused.add(chain.events[-1].seq)
        fresh = chain.events[first:]
        if not fresh:
            return

        response = post_events(client, chain.agent, fresh)

        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["acked_seq"] == chain.events[-1].seq
        unreadable = set(answer["unreadable"])
        assert refused <= unreadable
        ledger = unreadable - refused
        reasons = _reasons(database_url, chain.agent, ledger)
        assert all(reasons[seq].startswith("ledger: ") for seq in ledger), reasons
        figures["stored readable"] += len(fresh) - len(unreadable)
        figures["stored unreadable: refused by validation"] += len(refused)
        figures["stored unreadable: refused by the ledger"] += len(ledger)
        readable.update(e.seq for e in fresh if e.seq not in unreadable)

    post_one_batch()

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq, type, data FROM events WHERE agent = %s ORDER BY seq", (chain.agent,)
        ).fetchall()
    assert [seq for seq, _, _ in rows] == [e.seq for e in chain.events]
    stored = {int(seq): (kind, data) for seq, kind, data in rows if int(seq) in readable}
    for event in chain.events:
        if event.seq in readable:
            assert stored[event.seq] == (event.type, orjson.loads(orjson.dumps(event.data)))
    print(f"\nproperty test figures ({EXAMPLES} batches): {dict(sorted(figures.items()))}")
    assert figures["accepted"] > 0
    assert figures["refused"] > 0
