"""Schemas of the MMT, stock and report operations: types and column sizes only, no rules."""

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from jiedu.api.schemas import ErrorBody

# --- MMT episodes ---------------------------------------------------------------------------------------


class EpisodeApplyIn(Schema):
    person_id: int


class AssessIn(Schema):
    dependence_evidence: str = Field(..., max_length=2000)
    documents: list[str] = Field(default_factory=list, max_length=50)
    agreement_signed: bool
    guardian_consent: bool = False


class AcceptIn(Schema):
    start_on: dt.date | None = None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=255)


class ExitIn(Schema):
    reason: str = Field(..., max_length=32, description="An exit reason code, e.g. completed or dropout")
    on: dt.date | None = None
    note: str = Field("", max_length=255)


class TransferIn(Schema):
    to_clinic_id: int
    reason: str = Field("", max_length=255)


class DeclineIn(Schema):
    reason: str = Field("", max_length=255)


class GuestGrantIn(Schema):
    host_clinic_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str = Field("", max_length=255)


class EpisodeOut(Schema):
    id: int
    person_id: int
    person_name: str
    clinic_id: int
    clinic_name: str
    number: int
    status: str
    card_number: str
    applied_on: dt.date
    decision_due: dt.date
    started_on: dt.date | None
    ended_on: dt.date | None
    exit_reason: str
    refusal_reason: str
    last_dose_on: dt.date | None
    needs_review: bool
    needs_induction: bool
    dropout_since: dt.date | None
    transferred_from_id: int | None


class EventOut(Schema):
    kind: str
    on: dt.date
    at: dt.datetime
    by: str | None
    reason: str
    detail: dict


class OrderOut(Schema):
    id: int
    episode_id: int
    dose_mg: Decimal
    split_parts: int
    effective_on: dt.date
    reason: str
    overrides: list[str]
    override_reason: str
    prescriber: str
    created_at: dt.datetime


class GuestGrantOut(Schema):
    id: int
    episode_id: int
    host_clinic_id: int
    host_clinic_name: str
    start_on: dt.date
    end_on: dt.date
    reason: str
    granted_by: str


class TransferOut(Schema):
    id: int
    episode_id: int
    to_clinic_id: int
    to_clinic_name: str
    status: str
    reason: str
    requested_by: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    new_episode_id: int | None


class EpisodeDetailOut(EpisodeOut):
    events: list[EventOut]
    orders: list[OrderOut]
    guest_grants: list[GuestGrantOut]
    transfers: list[TransferOut]


class OrderIn(Schema):
    dose_mg: Decimal = Field(..., max_digits=6, decimal_places=1)
    effective_on: dt.date | None = None
    reason: str = Field(..., max_length=255)
    split_parts: int = 1
    override_reason: str = Field("", max_length=255)


class TaperIn(Schema):
    start_on: dt.date
    to_mg: Decimal = Field(..., max_digits=6, decimal_places=1)
    step_mg: Decimal = Field(..., max_digits=6, decimal_places=1)
    every_days: int
    reason: str = Field(..., max_length=255)
    override_reason: str = Field("", max_length=255)


class TaperOut(Schema):
    id: int
    episode_id: int
    start_on: dt.date
    from_mg: Decimal
    to_mg: Decimal
    step_mg: Decimal
    every_days: int
    cancelled_on: dt.date | None
    orders: list[OrderOut]


class TaperCancelIn(Schema):
    on: dt.date | None = None


# --- the dosing window ----------------------------------------------------------------------------------


class DoseIn(Schema):
    person_id: int
    site_id: int | None = Field(
        None, description="Defaults to the caller's organisation; no other is allowed"
    )


class DoseOut(Schema):
    day: dt.date
    mg: Decimal
    ml: Decimal
    part: int
    parts_planned: int
    site: str
    at: dt.datetime


class DoseResultOut(Schema):
    status: str = Field(..., description="dosed (201) or replayed (200, same Idempotency-Key)")
    message: str
    dose: DoseOut


class RefusedBody(ErrorBody):
    reason: str | None = Field(None, description="The refusal reason code when code is 'refused'")


class RefusedOut(Schema):
    error: RefusedBody


class RefusalIn(Schema):
    person_id: int
    reason: str = Field(..., max_length=32, description="intoxicated, other, …")
    note: str = Field("", max_length=255)


class RefusalOut(Schema):
    id: int
    person_id: int
    episode_id: int | None
    day: dt.date
    site_id: int
    reason: str
    note: str
    at: dt.datetime


class DosePartOut(Schema):
    part: int
    mg: Decimal
    ml: Decimal
    at: dt.datetime
    site_id: int


class DoseDayOut(Schema):
    person_id: int
    person_name: str
    episode_id: int
    day: dt.date
    ordered_mg: Decimal
    parts_planned: int
    first_at: dt.datetime
    site: str
    parts: list[DosePartOut]


class PendingOut(Schema):
    episode_id: int
    person_id: int
    person_name: str
    card_number: str
    clinic_id: int
    clinic_name: str
    guest: bool
    needs_review: bool
    needs_induction: bool
    last_dose_on: dt.date | None


# --- stock ----------------------------------------------------------------------------------------------


class WitnessIn(Schema):
    witness_username: str | None = Field(None, max_length=150)
    witness_id: int | None = None
    witness_password: str | None = Field(
        None, max_length=128, description="The second person signs with their own password"
    )


class ReceiptIn(WitnessIn):
    store_id: int
    drug_code: str = Field(..., max_length=64)
    batch_no: str = Field(..., max_length=64)
    expiry: dt.date
    maker: str = Field(..., max_length=128)
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)
    concentration_mg_per_ml: Decimal | None = Field(None, max_digits=8, decimal_places=3)
    voucher: str = Field("", max_length=64)
    supplier: str = Field("", max_length=255)
    quality: str = Field("", max_length=255)


class StockTransferIn(WitnessIn):
    source_store_id: int
    target_store_id: int
    batch_id: int
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)


class WasteIn(WitnessIn):
    store_id: int
    batch_id: int
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)
    reason: str = Field(..., max_length=255)


class ReversalIn(WitnessIn):
    entry_id: int
    reason: str = Field(..., max_length=255)


class CountIn(Schema):
    batch_id: int
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)


class DayCloseIn(WitnessIn):
    store_id: int
    day: dt.date | None = Field(None, description="Defaults to today")
    kind: str = Field(
        "day_close",
        max_length=16,
        description="day_close (end of a working day) or monthly (full stock-take)",
    )
    counts: list[CountIn]
    note: str = Field("", max_length=255)


class IssueIn(WitnessIn):
    store_id: int
    batch_id: int
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)
    department: str = Field(..., max_length=64)
    voucher: str = Field(..., max_length=64, description="The department's requisition number")


class LossIn(WitnessIn):
    store_id: int
    batch_id: int
    quantity: Decimal = Field(..., max_digits=12, decimal_places=2)
    kind: str = Field(..., max_length=16, description="loss or theft")
    account: str = Field(..., max_length=255, description="What happened; it goes into the report")


class VarianceCloseIn(WitnessIn):
    finding: str = Field(..., max_length=16, description="counting_error, loss, theft or diversion")
    account: str = Field(..., max_length=2000)


class BalanceOut(Schema):
    store_id: int
    store_name: str
    organisation_id: int
    batch_id: int
    batch_no: str
    drug_code: str
    drug_name: str
    expiry: dt.date
    concentration_mg_per_ml: Decimal | None
    quantity: Decimal
    unit: str


class EntryOut(Schema):
    id: int
    store_id: int
    batch_id: int
    batch_no: str
    seq: int
    kind: str
    quantity: Decimal
    balance_after: Decimal
    at: dt.datetime
    recorded_by: str
    witness: str | None
    counterpart_store_id: int | None
    reverses_id: int | None
    voucher: str
    reason: str


class TransferEntriesOut(Schema):
    outgoing: EntryOut
    incoming: EntryOut


class DayCloseLineOut(Schema):
    batch_id: int
    book_quantity: Decimal
    counted_quantity: Decimal
    variance: Decimal


class DayCloseOut(Schema):
    id: int
    store_id: int
    day: dt.date
    kind: str
    counted_by: str
    witness: str
    has_variance: bool
    variance_id: int | None = Field(..., description="The investigation the variance opened")
    note: str
    lines: list[DayCloseLineOut]


class VarianceOut(Schema):
    id: int
    count_id: int
    store_id: int
    day: dt.date
    kind: str
    shortfall: bool
    surplus: bool
    status: str
    finding: str
    reported_at: dt.datetime | None = Field(..., description="When the shortfall was reported, if it was")
    closed_at: dt.datetime | None


class StatementRowOut(Schema):
    drug_code: str
    drug_name: str
    strength: str
    unit: str
    opening: Decimal
    received: Decimal
    returned: Decimal
    transfers: Decimal
    used: Decimal
    wasted: Decimal
    lost: Decimal
    closing: Decimal
    counted: Decimal | None = Field(..., description="At the month's last full stock-take; null if none")
    variance: Decimal | None = Field(..., description="Book − counted at that stock-take (positive: missing)")


class StatementOut(Schema):
    institution_id: int
    institution_name: str
    period: str
    store_ids: list[int]
    uncounted_store_ids: list[int] = Field(..., description="Stores with no full stock-take in the month")
    rows: list[StatementRowOut]


# --- reports --------------------------------------------------------------------------------------------


class InboxItemOut(Schema):
    delivery_id: int
    kind: str
    subject_name: str = Field(..., description="Empty for a report not about a person")
    id_number: str = Field(
        ..., description="The full identity number: recipients need it to act (empty if not about a person)"
    )
    summary: str = Field(..., description="What happened, for a report not about a person (a loss of stock)")
    source_id: int
    source_name: str
    event_on: dt.date
    filed_at: dt.datetime
    due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    overdue: bool


class AcknowledgedOut(Schema):
    delivery_id: int
    acknowledged_at: dt.datetime
    acknowledged_by: str
