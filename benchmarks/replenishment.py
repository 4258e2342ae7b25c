"""Forecast and safety stock for many items at many sites: the cloud's nightly planning.

Generated demand (``simulators.demand``: the four demand groups, weekly profile, China's
holidays, promotions, stock-out spells) for ``--items`` items at ``--sites`` sites over
``--days`` days; each series planned as the API plans it (``domain.replenishment.plan_item``:
group, forecast with known effects and quantiles, lead time, SS, ROP, order in packs, capped
by shelf life). The generation is not timed; the planning is, on one core.

    python benchmarks/replenishment.py [--items 1000] [--sites 5] [--days 182]

Goal (issue 13): 1,000 items × 5 sites in under 60 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import Counter
from datetime import date

from domain.replenishment.lead_time import lead_time
from domain.replenishment.plan import plan_item
from domain.replenishment.policy import OrderTerms
from domain.replenishment.series import KnownDays
from simulators.demand import catalog, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--days", type=int, default=182)
    args = parser.parse_args()
    items = catalog(args.items, seed=1)
    by_id = {item.id: item for item in items}
    series = generate(items, args.sites, args.days, date(2025, 11, 3), seed=2)
    started = time.perf_counter()
    methods: Counter[str] = Counter()
    ordering = 0
    for s in series:
        item = by_id[s.item]
        plan = plan_item(
            s,
            KnownDays.plain(28),
            lead_time("S", [], item.lead_days),
            service=0.95,
            terms=OrderTerms(item.pack, item.min_order, item.shelf_life_days),
            position=item.mean,
        )
        methods[plan.forecast.method] += 1
        ordering += plan.order.qty > 0
    took = time.perf_counter() - started
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"series: {len(series)} ({args.items} items × {args.sites} sites, {args.days} days)")
    print(f"methods: {dict(methods)}; suggesting an order: {ordering}")
    print(f"forecast + safety stock: {took:.1f} s, {1000 * took / len(series):.2f} ms a series")
    print(f"goal < 60 s for 5,000 series: {'met' if took < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
