"""The built-in lifecycles of purchase orders, transfers and work orders: valid in the
lifecycle language (file, line and field for a mistake), the same moves purchasing has always
allowed, and the refusal of any other move with the states it may take."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from cloud.approvals.builtin import FOLDER, builtin, check_move
from cloud.approvals.refusal import Refused
from cloud.transfers.orders import State as TransferState
from domain.lifecycles import Lifecycle, next_states
from domain.purchasing import NEXT_STATES
from edge_agent.yaml_config import ConfigError, load_model


@pytest.mark.parametrize("name", ["purchase-order", "transfer", "work-order"])
def test_each_builtin_file_loads_in_the_lifecycle_language(name: str) -> None:
    cycle = load_model(FOLDER / f"{name}.yaml", Lifecycle)
    assert cycle == builtin(name)
    assert cycle.order_type == name


def test_the_purchase_order_lifecycle_allows_exactly_purchasings_moves() -> None:
    cycle = builtin("purchase-order")
    assert set(cycle.states) == set(NEXT_STATES)
    assert {state: next_states(cycle, state) for state in cycle.states} == NEXT_STATES


def test_the_transfer_lifecycle_has_the_transfer_states() -> None:
    cycle = builtin("transfer")
    assert set(cycle.states) == set(get_args(TransferState))
    assert next_states(cycle, "awaiting_approval") == {"sent", "refused"}
    assert next_states(cycle, "sent") == frozenset()


def test_a_work_order_is_released_then_closed_once() -> None:
    cycle = builtin("work-order")
    assert cycle.initial == "released"
    assert next_states(cycle, "released") == {"closed"}
    assert next_states(cycle, "closed") == frozenset()


def test_a_move_the_lifecycle_lacks_is_refused_with_what_it_may_become() -> None:
    check_move(builtin("purchase-order"), "shipped", "received")
    with pytest.raises(Refused) as refused:
        check_move(builtin("purchase-order"), "draft", "shipped")
    assert (refused.value.status, refused.value.code) == (409, "wrong_state")
    assert refused.value.message == (
        "an order draft cannot become shipped (it may become awaiting_approval, cancelled, sent)"
    )


def test_a_mistake_in_a_builtin_file_names_its_line(tmp_path: Path) -> None:
    text = (FOLDER / "transfer.yaml").read_text().replace("to: refused", "to: lost")
    broken = tmp_path / "transfer.yaml"
    broken.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_model(broken, Lifecycle)
    line = text.splitlines().index("    to: lost") + 1
    assert f"transfer.yaml:{line}: transitions[1].to: 'lost' is not one of the states" in str(
        caught.value
    )
