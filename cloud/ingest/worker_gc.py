"""The garbage collector of a worker that decodes batches of thousands of events.

Decoding a batch makes a few objects per event (dicts, strings, an ``Event``, a payload
model), nearly all alive until the batch is stored. With CPython's default thresholds
(700 allocations) a collection starts every few events and scans every young object, and
the older generations, holding the decoded batches in flight, are scanned again and again:
issue 19 measured 39 % of a busy worker's CPU in the collector, with pauses up to 1.6 s.
Nothing in a batch forms reference cycles, so collecting less often loses nothing.
"""

from __future__ import annotations

import gc

BATCH_THRESHOLDS = (50_000, 50, 100)
"""Young collections every 50,000 allocations (about ten events' worth of batches at once
decoded for each one at the default), older ones rarely: measured in docs/benchmarks.md."""


def tune_for_batches() -> None:
    """Freeze what start-up made (modules, app, routes: never garbage) and raise thresholds."""
    gc.collect()
    gc.freeze()  # start-up objects move out of every later collection's scan
    gc.set_threshold(*BATCH_THRESHOLDS)
