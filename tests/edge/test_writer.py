"""Group commit: concurrent producers share transactions, and a full queue makes them wait."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import LotReceived
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.store import EdgeStore, StoreClosed
from edge_agent.store.decisions import (
    Decided,
    DecisionFailed,
    FefoConsumption,
    LotsAt,
    StockDecision,
    decide,
)
from edge_agent.writer import GroupCommit, GroupCommitWriter, WriterStopped
from tests.domain.factories import AT, consumed, reading, received


async def test_concurrent_producers_share_commits_and_get_their_own_events(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    committed: list[int] = []
    writer = GroupCommitWriter(
        store,
        GroupCommit(max_events=500, max_delay_ms=20),
        on_commit=lambda e: committed.append(len(e)),
    )
    task = asyncio.create_task(writer.run())
    results = await asyncio.gather(*(writer.submit([reading(str(n))]) for n in range(200)))
    task.cancel()
    assert sorted(events[0].data["value"] for events in results) == sorted(
        str(n) for n in range(200)
    )
    assert sum(committed) == 200
    assert len(committed) < 20  # shared fsyncs, not one per producer
    assert store.stats().last_seq == 200


async def test_a_full_queue_holds_producers_back_instead_of_dropping(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(queue_size=2))
    producers = [asyncio.create_task(writer.submit([reading(str(n))])) for n in range(5)]
    await asyncio.sleep(0.05)
    assert not any(p.done() for p in producers)  # nothing written yet: no writer running
    assert writer._queue.full()
    task = asyncio.create_task(writer.run())
    await asyncio.wait_for(asyncio.gather(*producers), 5)
    task.cancel()
    assert store.stats().last_seq == 5
    assert writer.idle


async def test_a_refused_batch_fails_its_producers_and_the_writer_goes_on(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=0))
    task = asyncio.create_task(writer.run())
    await writer.submit([received("L1", "1", unit="l")])
    with pytest.raises(ValueError, match="density"):
        await writer.submit([consumed("L1", "100", unit="g")])  # mass from volume
    (event,) = await asyncio.wait_for(writer.submit([reading()]), 5)
    assert event.seq == 2
    assert not task.done()
    task.cancel()


async def test_one_producers_refused_input_does_not_fail_those_who_shared_its_commit(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=50))
    store.append([received("L1", "1", unit="l")], {})
    producers = [writer.submit([reading(str(n))]) for n in range(5)]
    producers.insert(2, writer.submit([consumed("L1", "100", unit="g")]))  # mass from volume
    task = asyncio.create_task(writer.run())
    results = await asyncio.wait_for(asyncio.gather(*producers, return_exceptions=True), 5)
    task.cancel()
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert "density" in str(refused[0])
    assert store.stats().last_seq == 6  # the receipt and the five readings
    assert not isinstance(results[2], list)


async def test_a_writer_whose_store_fails_stops_every_producer_with_the_cause(
    tmp_path: Path,
) -> None:
    """The store is closed under a running writer: the producer in the failed batch, those
    queued behind it, those waiting for room in the queue and any later one all hear
    WriterStopped naming the cause; none waits forever."""
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_events=1, max_delay_ms=0, queue_size=2))
    task = asyncio.create_task(writer.run())
    await writer.submit([reading("1")])
    store.close()
    producers = [asyncio.create_task(writer.submit([reading(str(n))])) for n in range(6)]
    outcomes = await asyncio.wait_for(asyncio.gather(*producers, return_exceptions=True), 5)
    assert all(isinstance(o, WriterStopped) for o in outcomes), outcomes
    assert all(isinstance(o.__cause__, StoreClosed) for o in outcomes)
    assert "the event writer has stopped: StoreClosed(" in str(outcomes[0])
    with pytest.raises(StoreClosed):
        await asyncio.wait_for(task, 5)
    with pytest.raises(WriterStopped, match="store is closed"):
        await asyncio.wait_for(writer.submit([reading("7")]), 1)
    assert writer.idle  # an agent draining the writer at shutdown does not wait forever
    reopened = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    assert reopened.stats().last_seq == 1  # nothing half-written


async def test_a_cancelled_writer_refuses_later_work_instead_of_hanging(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    await writer.submit([reading()])
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    with pytest.raises(WriterStopped, match="it was cancelled"):
        await asyncio.wait_for(writer.submit([reading()]), 1)


async def test_a_batch_taken_before_cancellation_is_written_and_its_producers_told(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=0))
    task = asyncio.create_task(writer.run())
    producer = asyncio.create_task(writer.submit([reading(str(n)) for n in range(3000)]))
    await asyncio.sleep(0.01)  # the writer has taken the batch; 3000 events take longer
    assert not writer.idle
    task.cancel()
    events = await asyncio.wait_for(producer, 10)
    assert [e.seq for e in events] == list(range(1, 3001))
    assert store.stats().last_seq == 3000


async def test_a_lone_producer_is_written_at_once_not_after_the_linger(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=1000))
    task = asyncio.create_task(writer.run())
    loop = asyncio.get_running_loop()
    waits = []
    for n in range(3):
        began = loop.time()
        await writer.submit([reading(str(n))])
        waits.append(loop.time() - began)
    task.cancel()
    assert max(waits) < 0.5, waits  # lingering would have cost a second each
    assert writer.commits == 3


# -- decisions that read stock are taken in the writer -------------------------------------

SCALES = 6
DROPS = 10  # of 130 g each, per scale: 7,800 g in all, from 9,000 g in three lots


def _stocked_store(path: Path) -> EdgeStore:
    """Chicken at the wok in three lots of 3 kg, expiring one day after another."""
    store = EdgeStore(path, agent="a", site="s")
    store.append(
        [
            EventDraft("lot.received", AT, LotReceived(item="chicken", lot=lot, location="wok",
                                                       qty="3000", unit="g", expires_on=day))
            for lot, day in (("L1", date(2026, 11, 26)), ("L2", date(2026, 11, 27)),
                             ("L3", date(2026, 11, 28)))
        ]
    )  # fmt: skip
    return store


def _drop(device: str, grams: int, n: int) -> Observation:
    at = AT + timedelta(seconds=n)
    return Observation(device, at, {"weight": Decimal(grams), "stable": True}, {"weight": "g"})


async def _scale(device: str, submit: Callable[[list[EventDraft]], Awaitable[object]]) -> None:
    """One station's scale: a container of 10 kg losing 130 g at a time."""
    tracker = ScaleTracker(ScaleBinding(device=device, item="chicken", location="wok"),
                           last_stable=Decimal(10_000))  # fmt: skip
    for n in range(1, DROPS + 1):
        await submit(tracker.observe(_drop(device, 10_000 - 130 * n, n)))


async def test_scales_deducting_the_same_lots_at_once_never_take_the_same_stock_twice(
    tmp_path: Path,
) -> None:
    store = _stocked_store(tmp_path / "a.db")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=5))
    task = asyncio.create_task(writer.run())
    await asyncio.wait_for(
        asyncio.gather(*(_scale(f"s{n}", writer.submit) for n in range(SCALES))), 30
    )
    task.cancel()
    taken: dict[str, Decimal] = {}
    for event in store.events():
        if event.type == "stock.consumed":
            taken[event.data["lot"]] = taken.get(event.data["lot"], Decimal(0)) + Decimal(
                event.data["qty"]
            )
    assert taken == {"L1": Decimal(3000), "L2": Decimal(3000), "L3": Decimal(1800)}  # FEFO
    balances = {key.lot: q.value for key, q in store.ledger().items()}
    assert balances == {"L1": Decimal(0), "L2": Decimal(0), "L3": Decimal(1200)}
    assert writer.commits < SCALES * DROPS  # decisions shared transactions, and saw each other


async def test_scales_picking_before_the_writer_would_take_the_same_stock_twice(
    tmp_path: Path,
) -> None:
    """Why decisions are taken in the writer: picked from ``lots_on_hand`` while earlier
    drafts still wait in the queue, several scales take L1's last grams (the old design)."""
    store = _stocked_store(tmp_path / "a.db")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=5))
    task = asyncio.create_task(writer.run())

    async def pick_outside(drafts: list[EventDraft]) -> object:
        (used,) = [d for d in drafts if isinstance(d, FefoConsumption)]
        return await writer.submit(decide(used, store.lots_on_hand))  # stale: queued drafts

    await asyncio.wait_for(
        asyncio.gather(*(_scale(f"s{n}", pick_outside) for n in range(SCALES))), 30
    )
    task.cancel()
    assert min(q.value for q in store.ledger().values()) < 0


# -- a producer's own decision, run by the writer ------------------------------------------


def _taking_the_first_lot(seen: list[list[str]]) -> StockDecision:
    """Consumes 100 g from the first lot of chicken at the wok it finds, and stores what it
    saw as its state (so the test can tell which run was stored)."""

    def decide_(lots_at: LotsAt) -> Decided:
        lots = [f"{lot.lot}:{lot.on_hand}" for lot in lots_at("chicken", "wok")]
        seen.append(lots)
        lot = next(lot.lot for lot in lots_at("chicken", "wok") if lot.on_hand > 0)
        return Decided([consumed(lot, "100")], {"taker": ",".join(lots).encode()})

    return StockDecision(decide_, "take 100 g")


async def test_a_decision_sees_the_drafts_queued_before_it_and_stores_its_own_state(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=50))
    store.append([received("L1", "100"), received("L2", "500")])
    seen: list[list[str]] = []
    producers = [  # queued before the writer runs: one group commit
        writer.submit([consumed("L1", "60")]),
        writer.submit([_taking_the_first_lot(seen)], {"taker": b"stale"}),
    ]
    task = asyncio.create_task(writer.run())
    _, (taken,) = await asyncio.wait_for(asyncio.gather(*producers), 5)
    task.cancel()
    assert writer.commits == 1
    assert seen == [["L1:40", "L2:500"]]  # the queued 60 g already folded in
    assert (taken.type, taken.data["lot"]) == ("stock.consumed", "L1")
    assert store.checkpoint("taker") == b"L1:40,L2:500"  # the decision's state wins


async def test_a_decision_that_fails_fails_only_its_producer_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=50))

    def broken(lots_at: LotsAt) -> Decided:
        raise KeyError("no such recipe")

    producers = [writer.submit([reading(str(n))]) for n in range(3)]
    producers.insert(1, writer.submit([StockDecision(broken, "step 1.wok of t-o1-wok")]))
    task = asyncio.create_task(writer.run())
    results = await asyncio.wait_for(asyncio.gather(*producers, return_exceptions=True), 5)
    assert isinstance(results[1], DecisionFailed)
    assert "step 1.wok of t-o1-wok" in str(results[1])
    assert "no such recipe" in str(results[1])
    assert [len(r) for r in results if isinstance(r, list)] == [1, 1, 1]
    (later,) = await asyncio.wait_for(writer.submit([reading("9")]), 5)
    assert later.seq == 4
    task.cancel()


def test_a_decision_sees_the_drafts_before_it_in_its_own_part(tmp_path: Path) -> None:
    """A scale's receipt and a use in one submission: the use is picked from that receipt
    (it used to see only earlier submissions, and charged the lot ``unknown``)."""
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    used = consumed("to-pick", "60")
    drafts = [received("L1", "100"), FefoConsumption(used.type, used.at, used.payload, AT.date())]
    events = store.append(drafts)
    assert [(e.type, e.data["lot"], e.data["qty"]) for e in events] == [
        ("lot.received", "L1", "100"),
        ("stock.consumed", "L1", "60"),
    ]
