"""POS orders, KDS taps and kitchen tickets on the wire: golden messages and fuzz."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.adapters.mqtt.errors import PayloadError
from edge_agent.adapters.mqtt.wire import encode_message, parse_message
from edge_agent.kitchen.messages import (
    KdsTap,
    KitchenTicket,
    OrderLine,
    PosOrder,
    TapAction,
    taps_filter,
    tickets_topic,
)
from edge_agent.site_bus import wildcards

TOPIC = "edgestock/s1/pos/orders"
ORDER = (
    b'{"order_id":"o-17","placed_at":"2026-11-03T10:15:00+00:00","table":"12",'
    b'"lines":[{"item":"burger","qty":2,"modifiers":["no_onion"]},{"item":"fries","qty":1.5}]}'
)


def test_an_order_is_read_with_exact_quantities() -> None:
    order = parse_message(PosOrder, TOPIC, ORDER)
    assert order == PosOrder(
        order_id="o-17",
        placed_at=datetime(2026, 11, 3, 10, 15, tzinfo=UTC),
        table="12",
        lines=(
            OrderLine(item="burger", qty=Decimal(2), modifiers=("no_onion",)),
            OrderLine(item="fries", qty=Decimal("1.5")),
        ),
    )


def test_a_tap_is_read() -> None:
    raw = (
        b'{"ticket_id":"t-1","step":"grill","operator":"ana","action":"done",'
        b'"at":"2026-11-03T10:20:00Z"}'
    )
    tap = parse_message(KdsTap, "edgestock/s1/kds/grill/taps", raw)
    assert tap.action is TapAction.DONE
    assert tap.operator == "ana"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lines": []}, f"{TOPIC}: lines: Tuple should have at least 1 item"),
        (
            {"lines": [{"item": "burger", "qty": 0}]},
            f"{TOPIC}: lines.0.qty: Input should be greater than 0",
        ),
        ({"lines": [{"item": "burger"}]}, f"{TOPIC}: lines.0.qty: Field required"),
        (
            {"placed_at": "2026-11-03T10:15:00"},
            f"{TOPIC}: placed_at: Input should have timezone info",
        ),
        ({"price": 3}, f"{TOPIC}: price: Extra inputs are not permitted"),
    ],
)
def test_a_bad_order_names_the_field(change: dict[str, object], reason: str) -> None:
    order = json.loads(ORDER) | change
    with pytest.raises(PayloadError) as caught:
        parse_message(PosOrder, TOPIC, json.dumps(order).encode())
    assert str(caught.value).startswith(reason)


def test_not_json_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match=r"^edgestock/s1/pos/orders: Invalid JSON"):
        parse_message(PosOrder, TOPIC, b"\x00\x01 not json")


def test_a_ticket_goes_out_as_compact_json_that_reads_back() -> None:
    ticket = KitchenTicket(
        ticket_id="t-o-17",
        order_id="o-17",
        created_at=datetime(2026, 11, 3, 10, 16, tzinfo=UTC),
        lines=(OrderLine(item="burger", qty=Decimal(2)),),
        steps=("grill", "assemble"),
    )
    wire = encode_message(ticket)
    assert b"note" not in wire
    assert b" " not in wire
    assert parse_message(KitchenTicket, "t", wire) == ticket


def test_topics_of_a_site() -> None:
    assert tickets_topic("s1", "grill") == "edgestock/s1/kds/grill/tickets"
    taps = taps_filter("s1")
    assert wildcards(taps, "edgestock/s1/kds/grill/taps") == ("grill",)
    assert wildcards(taps, "edgestock/s1/kds/a/b/taps") is None
    assert wildcards(taps, "edgestock/s2/kds/grill/taps") is None
    assert wildcards(taps, "edgestock/s1/kds//taps") is None
    assert wildcards("edgestock/s1/#", "edgestock/s1/kds/grill/taps") == ("kds/grill/taps",)
    with pytest.raises(ValueError, match="one MQTT topic level"):
        tickets_topic("s1", "grill/#")


@given(payload=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=len(ORDER)))
def test_random_and_truncated_input_only_raises_payload_error(payload: bytes, cut: int) -> None:
    for model in (PosOrder, KdsTap):
        for candidate in (payload, ORDER[:cut]):
            with contextlib.suppress(PayloadError):
                parse_message(model, TOPIC, candidate)
