"""Available to promise: free stock first, then arrivals by ETA, then other sites' free stock
one lead time away; the shortfall when nothing covers the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.atp import Arrival, Source, promise

D = Decimal
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_free_stock_now_covers_an_order_at_once() -> None:
    answer = promise(
        "r1", D(500), on_hand=D(800), held=D(200), arrivals=[], sources=[], now=NOW, lead_time=DAY
    )
    assert (answer.can_promise, answer.by, answer.free_now) == (True, NOW, D(600))
    assert [(c.how, c.qty) for c in answer.covers] == [("on_hand", D(500))]


def test_held_stock_is_not_promised_and_arrivals_count_by_eta() -> None:
    later, sooner = NOW + timedelta(hours=6), NOW + timedelta(hours=2)
    answer = promise(
        "r1",
        D(900),
        on_hand=D(800),
        held=D(500),
        arrivals=[Arrival("t-2", "ck", D(400), later), Arrival("t-1", "ck", D(400), sooner)],
        sources=[],
        now=NOW,
        lead_time=DAY,
    )
    assert answer.by == later  # 300 free + 400 at 11:00 + 200 of the 15:00 truck
    assert [(c.how, c.qty, c.transfer) for c in answer.covers] == [
        ("on_hand", D(300), None),
        ("in_transit", D(400), "t-1"),
        ("in_transit", D(200), "t-2"),
    ]


def test_other_sites_cover_the_rest_one_lead_time_away() -> None:
    answer = promise(
        "r1",
        D(1000),
        on_hand=D(100),
        held=D(0),
        arrivals=[Arrival("t-1", "ck", D(100), None)],  # undated: after the dated ones
        sources=[Source("r2", D(300)), Source("ck", D(5000)), Source("r1", D(99))],
        now=NOW,
        lead_time=timedelta(hours=8),
    )
    assert answer.by == NOW + timedelta(hours=8)  # the undated arrival is counted a day out
    assert [(c.how, c.source, c.qty) for c in answer.covers] == [
        ("on_hand", "r1", D(100)),
        ("transfer", "ck", D(900)),  # the site with most free stock first; never r1 itself
    ]


def test_a_late_arrival_is_never_promised_before_now() -> None:
    overdue = Arrival("t-9", "ck", D(50), NOW - timedelta(hours=3))
    answer = promise(
        "r1", D(50), on_hand=D(0), held=D(0), arrivals=[overdue], sources=[], now=NOW, lead_time=DAY
    )
    assert answer.by == NOW


def test_what_cannot_be_covered_is_the_shortfall() -> None:
    answer = promise(
        "r1",
        D(1000),
        on_hand=D(200),
        held=D(300),  # more held than on hand (a count since): nothing free, never negative
        arrivals=[Arrival("t-1", "ck", D(100), NOW + DAY)],
        sources=[Source("r2", D(150))],
        now=NOW,
        lead_time=DAY,
    )
    assert (answer.can_promise, answer.by, answer.shortfall, answer.free_now) == (
        False,
        None,
        D(750),
        D(0),
    )
    with pytest.raises(ValueError, match="not positive"):
        promise(
            "r1", D(0), on_hand=D(1), held=D(0), arrivals=[], sources=[], now=NOW, lead_time=DAY
        )


def test_reserved_stock_is_not_promised_again() -> None:
    answer = promise(
        "r1", D(500), on_hand=D(800), held=D(100), reserved=D(400), arrivals=[], sources=[],
        now=NOW, lead_time=DAY,
    )  # fmt: skip
    assert (answer.free_now, answer.can_promise, answer.shortfall) == (D(300), False, D(200))
    assert [(c.how, c.qty) for c in answer.covers] == [("on_hand", D(300))]
