"""The built-in lifecycles of purchase orders, transfers and work orders, and the check of
their moves.

They are the same YAML language as an organisation's order lifecycles (``domain.lifecycles``,
validated when loaded), kept beside this module in ``lifecycles/``. Purchasing, transfers
and work orders check every state change against them, so a move their lifecycle does not
have is refused with the states it may take instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from cloud.approvals.refusal import Refused
from domain.lifecycles import Lifecycle, next_states

FOLDER = Path(__file__).parent / "lifecycles"
"""Where the built-in lifecycle files are: ``<order_type>.yaml``."""


@cache
def builtin(order_type: str) -> Lifecycle:
    """The built-in lifecycle of ``order_type`` (``purchase-order``, ``transfer``,
    ``work-order``)."""
    text = (FOLDER / f"{order_type}.yaml").read_text(encoding="utf-8")
    return Lifecycle.model_validate(yaml.safe_load(text))


def check_move(cycle: Lifecycle, current: str, wanted: str) -> None:
    """Refuse (409 ``wrong_state``) a move from ``current`` to ``wanted`` that no transition
    of ``cycle`` makes, naming the states it may take."""
    allowed = next_states(cycle, current)
    if wanted not in allowed:
        may = ", ".join(sorted(allowed)) or "nothing"
        message = f"an order {current} cannot become {wanted} (it may become {may})"
        raise Refused(409, "wrong_state", message)
