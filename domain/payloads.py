"""Payload schemas of the event types: one frozen model per type, unknown fields refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from domain.quantity import Quantity, Unit
from domain.values import PLAIN, PROSE, Amount, Barcode, Count, Day, Moment, Name

__all__ = ["Name"]  # re-exported: other modules name identifiers through this module


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code: ``EUR``, ``CNY``."""

Price = Annotated[Amount, Field(ge=0)]


def in_a_currency(amount: Decimal | None, currency: str | None, name: str) -> None:
    """A price or cost and its currency go together: both or neither."""
    if (amount is None) != (currency is None):
        raise ValueError(f"{name} and currency go together: give both or neither")


class StockLine(Payload):
    """An amount of one item, in one lot, at one location."""

    item: Name
    lot: Name
    location: Name
    qty: Amount
    unit: Unit
    density_g_per_ml: Annotated[Amount, Field(gt=0)] | None = None

    @property
    def quantity(self) -> Quantity:
        return Quantity(self.qty, self.unit)


class LotReceived(StockLine):
    """A lot came in from a supplier. ``unit_cost`` (per one ``unit``, in ``currency``: both
    or neither) is what it cost, when the receipt knows it (a purchase order's price); the
    stock's valuation falls back to the item's cost price in force without it."""

    qty: Amount = Field(gt=0)
    expires_on: Day | None = None
    supplier: Name | None = None
    device: Name | None = None
    unit_cost: Price | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _cost_in_a_currency(self) -> LotReceived:
        in_a_currency(self.unit_cost, self.currency, "unit_cost")
        return self


class StockConsumed(StockLine):
    qty: Amount = Field(gt=0)
    device: Name | None = None
    operator: Name | None = None


class StockCounted(StockLine):
    qty: Amount = Field(ge=0)
    operator: Name | None = None


AdjustmentCode = Literal[
    "waste",
    "spoilage",
    "expired",
    "damaged",
    "theft",
    "found",
    "discard",
    "count_correction",
    "sample",
    "other",
]
"""Why stock was adjusted, as a closed list a report can group by (``stock.adjusted``'s
``code``). ``reason`` stays the person's own words; with ``other`` it must say more."""


class StockAdjusted(StockLine):
    """Stock found or lost outside any movement: ``qty`` is signed (negative for a loss).

    ``code`` (optional, so every adjustment stored before it existed still parses) is the
    closed reason code; ``reason`` is free text and, with code ``other``, must say what
    happened rather than repeat the code.
    """

    reason: Name
    operator: Name | None = None
    code: AdjustmentCode | None = None

    @field_validator("qty")
    @classmethod
    def _not_zero(cls, qty: Decimal) -> Decimal:
        if qty == 0:
            raise ValueError("an adjustment of zero changes nothing")
        return qty

    @model_validator(mode="after")
    def _other_explained(self) -> StockAdjusted:
        if self.code == "other" and self.reason.strip().lower() == "other":
            raise ValueError("an adjustment coded 'other' needs a reason that says what happened")
        return self


# --- stock that moves (issue 10 build 3): locations, sites, organisations, customers -------

Note = Annotated[str, StringConstraints(min_length=1, max_length=1000), PROSE]


class StockMoved(StockLine):
    """Stock carried from ``location`` to ``to_location`` within one site: one event, two
    postings (−qty at ``location``, +qty at ``to_location``)."""

    qty: Amount = Field(gt=0)
    to_location: Name
    operator: Name | None = None

    @model_validator(mode="after")
    def _somewhere_else(self) -> StockMoved:
        if self.to_location == self.location:
            raise ValueError(f"to_location is location ({self.location!r}): nothing moves")
        return self


class TransferShipped(StockLine):
    """One line of transfer ``transfer`` left ``location`` for site ``to_site``.

    Posts −qty at the sender; the line is in transit until the receiver records
    ``transfer.received``. ``to_org`` names the receiving legal entity when it is another
    one (None: the same organisation). ``unit_price`` is per one ``unit`` in ``currency``
    (both or neither); ``expected_at`` is when it should arrive; ``expires_on`` the lot's
    expiry, for the receiver to record with its receipt.
    """

    transfer: Name
    qty: Amount = Field(gt=0)
    to_site: Name
    to_org: Name | None = None
    unit_price: Price | None = None
    currency: Currency | None = None
    expected_at: Moment | None = None
    expires_on: Day | None = None
    operator: Name | None = None

    @model_validator(mode="after")
    def _priced_in_a_currency(self) -> TransferShipped:
        in_a_currency(self.unit_price, self.currency, "unit_price")
        return self


class TransferReceived(StockLine):
    """One line of transfer ``transfer`` arrived at ``location`` from site ``from_site``.

    ``qty`` is what was accepted into stock (posted +qty); ``damaged`` arrived unusable and
    is not posted. Against what was shipped, shipped − qty − damaged > 0 is short and
    qty + damaged > shipped is over (``domain.transit``). ``expires_on`` is the lot's expiry
    as the shipment gave it: the lot is new at this site, and FEFO here needs its date.
    """

    transfer: Name
    from_site: Name
    qty: Amount = Field(ge=0)
    damaged: Amount = Field(default=Decimal(0), ge=0)
    expires_on: Day | None = None
    note: Note | None = None
    operator: Name | None = None

    @model_validator(mode="after")
    def _something_arrived(self) -> TransferReceived:
        if self.qty == 0 and self.damaged == 0:
            raise ValueError("a receipt of nothing: qty and damaged are both 0")
        return self


IssueKind = Literal["sale", "gift", "free", "channel_transfer"]
"""Why stock left to a customer order: a sale is demand; a gift, a free item or a transfer
to another sales channel is movement that a forecast must not count as demand."""


class StockIssued(StockLine):
    """Stock left ``location`` for customer order ``order`` (posted −qty)."""

    qty: Amount = Field(gt=0)
    order: Name
    customer: Name | None = None
    kind: IssueKind
    operator: Name | None = None


ReturnReason = Literal["quality", "expiry", "wrong_shipment"]


class StockReturned(StockLine):
    """Stock of order ``order`` came back to ``location`` (posted +qty), for ``reason``."""

    qty: Amount = Field(gt=0)
    order: Name
    reason: ReturnReason
    customer: Name | None = None
    note: Note | None = None
    operator: Name | None = None


MOVEMENT_PAYLOADS: dict[str, type[Payload]] = {
    "stock.moved": StockMoved,
    "transfer.shipped": TransferShipped,
    "transfer.received": TransferReceived,
    "stock.issued": StockIssued,
    "stock.returned": StockReturned,
}


# --- reservations (issue 10 build 1): stock promised to a reference before it leaves ----------

ReservedFor = Literal["work_order", "customer_order", "transfer"]
"""What a reservation is for: its ``reference`` is that document's id."""

UnreserveReason = Literal["consumed", "cancelled", "expired"]


class StockReserved(Payload):
    """``qty`` of ``item`` at this site is promised to ``reference`` (``domain.reservations``).

    ``lot`` and ``location`` narrow it (none: any lot, any location); ``until`` is when the
    promise lapses by itself. Stock that is issued, shipped or used against ``reference``
    consumes the reservation; nothing is posted to the ledger.
    """

    item: Name
    qty: Amount = Field(gt=0)
    unit: Unit
    reference: Name
    reserved_for: ReservedFor
    lot: Name | None = None
    location: Name | None = None
    until: Moment | None = None
    operator: Name | None = None

    @property
    def quantity(self) -> Quantity:
        return Quantity(self.qty, self.unit)


class StockUnreserved(Payload):
    """The reservation of ``item`` for ``reference`` ends, and why.

    ``unit`` is any unit of the reservation's dimension (reservations are kept per base unit:
    g, ml, each), so the end names exactly one reservation line.
    """

    item: Name
    unit: Unit
    reference: Name
    reason: UnreserveReason
    note: Note | None = None
    operator: Name | None = None


RESERVATION_PAYLOADS: dict[str, type[Payload]] = {
    "stock.reserved": StockReserved,
    "stock.unreserved": StockUnreserved,
}


class ReadingRecorded(Payload):
    """A measured value from a device: a stable weight, a temperature.

    For a HACCP record, ``value`` is the calibrated value; a calibrated probe also gives the
    ``raw`` value it reported and the ``calibration_offset`` added to it, and ``status``
    says whether the device flagged its own probe as faulty at that moment.
    """

    device: Name
    metric: Name
    value: Amount
    unit: Annotated[str, StringConstraints(min_length=1, max_length=20), PLAIN]
    location: Name | None = None
    raw: Amount | None = None
    calibration_offset: Amount | None = None
    status: Literal["ok", "probe_fault"] | None = None


class DeviceOnline(Payload):
    device: Name


class DeviceOffline(Payload):
    device: Name
    reason: Annotated[str, StringConstraints(max_length=500), PROSE]


class DeviceState(Payload):
    """A device's discrete state changed: a PackML machine state, the current batch, a recipe."""

    device: Name
    metric: Name
    value: Annotated[str, StringConstraints(max_length=500), PLAIN]
    location: Name | None = None


class DeviceAlarm(Payload):
    """An alarm a device raised or cleared, as the device reported it."""

    device: Name
    code: Name
    message: Annotated[str, StringConstraints(max_length=1000), PROSE]
    severity: Annotated[Count, Field(le=1000)] = 500
    active: bool = True
    location: Name | None = None


class RoomDiagnosed(Payload):
    """The anomaly model (or its rules) changed its mind about what a cold room is doing."""

    location: Name
    label: Literal["normal", "door_open", "defrost", "compressor_failure", "sensor_fault"]
    previous: Name
    confidence: Annotated[Amount, Field(ge=0, le=1)]
    mode: Literal["litert", "tflite-runtime", "rules"]
    model: Name


class CodeScanned(Payload):
    """A barcode read by a camera or PDA, with the GS1 fields it carried when it is GS1."""

    device: Name
    code: Barcode
    symbology: Annotated[str, StringConstraints(max_length=10), PLAIN]
    gs1: bool = False
    gtin: Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")] | None = None
    lot: Name | None = None
    serial: Name | None = None
    expires_on: Day | None = None
    best_before: Day | None = None
    net_weight_kg: Annotated[Amount, Field(ge=0)] | None = None
    location: Name | None = None
    other: dict[Name, Annotated[str, StringConstraints(max_length=4000), PLAIN]] = Field(
        default_factory=dict, description="further GS1 elements, by application identifier"
    )


class LotBlocked(Payload):
    """Stock of a lot at a location may not be picked until someone releases or discards it.

    ``cause`` names what blocked it (``excursion:cold-room-1#3``), so a reaction that runs
    again after a restart can see it already happened.
    """

    item: Name
    lot: Name
    location: Name
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]
    cause: Name | None = None


class LotReleased(Payload):
    """A person lifted a block: the stock is usable again (``release``) or thrown away
    (``discard``, which the same person records as a ``stock.adjusted`` too)."""

    item: Name
    lot: Name
    location: Name
    disposition: Literal["release", "discard"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]
    operator: Name


class ExcursionFiguresPayload(Payload):
    """How bad an excursion was, for a quality manager's judgement of the product."""

    side: Literal["high", "low"]
    limit_c: Amount
    started_at: Moment
    peak_c: Amount
    duration_s: Annotated[Amount, Field(ge=0)]
    degree_minutes: Annotated[Amount, Field(ge=0)]
    mkt_c: Amount


class ExcursionChanged(Payload):
    """An excursion at a location opened, grew, escalated, was acknowledged or closed."""

    location: Name
    number: Annotated[Count, Field(ge=1)]
    figures: ExcursionFiguresPayload | None = None
    back_in_range: bool | None = None
    acknowledged_by: Name | None = None
    corrective_action: Annotated[str, StringConstraints(max_length=1000), PROSE] | None = None
    unacknowledged_for_s: Annotated[Amount, Field(ge=0)] | None = None


class SafetyStockRaised(Payload):
    """An item's safety stock is raised for a while: its stock is at risk (an excursion held
    lots that were close to expiry), so the site should carry more of it."""

    item: Name
    factor: Annotated[Amount, Field(gt=0)]
    base_qty: Annotated[Amount, Field(ge=0)]
    raised_qty: Annotated[Amount, Field(ge=0)]
    unit: Unit
    cause: Name


class PurchaseSuggested(Payload):
    """A purchase someone should place; ``supplier`` is None when no supplier is approved."""

    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit
    supplier: Name | None = None
    urgent: bool
    needed_by: Day
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]
    cause: Name | None = None


# --- kitchen (issue 4): recipe steps, production with genealogy, lot clocks -------------------


class SkippedLot(Payload):
    """A lot FEFO passed over for a step, and why: the record a food-safety audit asks for."""

    lot: Name
    reason: Literal["empty", "expired", "blocked", "not_ready"]
    detail: Annotated[str, StringConstraints(max_length=500), PROSE]


class StepConsumed(StockConsumed):
    """Stock a recipe step used for an order line: the kitchen's ``stock.consumed``.

    A type of its own rather than new fields on ``stock.consumed``, so events already sealed
    keep their schema. ``qty`` is what left the lot (gross); ``planned_qty`` what the recipe
    asked for, yield-adjusted; ``portioning`` = qty − planned_qty when a scale weighed it
    (over- or under-portioning); ``yield_loss`` the part of ``qty`` lost to trim or thaw.
    When an input is split over lots these three are split in proportion, so they sum
    exactly. ``skipped`` (on an input's first lot) lists the lots FEFO would not pick.
    """

    order: Name | None = None
    line: Annotated[Count, Field(ge=1)] | None = None
    recipe: Name
    step: Name
    operation: Name
    planned_qty: Amount = Field(ge=0)
    yield_loss: Amount = Field(default=Decimal(0), ge=0)
    portioning: Amount | None = None
    skipped: list[SkippedLot] | None = None


class LotInput(Payload):
    """One input lot of a production: the backward link of genealogy."""

    item: Name
    lot: Name
    location: Name
    qty: Amount = Field(gt=0)
    unit: Unit


class StockProduced(StockLine):
    """A step made a lot of an intermediate (marinated chicken) out of ``inputs``."""

    qty: Amount = Field(gt=0)
    expires_on: Day | None = None
    inputs: list[LotInput]
    order: Name | None = None
    line: Annotated[Count, Field(ge=1)] | None = None
    recipe: Name
    step: Name
    operator: Name | None = None
    attributes: Annotated[dict[Name, Name], Field(max_length=20)] | None = None
    """What the step did to the lot that a constraint or a serial's life may ask about
    (``{"firmware": "V2.3"}`` flashed at assembly); kept with the lot in the cloud."""


class LotClockChanged(Payload):
    """A lot's lifecycle clock (thawing, marinating, date mark, TPHC, cooling…) moved on.

    ``due_at`` is the clock's next deadline (ready, or discard); ``detail`` says why, in
    words a cook reads on the kitchen screen.
    """

    item: Name
    lot: Name
    location: Name
    clock: Name
    due_at: Moment | None = None
    detail: Annotated[str, StringConstraints(max_length=500), PROSE] | None = None
    operator: Name | None = None


CLOCK_TYPES = (
    "clock.started",
    "clock.paused",
    "clock.resumed",
    "clock.ready",
    "clock.progressed",
    "clock.completed",
    "clock.expired",
)


class VoidedStep(Payload):
    """One step of a voided order: taken off its ticket, or ``made`` before the void (its
    stock stays used, as waste of the void)."""

    line: Annotated[Count, Field(ge=1)]
    step: Name
    station: Name
    made: bool


class OrderVoided(Payload):
    """The point of sale voided an order (or some of its lines), and why."""

    order: Name
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]
    operator: Name | None = None
    steps: list[VoidedStep] = Field(min_length=1)


KITCHEN_PAYLOADS: dict[str, type[Payload]] = {
    "stock.step_consumed": StepConsumed,
    "stock.produced": StockProduced,
    "order.voided": OrderVoided,
    **dict.fromkeys(CLOCK_TYPES, LotClockChanged),
}


# --- rules as data (issue 4 part 6, issue 5): what a rule's actions record ---------------------


class RuleOutcome(Payload):
    """What every record of a rule names: the rule, the trigger (``cause``, as a hold names
    it), the roles it was meant for and the people those roles resolved to at the site, and
    the stock it is about when it is about a lot."""

    rule: Name
    cause: Name
    roles: tuple[Name, ...] = Field(min_length=1)
    people: tuple[Name, ...] = ()
    item: Name | None = None
    lot: Name | None = None
    location: Name | None = None


class NotificationRaised(RuleOutcome):
    """A rule told people something (``domain.rules``); the kitchen screen or a phone shows it."""

    message: Annotated[str, StringConstraints(min_length=1, max_length=1000), PROSE]
    severity: Literal["info", "warning", "critical"] = "warning"


class TaskCreated(RuleOutcome):
    """A rule gave people something to do, by ``due_by`` when it says so."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=500), PLAIN]
    due_by: Moment | None = None


RULE_PAYLOADS: dict[str, type[Payload]] = {
    "notification.raised": NotificationRaised,
    "task.created": TaskCreated,
}


# --- food-safety records (issue 4 part 5): checks, their corrections, a day's sign-off ------

RecordKind = Literal["cleaning", "sanitising", "health_check", "temperature_check"]


class FoodSafetyRecorded(Payload):
    """A check someone made: an area cleaned or sanitised, a staff health check, a probe
    temperature. The event's ``at`` is when it was done; ``who`` did it (or, for a health
    check, was checked); ``source`` is the kitchen screen or PDA it was entered on.

    A failed check must say what was done about it: a record without its corrective action
    is refused here, so neither the edge nor the cloud can hold one.
    """

    kind: RecordKind
    who: Name
    area: Name | None = None
    result: Literal["pass", "fail"]
    corrective_action: Note | None = None
    temperature_c: Amount | None = None
    note: Note | None = None
    source: Name | None = None

    @model_validator(mode="after")
    def _complete(self) -> FoodSafetyRecorded:
        if self.result == "fail" and self.corrective_action is None:
            raise ValueError("a failed check needs its corrective_action")
        if self.kind in ("cleaning", "sanitising", "temperature_check") and self.area is None:
            raise ValueError(f"a {self.kind} record needs the area or station it was done at")
        if self.kind == "temperature_check" and self.temperature_c is None:
            raise ValueError("a temperature_check needs temperature_c")
        return self


class FoodSafetyCorrected(Payload):
    """A correction of the record ``corrects`` (its event id): the fields given replace the
    original's, or ``void`` withdraws it. The original stays; the board shows both."""

    corrects: Name
    who: Name
    reason: Note
    void: bool = False
    area: Name | None = None
    result: Literal["pass", "fail"] | None = None
    corrective_action: Note | None = None
    temperature_c: Amount | None = None
    note: Note | None = None
    source: Name | None = None


class FoodSafetySignedOff(Payload):
    """A manager reviewed a day's food-safety board and signed it off."""

    manager: Name
    day: Day
    note: Note | None = None
    source: Name | None = None


FOODSAFETY_PAYLOADS: dict[str, type[Payload]] = {
    "foodsafety.recorded": FoodSafetyRecorded,
    "foodsafety.corrected": FoodSafetyCorrected,
    "foodsafety.signed_off": FoodSafetySignedOff,
}


# --- quality checks (issue 12, build 6): a lab or line check of a lot -----------------------


class QualityChecked(Payload):
    """A check of a lot: a lab result, a line or receiving inspection. ``location`` narrows
    it to the lot's stock there (none: the lot wherever it is). A failure holds what it
    covers (``domain.rules.quality``); ``allergen`` says an allergen is involved, and
    ``allergens`` which, when known. ``report`` names the report (a lab's number, a file
    attached to the lot); ``measurements`` carries its figures by name."""

    item: Name
    lot: Name
    location: Name | None = None
    result: Literal["pass", "fail"]
    allergen: bool = False
    allergens: Annotated[list[Name], Field(max_length=20)] = []
    report: Name | None = None
    measurements: Annotated[dict[Name, Amount], Field(max_length=50)] = {}
    checked_by: Name | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _allergen_named(self) -> QualityChecked:
        if self.allergens and not self.allergen:
            raise ValueError("allergens are listed: allergen must be true")
        return self


EXCURSION_TYPES = (
    "excursion.opened",
    "excursion.updated",
    "excursion.escalated",
    "excursion.acknowledged",
    "excursion.closed",
)

PAYLOADS: dict[str, type[Payload]] = {
    "lot.received": LotReceived,
    "stock.consumed": StockConsumed,
    "stock.counted": StockCounted,
    "stock.adjusted": StockAdjusted,
    "reading.recorded": ReadingRecorded,
    "device.online": DeviceOnline,
    "device.offline": DeviceOffline,
    "device.state": DeviceState,
    "device.alarm": DeviceAlarm,
    "code.scanned": CodeScanned,
    "coldroom.diagnosed": RoomDiagnosed,
    "lot.blocked": LotBlocked,
    "lot.released": LotReleased,
    "safety_stock.raised": SafetyStockRaised,
    "purchase.suggested": PurchaseSuggested,
    "quality.checked": QualityChecked,
    **dict.fromkeys(EXCURSION_TYPES, ExcursionChanged),
    **KITCHEN_PAYLOADS,
    **RULE_PAYLOADS,
    **FOODSAFETY_PAYLOADS,
    **MOVEMENT_PAYLOADS,
    **RESERVATION_PAYLOADS,
}
