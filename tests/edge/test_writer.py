"""Group commit: concurrent producers share transactions, and a full queue makes them wait."""

import asyncio
from pathlib import Path

from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommit, GroupCommitWriter
from tests.domain.factories import reading


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
