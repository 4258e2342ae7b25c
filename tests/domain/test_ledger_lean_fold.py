"""``fold`` (no object per posting) against ``fold_postings`` of ``stock_postings``: the
same balances to the digit and exponent, and the same refusal, on random runs."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.events import EventDraft
from domain.ledger import StockKey, fold, fold_postings, stock_keys, stock_postings
from domain.payloads import (
    LotReceived,
    Payload,
    StockAdjusted,
    StockConsumed,
    StockCounted,
    StockMoved,
)
from domain.quantity import Quantity, Unit
from tests.domain.factories import AT, chain, reading

UNITS = ["g", "kg", "ml", "l", "each"]
LOCATIONS = ["wok", "walk-in"]
amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3)
densities = st.none() | st.sampled_from([Decimal("1.03"), Decimal("0.91"), Decimal("3")])


@st.composite
def stock_drafts(draw: st.DrawFn) -> EventDraft:
    kind = draw(st.sampled_from(["received", "consumed", "counted", "adjusted", "moved", "read"]))
    if kind == "read":
        return reading()
    loc = draw(st.sampled_from(LOCATIONS))
    line = {
        "item": "stock", "lot": draw(st.sampled_from(["L1", "L2"])), "location": loc,
        "qty": draw(amounts), "unit": draw(st.sampled_from(UNITS)),
        "density_g_per_ml": draw(densities),
    }  # fmt: skip
    payload: Payload
    if kind == "received":
        payload, kind = LotReceived(**line), "lot.received"
    elif kind == "consumed":
        payload, kind = StockConsumed(**line), "stock.consumed"
    elif kind == "counted":
        payload, kind = StockCounted(**line), "stock.counted"
    elif kind == "adjusted":
        sign = draw(st.sampled_from(["", "-"]))
        line["qty"] = Decimal(f"{sign}{line['qty']}")
        payload, kind = StockAdjusted(**line, reason="spill"), "stock.adjusted"
    else:
        to = next(where for where in LOCATIONS if where != loc)
        payload, kind = StockMoved(**line, to_location=to), "stock.moved"
    return EventDraft(kind, AT, payload)


opening = st.dictionaries(
    st.sampled_from([StockKey("stock", lot, loc) for lot in ("L1", "L2") for loc in LOCATIONS]),
    st.builds(Quantity, amounts, st.sampled_from([Unit.G, Unit.ML, Unit.EACH, Unit.KG])),
    max_size=3,
)


def _outcome(run: object) -> object:
    try:
        folded = run()  # type: ignore[operator]
    except DomainError as exc:
        return type(exc), str(exc)
    return {key: (str(q.value), q.unit) for key, q in folded.items()}  # str: the exponent too


@settings(max_examples=300, deadline=None)
@given(opening, st.lists(stock_drafts(), max_size=25))
def test_the_lean_fold_is_the_fold_of_postings(balances: dict, drafts: list) -> None:
    events = chain(drafts)

    lean = _outcome(lambda: fold(balances, events))
    by_postings = _outcome(lambda: fold_postings(balances, stock_postings(events)))

    assert lean == by_postings
    assert stock_keys(events) == {posting.key for posting in stock_postings(events)}


def test_a_refused_posting_refuses_the_lean_fold_as_the_fold_of_postings() -> None:
    events = chain([
        EventDraft("lot.received", AT, LotReceived(item="stock", lot="L1", location="wok",
                                                    qty="2", unit="each")),
        EventDraft("stock.consumed", AT, StockConsumed(item="stock", lot="L1", location="wok",
                                                       qty="2", unit="g")),
    ])  # fmt: skip

    lean = _outcome(lambda: fold({}, events))

    assert lean == _outcome(lambda: fold_postings({}, stock_postings(events)))
    assert isinstance(lean, tuple)
    assert "cannot convert" in lean[1]
