"""Where a lot sat and what its rooms did to it: the pure maths behind the consumer page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cloud.coldchain.compliance import ExcursionSpan
from cloud.coldchain.rollup import HourSums, arrhenius_term
from cloud.digital_link.journey import Stay, stay_cold_chain, stays
from cloud.digital_link.lookup import LotEvent
from cloud.digital_link.public import recall_status

T = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _event(minutes: int, kind: str, location: str, to: str | None = None) -> LotEvent:
    return LotEvent("site-1", kind, T + timedelta(minutes=minutes), location, to)


def _excursion(start: int, end: int | None) -> ExcursionSpan:
    closed = None if end is None else T + timedelta(minutes=end)
    return ExcursionSpan(1, "closed" if end else "open", "high", Decimal(8), Decimal("9.5"),
                         T + timedelta(minutes=start), T + timedelta(minutes=start + 5), closed,
                         None, None)  # fmt: skip


def _hour(*celsius: str) -> HourSums:
    values = [Decimal(c) for c in celsius]
    return HourSums(min(values), max(values), sum(values, Decimal(0)), len(values),
                    sum(arrhenius_term(v) for v in values))  # fmt: skip


def test_a_stay_runs_from_first_to_last_event_or_to_now_while_on_hand() -> None:
    events = [
        _event(0, "lot.received", "dock"),
        _event(10, "stock.moved", "dock", "cold-1"),
        _event(50, "stock.consumed", "cold-1"),
    ]
    found = stays(events, on_hand={("site-1", "cold-1")})
    assert found == [
        Stay("site-1", "dock", T, T + timedelta(minutes=10)),
        Stay("site-1", "cold-1", T + timedelta(minutes=10), None),
    ]
    assert stays(events, on_hand=set())[1].end == T + timedelta(minutes=50)


def test_time_in_range_counts_only_the_excursions_overlap_with_the_stay() -> None:
    stay = Stay("site-1", "cold-1", T, T + timedelta(hours=2))
    now = T + timedelta(hours=5)
    # 30 min inside the stay, 20 of a second one before its end; a third after it is not counted
    spans = [_excursion(30, 60), _excursion(100, 150), _excursion(200, None)]
    figures = stay_cold_chain(stay, [_hour("3", "4"), _hour("9", "4")], spans, now)
    assert figures.seconds == 7200
    assert figures.seconds_out_of_range == 50 * 60
    assert figures.excursions == 2
    assert figures.percent_in_range == Decimal("58.3")
    assert (figures.min_c, figures.max_c) == (Decimal(3), Decimal(9))
    assert figures.mkt_c is not None
    assert Decimal(5) < figures.mkt_c < Decimal(9)  # above the mean: MKT weighs warm hours


def test_a_stay_without_readings_has_no_mkt_and_is_all_in_range() -> None:
    figures = stay_cold_chain(Stay("site-1", "cold-1", T, None), [], [], T + timedelta(hours=1))
    assert figures.mkt_c is None
    assert figures.percent_in_range == Decimal("100.0")


def test_recall_status_reads_the_holds_reasons() -> None:
    assert recall_status([]) == "none"
    assert recall_status(["excursion #1 at cold-1"]) == "held"
    assert recall_status(["excursion #1", "Recall R-7: supplier lot"]) == "recalled"
    assert recall_status(["供应商批次召回"]) == "recalled"
