"""The body of every approve or refuse of a waiting step (transfers, purchase orders, order
transitions, stock adjustments): one model, so the API reads the same everywhere."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.payloads import Note

Verdict = Literal["approve", "refuse"]
"""The last part of a decision's path: ``…/approve`` or ``…/refuse``."""


class DecisionCreate(BaseModel):
    """A decision's note, kept with who decided and when."""

    model_config = ConfigDict(extra="forbid")

    note: Note | None = None
