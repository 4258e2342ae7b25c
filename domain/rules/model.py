"""A rule file: ``when`` a trigger, ``if`` a condition holds, tell ``targets`` and act.

.. code-block:: yaml

    rules:
      - id: shelf-life-under-a-day
        when: {every: PT5M}                # or {event: excursion.opened}
        if: {field: lot.remaining_shelf_life, op: lt, value: P1D}
        targets: [kitchen_manager]
        actions:
          - notify: {message: "{lot.item} {lot.id} expires {lot.expires_on}"}
          - block_lot: {reason: "less than a day of shelf life left"}
          # also: freeze_where_used: {reason: ...} (every lot where the lot was used)

Everything is checked when the file is loaded, against the fields the trigger provides
(``domain.rules.fields``): an unknown event type, field, role or action, an operator that does
not suit a field, a value of the wrong kind, a placeholder that names nothing. Each error
carries its place in the file, so ``load_model`` reports the file, line and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.payloads import PAYLOADS
from domain.rules.conditions import Condition, Problem, typed
from domain.rules.fields import (
    ITEM_FIELDS,
    LOCATION_FIELDS,
    LOT_FIELDS,
    RULE_FIELDS,
    Fields,
    event_fields,
    has_location,
    has_lot,
)
from domain.rules.templates import template_problems

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Role(StrEnum):
    """Who a rule is for; an agent's ``roles:`` says which people hold each role."""

    KITCHEN_MANAGER = "kitchen_manager"
    QUALITY_MANAGER = "quality_manager"
    CHEF = "chef"
    COOK = "cook"
    STORE_MANAGER = "store_manager"
    PURCHASER = "purchaser"
    MAINTENANCE = "maintenance"


class Scope(StrEnum):
    """How often an action runs for one trigger."""

    LOT = "lot"  # for each matching lot
    ITEM = "item"  # for each item among the matching lots
    TRIGGER = "trigger"  # once, when anything matched


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class EventTrigger(_Part):
    event: str

    @field_validator("event")
    @classmethod
    def _known(cls, event: str) -> str:
        if event not in PAYLOADS:
            raise ValueError(f"unknown event type {event!r}; known: {', '.join(sorted(PAYLOADS))}")
        return event


class ClockTrigger(_Part):
    """Evaluated on the agent's clock, at most once per ``every``, for each lot on hand."""

    every: Annotated[timedelta, Field(gt=timedelta(0))]


def _one_key(known: tuple[str, ...]) -> Callable[[object], str | None]:
    def tag(value: object) -> str | None:
        if isinstance(value, BaseModel):
            return next(k for k in known if k in type(value).model_fields)
        if isinstance(value, dict) and len(value) == 1:
            (key,) = value
            return key if key in known else None
        return None

    return tag


def _trigger_kind(value: object) -> str | None:
    """The tag names no key of the file, so an error's path reads ``when.event``."""
    key = _one_key(("event", "every"))(value)
    return f"on_{key}" if key else None


Trigger = Annotated[
    Annotated[EventTrigger, Tag("on_event")] | Annotated[ClockTrigger, Tag("on_every")],
    Discriminator(
        _trigger_kind,
        custom_error_type="trigger",
        custom_error_message="when is {event: <event type>} or {every: <duration>}",
    ),
]


class ForEach(StrEnum):
    LOT_AT_LOCATION = "lot_at_location"


class Action(_Part):
    """One thing a rule does; ``if`` narrows the lots it does it for."""

    scope: ClassVar[Scope]
    if_: Condition | None = Field(default=None, alias="if")

    def templates(self) -> Mapping[str, str]:
        """Field name -> text with placeholders, for the check at load."""
        return {}


class Notify(Action):
    scope = Scope.TRIGGER
    message: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    severity: Literal["info", "warning", "critical"] = "warning"

    def templates(self) -> Mapping[str, str]:
        return {"message": self.message}


class CreateTask(Action):
    scope = Scope.TRIGGER
    title: Text
    due_in: Annotated[timedelta, Field(gt=timedelta(0))] | None = None

    def templates(self) -> Mapping[str, str]:
        return {"title": self.title}


class BlockLot(Action):
    """Hold the lot (``lot.blocked``) until a person releases or discards it."""

    scope = Scope.LOT
    reason: Text

    def templates(self) -> Mapping[str, str]:
        return {"reason": self.reason}


class FreezeWhereUsed(Action):
    """Hold every lot on hand at each location where the rule's lot was used: consumed
    there (``stock.consumed``, ``stock.step_consumed``) or made into something there
    (``stock.produced`` names it among its inputs; the location is where the output was
    made). The work in progress that may carry what the lot carried stops there."""

    scope = Scope.LOT
    reason: Text

    def templates(self) -> Mapping[str, str]:
        return {"reason": self.reason}


class RaiseSafetyStock(Action):
    """Raise the item's safety stock by ``factor`` (``domain.coldchain.reactions``)."""

    scope = Scope.ITEM
    factor: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class SuggestPurchase(Action):
    """Suggest an urgent purchase, from the item's approved supplier, of what matched."""

    scope = Scope.ITEM


ACTIONS: Mapping[str, type[Action]] = {
    "notify": Notify,
    "create_task": CreateTask,
    "block_lot": BlockLot,
    "freeze_where_used": FreezeWhereUsed,
    "raise_safety_stock": RaiseSafetyStock,
    "suggest_purchase": SuggestPurchase,
}


class _Step(_Part):
    @property
    def name(self) -> str:
        (name,) = type(self).model_fields
        return name

    @property
    def action(self) -> Action:
        found = getattr(self, self.name)
        assert isinstance(found, Action)
        return found


class NotifyStep(_Step):
    notify: Notify


class CreateTaskStep(_Step):
    create_task: CreateTask


class BlockLotStep(_Step):
    block_lot: BlockLot


class FreezeWhereUsedStep(_Step):
    freeze_where_used: FreezeWhereUsed


class RaiseSafetyStockStep(_Step):
    raise_safety_stock: RaiseSafetyStock


class SuggestPurchaseStep(_Step):
    suggest_purchase: SuggestPurchase


Step = Annotated[
    Annotated[NotifyStep, Tag("notify")]
    | Annotated[CreateTaskStep, Tag("create_task")]
    | Annotated[BlockLotStep, Tag("block_lot")]
    | Annotated[FreezeWhereUsedStep, Tag("freeze_where_used")]
    | Annotated[RaiseSafetyStockStep, Tag("raise_safety_stock")]
    | Annotated[SuggestPurchaseStep, Tag("suggest_purchase")],
    Discriminator(
        _one_key(tuple(ACTIONS)),
        custom_error_type="action",
        custom_error_message=f"an action is one of {', '.join(ACTIONS)}: <action>: {{...}}",
    ),
]


class Rule(_Part):
    id: RuleId
    description: str = ""
    when: Trigger
    for_each: ForEach | None = Field(
        default=None, description="lot_at_location: the lots on hand where the event happened"
    )
    if_: Condition | None = Field(default=None, alias="if")
    targets: tuple[Role, ...] = ()
    cause: Text | None = Field(
        default=None, description="how holds and records name the trigger (default: rule and event)"
    )
    actions: list[Step] = Field(min_length=1)

    @property
    def event(self) -> str | None:
        return self.when.event if isinstance(self.when, EventTrigger) else None

    @property
    def every(self) -> timedelta | None:
        return self.when.every if isinstance(self.when, ClockTrigger) else None

    @property
    def per_lot(self) -> bool:
        """Whether the rule's subjects are lots (else the event itself is the only subject)."""
        return self.event is None or self.for_each is not None or has_lot(self.event)

    def subject_fields(self) -> Fields:
        """What a condition, and a lot's action, may name."""
        if self.event is None:
            return {**RULE_FIELDS, **LOT_FIELDS, **ITEM_FIELDS, **LOCATION_FIELDS}
        fields = {**RULE_FIELDS, **event_fields(self.event)}
        if self.per_lot:
            fields.update({**LOT_FIELDS, **ITEM_FIELDS})
        if has_location(self.event):
            fields.update(LOCATION_FIELDS)
        return fields

    def trigger_fields(self) -> Fields:
        """What a once-per-trigger action (notify, create_task) and ``cause`` may name."""
        if self.event is None or self.for_each is None:
            return self.subject_fields()
        return {**RULE_FIELDS, **event_fields(self.event), **LOCATION_FIELDS}

    @model_validator(mode="after")
    def _checked(self) -> Self:
        """Check names and kinds against the trigger; read condition values as their kinds."""
        problems: list[Problem] = []
        if self.for_each is not None and not (self.event and has_location(self.event)):
            problems.append((("for_each",), "for_each needs an event trigger with a location"))
        update: dict[str, object] = {}
        if self.if_ is not None:
            update["if_"], found = typed(self.if_, self.subject_fields(), ("if",))
            problems += found
        steps = []
        for index, step in enumerate(self.actions):
            done, found = self._checked_step(step, ("actions", index, step.name))
            steps.append(done)
            problems += found
        update["actions"] = steps
        if self.cause is not None and self.event is None and "{lot.id}" not in self.cause:
            problems.append((("cause",), "a clock rule's cause must name the lot: {lot.id}"))
        if self.cause is not None:
            problems += [
                (("cause",), p) for p in template_problems(self.cause, self.trigger_fields())
            ]
        if problems:
            raise ValidationError.from_exception_data(
                "Rule", [_error(where, message) for where, message in problems]
            )
        return self.model_copy(update=update)

    def _checked_step(
        self, step: _Step, where: tuple[str | int, ...]
    ) -> tuple[_Step, list[Problem]]:
        action = step.action
        problems: list[Problem] = []
        if action.scope is not Scope.TRIGGER and not self.per_lot:
            problems.append(
                (
                    where,
                    f"{step.name} needs lots: use for_each, a clock trigger or an"
                    " event about one lot",
                )
            )
        if action.scope is Scope.TRIGGER and not self.targets:
            problems.append((where, f"{step.name} needs targets: the roles it is for"))
        fields = self.subject_fields() if action.scope is Scope.LOT else self.trigger_fields()
        for name, text in action.templates().items():
            problems += [((*where, name), p) for p in template_problems(text, fields)]
        if action.if_ is None:
            return step, problems
        condition, found = typed(action.if_, self.subject_fields(), (*where, "if"))
        done = step.model_copy(update={step.name: action.model_copy(update={"if_": condition})})
        return done, problems + found


def _error(where: tuple[str | int, ...], message: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("rule", "{message}", {"message": message}),
        loc=where,
        input=None,
    )


class RuleBook(_Part):
    """One rule file."""

    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Self:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique; repeated: {repeated}")
        return self
