"""A FEFO plan says how many lots it looked at (``FefoPlan.reached``), and a plan made on the
first lots of a place, in FEFO order, that looked at fewer than it was given is the plan of
all of them: what lets a decision in the edge's writer read the first lots of a place only
(``edge_agent.kitchen.pipeline.FIRST_LOTS``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.fefo import LotOnHand, fefo_order, fefo_plan

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def lot(name: str, qty: str, expires: date | None, seq: int, **more: object) -> LotOnHand:
    return LotOnHand(name, Decimal(qty), expires, seq, **more)  # type: ignore[arg-type]


def test_a_plan_counts_the_lots_it_looked_at_picked_or_skipped() -> None:
    lots = [
        lot("held", "500", TODAY, 1, blocked="excursion"),
        lot("a", "300", TODAY + timedelta(days=1), 2),
        lot("b", "300", TODAY + timedelta(days=2), 3),
        lot("c", "300", None, 4),
    ]
    covered = fefo_plan(lots, Decimal(200), now=NOW)
    assert ([p.lot for p in covered.picks], covered.reached) == (["a"], 2)  # held, a
    two = fefo_plan(lots, Decimal(450), now=NOW)
    assert ([p.lot for p in two.picks], two.reached) == (["a", "b"], 3)
    short = fefo_plan(lots, Decimal(5000), now=NOW)
    assert (short.shortfall, short.reached) == (Decimal(4100), 4)  # every lot, and short
    assert fefo_plan(lots, Decimal(0), now=NOW).reached == 0


_LOTS = st.lists(
    st.builds(
        lambda qty, days, seq, held, thawing: lot(
            f"L{seq}",
            str(qty),
            None if days is None else TODAY + timedelta(days=days),
            seq,
            blocked="held" if held else None,
            ready_at=NOW + timedelta(hours=1) if thawing else None,
        ),
        st.integers(0, 900),
        st.none() | st.integers(-2, 6),
        st.integers(1, 10_000),
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
    unique_by=lambda held: held.lot,
)


@settings(max_examples=400, deadline=None)
@given(lots=_LOTS, qty=st.integers(0, 3000), first=st.integers(1, 12))
def test_a_plan_that_stopped_short_of_the_lots_it_was_given_is_the_plan_of_them_all(
    lots: list[LotOnHand], qty: int, first: int
) -> None:
    ordered = fefo_order(lots)
    prefix = ordered[:first]
    whole = fefo_plan(ordered, Decimal(qty), now=NOW)
    part = fefo_plan(prefix, Decimal(qty), now=NOW)
    if part.reached < len(prefix):
        assert (part.picks, part.skipped, part.shortfall) == (
            whole.picks,
            whole.skipped,
            whole.shortfall,
        )
    else:  # it looked at every lot it was given: only the whole list can tell
        assert part.reached == len(prefix)
