"""The garbage collector of a running agent, kept out of the way of its writer.

Sealing an event makes a handful of container objects (the payload's dict, the ``Event``,
the row, the lists that carry them), nearly all freed by reference counting when their
transaction is written. With CPython's default thresholds a young collection starts every
700 allocations, about every hundred events, and every hundredth one scans the whole heap
again: the agent's modules, master data, pipelines and the drafts waiting in the writer.
Measured with the agent's modules loaded (docs/benchmarks.md, "Edge append"): 1.2–2.5 µs of
the 11–14 µs of CPU an appended event cost went to the collector.

Events, payloads and rows hold no reference cycles, so collecting less often loses nothing
there; what cycles asyncio makes (a failed task's traceback) are still collected, every
``WRITER_THRESHOLDS[0]`` allocations instead of every 700.
"""

from __future__ import annotations

import gc

WRITER_THRESHOLDS = (10_000, 10, 10)
"""Young collections every 10,000 allocations: appends as cheap as with no collector at all
in a process holding the agent's modules (docs/benchmarks.md), while a cycle still lives
at most that long."""


def tune_for_writing() -> None:
    """Freeze what start-up made (modules, config, master data, pipelines: alive until the
    process ends) out of every later scan, and collect the young less often.

    Called once, when the agent is built and before it takes work; the benchmark of the
    append calls it the same way, so its figures are the agent's.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WRITER_THRESHOLDS)
