"""Group commit: concurrent producers share transactions, and a full queue makes them wait."""

import asyncio
from pathlib import Path

import pytest

from edge_agent.store import EdgeStore, StoreClosed
from edge_agent.writer import GroupCommit, GroupCommitWriter, WriterStopped
from tests.domain.factories import consumed, reading, received


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
