"""Order lifecycles as data: the states an order type goes through, the transitions between
them, who may fire each, the guards that must hold and the actions that follow.

.. code-block:: yaml

    order_type: made-to-order
    initial: design
    states: [design, deposit_paid, sample, confirmed, balance_paid, shipped, cancelled]
    transitions:
      - name: deposit_received
        from: [design]
        to: deposit_paid
        roles: [sales]
        guards: [{paid_pct_at_least: 30}]        # deposit >= 30 % of the total received
        actions: [{notify: {role: production, message: "start the sample"}}]

Everything is checked when the file is loaded (``edge_agent.yaml_config.load_model`` names the
file, line and field of each problem): states named once, the initial state and every
transition's ends among them, transition names unique, every state reachable. Firing is a
pure decision (``refusal``, ``fire``) over the order's state, the caller's roles and the money
received, so the cloud and the tests take the same decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

Word = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
"""A state, transition, order type or role name: lower case, no spaces."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PaidAtLeast(_Part):
    """Money received (deposits and balances less refunds) is at least this share of the
    order's total, in per cent: ``{paid_pct_at_least: 30}`` is "deposit >= 30 %"."""

    paid_pct_at_least: Decimal = Field(ge=0, le=100)


class BalanceAtMost(_Part):
    """What the customer still owes is at most this amount: ``{balance_due_at_most: 0}``."""

    balance_due_at_most: Decimal = Field(ge=0)


Guard = PaidAtLeast | BalanceAtMost


class Notify(_Part):
    role: Word
    message: Text


class NotifyAction(_Part):
    notify: Notify


Ident = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
"""A supplier's id: as the purchasing tables name it."""


class CreateOrder(_Part):
    """``production``: a work order per line of the order, from the site's bill of materials
    for its item; ``purchase``: one draft purchase order of the order's lines from
    ``supplier`` (prices to be filled in before it is submitted)."""

    kind: Literal["production", "purchase"]
    note: Text | None = None
    supplier: Ident | None = None

    @model_validator(mode="after")
    def _supplier_for_purchases(self) -> CreateOrder:
        if (self.kind == "purchase") != (self.supplier is not None):
            raise ValueError("supplier: named for kind purchase, and only there")
        return self


class CreateOrderAction(_Part):
    """Open a production or purchase order for the order's lines."""

    create_order: CreateOrder


class ReserveStock(_Part):
    """Reserve the order's lines where the site keeps stock; order-driven sites have every
    item available, so there it is recorded as not needed."""

    reserve_stock: dict[str, str] = Field(default_factory=dict, max_length=0)


class ReleaseStock(_Part):
    """End the order's open reservations at the site (a cancelled order gives its stock
    back to other orders); nothing to do on an order-driven site."""

    release_stock: dict[str, str] = Field(default_factory=dict, max_length=0)


Action = NotifyAction | CreateOrderAction | ReserveStock | ReleaseStock


class Transition(_Part):
    name: Word
    from_: list[Word] = Field(alias="from", min_length=1)
    to: Word
    roles: list[Word] = Field(default_factory=list)
    """Who may fire it (any of them); empty means anyone allowed to edit orders."""
    guards: list[Guard] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


class Lifecycle(_Part):
    """One order type's state machine."""

    order_type: Word
    initial: Word
    states: list[Word] = Field(min_length=1)
    transitions: list[Transition] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Lifecycle:
        problems = _problems(self)
        if problems:
            raise located_errors("Lifecycle", problems)
        return self

    def transition(self, name: str) -> Transition | None:
        """The transition called ``name``, if any."""
        return next((t for t in self.transitions if t.name == name), None)


Where = tuple[str | int, ...]


def _problems(cycle: Lifecycle) -> list[tuple[Where, str]]:
    problems: list[tuple[Where, str]] = []
    states = set(cycle.states)
    for index, state in enumerate(cycle.states):
        if state in cycle.states[:index]:
            problems.append((("states", index), f"state {state!r} is named twice"))
    if cycle.initial not in states:
        problems.append((("initial",), f"{cycle.initial!r} is not one of the states"))
    seen: set[str] = set()
    for index, step in enumerate(cycle.transitions):
        where: Where = ("transitions", index)
        if step.name in seen:
            problems.append(((*where, "name"), f"transition {step.name!r} is named twice"))
        seen.add(step.name)
        for n, source in enumerate(step.from_):
            if source not in states:
                problems.append(((*where, "from", n), f"{source!r} is not one of the states"))
        if step.to not in states:
            problems.append(((*where, "to"), f"{step.to!r} is not one of the states"))
    if not problems:
        for state in sorted(states - _reachable(cycle)):
            where = ("states", cycle.states.index(state))
            problems.append((where, f"state {state!r} cannot be reached from {cycle.initial!r}"))
    return problems


def next_states(cycle: Lifecycle, current: str) -> frozenset[str]:
    """The states a transition of ``cycle`` takes an order in ``current`` to."""
    return frozenset(step.to for step in cycle.transitions if current in step.from_)


def _reachable(cycle: Lifecycle) -> set[str]:
    reached, frontier = {cycle.initial}, [cycle.initial]
    while frontier:
        state = frontier.pop()
        for step in cycle.transitions:
            if state in step.from_ and step.to not in reached:
                reached.add(step.to)
                frontier.append(step.to)
    return reached


def located_errors(title: str, problems: list[tuple[Where, str]]) -> ValidationError:
    """One validation error per problem, each at its place in the document, so
    ``load_model`` reports the file, line and field of each (the reports use it too)."""
    details = [
        InitErrorDetails(
            type=PydanticCustomError("consistency", "{message}", {"message": message}),
            loc=where,
            input=None,
        )
        for where, message in problems
    ]
    return ValidationError.from_exception_data(title, details)


@dataclass(frozen=True, slots=True)
class Money:
    """What an order is worth and what has been received for it."""

    total: Decimal
    paid: Decimal

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid

    @property
    def paid_pct(self) -> Decimal:
        return Decimal(100) if self.total == 0 else self.paid * 100 / self.total


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a transition may not fire: ``code`` one word, ``message`` for people."""

    code: Literal["unknown_transition", "wrong_state", "not_allowed", "guard"]
    message: str


def refusal(
    cycle: Lifecycle, state: str, name: str, roles: frozenset[str], money: Money
) -> Refusal | None:
    """Why ``name`` may not fire on an order in ``state`` by someone holding ``roles``, or
    None when it may."""
    step = cycle.transition(name)
    if step is None:
        known = ", ".join(t.name for t in cycle.transitions)
        return Refusal("unknown_transition", f"{cycle.order_type} has no {name!r} ({known})")
    if state not in step.from_:
        froms = ", ".join(step.from_)
        return Refusal("wrong_state", f"{name!r} fires from {froms}, not from {state!r}")
    if step.roles and not roles & set(step.roles):
        return Refusal("not_allowed", f"{name!r} is fired by {' or '.join(step.roles)}")
    for guard in step.guards:
        unmet = _unmet(guard, money)
        if unmet is not None:
            return Refusal("guard", unmet)
    return None


def _unmet(guard: Guard, money: Money) -> str | None:
    if isinstance(guard, PaidAtLeast):
        if money.paid_pct < guard.paid_pct_at_least:
            return (
                f"needs {guard.paid_pct_at_least} % paid, {money.paid_pct:.1f} % received"
                f" ({money.paid} of {money.total})"
            )
        return None
    if money.balance_due > guard.balance_due_at_most:
        return f"balance due {money.balance_due} is over {guard.balance_due_at_most}"
    return None
