"""The cloud's side of the domain's projections, inside the batch's transaction.

Stock is ``domain.ledger.fold`` over balances locked first; lots and holds are
``domain.projections``: a batch's events are folded in Python from nothing, then merged into
the stored rows by upserts whose conflict clause is the very merge of the domain
(``merge_lot``: earliest expiry and first receipt, PostgreSQL's LEAST ignoring NULLs as
``earliest`` does; ``merge_hold``: the greater ``Word`` stands). Those merges do not depend
on arrival order, so agents' batches may come in any order and two batches touching a row
serialise on its lock without losing a word. Rows are written in key order, so two batches
lock in the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from cloud.ingest import store
from cloud.ingest.clocks import save_clocks
from cloud.ingest.lot_order import save_lot_order
from cloud.ingest.plan import fold_site
from cloud.ingest.reservations import save_reservations
from cloud.ingest.transit import save_transit
from domain.events import Event
from domain.ledger import StockKey, stock_keys
from domain.projections import HoldRecord, fold_holds, fold_lots
from domain.quantity import Quantity


def ledger_keys(events: Sequence[Event]) -> dict[str, list[StockKey]]:
    """By site, the balances the readable events touch, sorted (the order locks are taken)."""
    keys = {site: sorted(stock_keys(site_events)) for site, site_events in by_site(events).items()}
    return {site: site_keys for site, site_keys in keys.items() if site_keys}


def fold_ledger(
    balances: Mapping[str, Mapping[StockKey, Quantity]],
    events: Sequence[Event],
    keys: Mapping[str, list[StockKey]] | None = None,
) -> tuple[dict[str, dict[StockKey, Quantity]], dict[int, str]]:
    """Fold the readable events into each site's locked ``balances``: the balances they
    change, by site, and the events the ledger refused (seq -> why).

    ``keys``: ``ledger_keys(events)`` when the caller has it already (it costs a pass over
    the events' payloads)."""
    keys = ledger_keys(events) if keys is None else keys
    folded: dict[str, dict[StockKey, Quantity]] = {}
    refused: dict[int, str] = {}
    for site, site_events in by_site(events).items():
        site_keys = keys.get(site)
        if site_keys:
            after, site_refused = fold_site(balances.get(site, {}), site_events)
            refused |= site_refused
            folded[site] = {k: after[k] for k in site_keys if k in after}
    return folded, refused


async def save_ledger(
    conn: store.Conn, agent: str, last_seq: int, folded: Mapping[str, Mapping[StockKey, Quantity]]
) -> None:
    """Write ``fold_ledger``'s balances back (``updated_seq``: the agent's head after)."""
    for site, balances in folded.items():
        await store.save_balances(conn, site, balances, agent, last_seq)


async def post_ledger(conn: store.Conn, agent: str, events: list[Event]) -> dict[int, str]:
    """Fold the batch into each site's balances; return the events the ledger refused."""
    keys = ledger_keys(events)
    balances = {site: await store.lock_balances(conn, site, site_keys)
                for site, site_keys in keys.items()}  # fmt: skip
    folded, refused = fold_ledger(balances, events, keys)
    await save_ledger(conn, agent, events[-1].seq, folded)
    return refused


def by_site(events: Iterable[Event]) -> dict[str, list[Event]]:
    """The readable events, by site, in order."""
    by_site: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.unreadable is None:
            by_site[event.site].append(event)
    return by_site


async def save_lots_and_holds(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    """Merge a site's readable events into ``lots``, ``lot_holds``, ``lot_clocks`` and
    ``lot_order`` (the last two: what the pages read, migration 0060), and ``reservations``."""
    await _save_lots(conn, site, events)
    await _save_holds(conn, site, events)
    await save_transit(conn, events)  # transfer lines, keyed by both ends, not this site
    await save_reservations(conn, site, events)
    await save_clocks(conn, site, events)
    await save_lot_order(conn, site, events)


async def _save_lots(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    lots = fold_lots({}, events)
    if not lots:
        return
    await conn.cursor().executemany(
        "INSERT INTO lots AS l (site, lot, item, expires_on, received_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (site, lot, item) DO UPDATE SET "
        "expires_on = LEAST(l.expires_on, EXCLUDED.expires_on), "
        "received_at = LEAST(l.received_at, EXCLUDED.received_at)",
        [
            (site, key.lot, key.item, lot.expires_on, lot.first.at)
            for key, lot in sorted(lots.items())
        ],
    )


async def _save_holds(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    holds = fold_holds({}, events)
    if not holds:
        return
    await conn.cursor().executemany(
        "INSERT INTO lot_holds AS h (site, item, lot, location, held, reason, cause, "
        "changed_at, changed_agent, changed_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (site, item, lot, location) DO UPDATE SET held = EXCLUDED.held, "
        "reason = EXCLUDED.reason, cause = EXCLUDED.cause, changed_at = EXCLUDED.changed_at, "
        "changed_agent = EXCLUDED.changed_agent, changed_seq = EXCLUDED.changed_seq "
        "WHERE (h.changed_at, h.changed_agent, h.changed_seq) "
        "<= (EXCLUDED.changed_at, EXCLUDED.changed_agent, EXCLUDED.changed_seq)",
        [(site, *_hold_columns(k, h)) for k, h in sorted(holds.items())],
    )


def _hold_columns(
    key: StockKey, hold: HoldRecord
) -> tuple[str, str, str, bool, str | None, str | None, datetime, str, int]:
    word = hold.word
    return (key.item, key.lot, key.location, hold.held, hold.reason, hold.cause,
            word.at, word.agent, word.seq)  # fmt: skip
