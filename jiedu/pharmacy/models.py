"""Controlled-substance stock: drugs, batches, stores, balances and their append-only ledgers.

One ledger mechanism for every store and drug (the MMT clinic's methadone today; the full 五专 pharmacy later):
``StockBalance`` is the current quantity of one batch in one store and the head of that pair's hash chain;
``LedgerEntry`` rows are the movements, append-only, each signed by who recorded it (and a different witness
where the rule needs two people). Corrections are reversing entries. See docs/adr/0007-stock-ledger.md.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class ControlClass(models.TextChoices):
    NARCOTIC = "narcotic", _("Narcotic drug (麻醉药品)")
    PSYCHOTROPIC_1 = "psychotropic_1", _("Class I psychotropic (第一类精神药品)")
    PSYCHOTROPIC_2 = "psychotropic_2", _("Class II psychotropic (第二类精神药品)")
    WATCH = "watch", _("Watch list")


#: Classes bought only with a purchase seal card (印鉴卡) and prescribed on the light-red paper (麻、精一).
SEAL_CARD_CLASSES = frozenset({ControlClass.NARCOTIC, ControlClass.PSYCHOTROPIC_1})


class Drug(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    control_class = models.CharField(_("control class"), max_length=32, choices=ControlClass.choices)
    form = models.CharField(_("form"), max_length=64)
    strength = models.CharField(_("strength"), max_length=64)
    unit = models.CharField(_("unit"), max_length=16, help_text=_("The unit the ledger counts in, e.g. mL."))
    package_unit = models.CharField(
        _("smallest package"), max_length=16, default="", blank=True, help_text=_("e.g. 支, 片, 贴, 瓶")
    )
    units_per_package = models.DecimalField(
        _("ledger units per smallest package"),
        max_digits=10,
        decimal_places=2,
        default=1,
        help_text=_("Receipts are counted down to the smallest package: a whole number of packages."),
    )
    on_watch_list = models.BooleanField(
        _("on the watch list"),
        default=False,
        help_text=_("Local special control, e.g. fentanyl preparations."),
    )
    watch_note = models.CharField(_("why it is watched"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("drug")
        verbose_name_plural = _("drugs")
        ordering = ["control_class", "name", "strength"]
        constraints = [
            models.CheckConstraint(condition=Q(units_per_package__gt=0), name="drug_package_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.strength}"


class Batch(models.Model):
    drug = models.ForeignKey(Drug, verbose_name=_("drug"), on_delete=models.PROTECT, related_name="batches")
    batch_no = models.CharField(_("batch number"), max_length=64)
    expiry = models.DateField(_("expiry date"))
    maker = models.CharField(_("manufacturer"), max_length=128)
    concentration_mg_per_ml = models.DecimalField(
        _("concentration (mg/mL)"), max_digits=8, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["drug", "maker", "batch_no"], name="batch_unique_per_maker"),
            models.CheckConstraint(
                condition=Q(concentration_mg_per_ml__isnull=True) | Q(concentration_mg_per_ml__gt=0),
                name="batch_concentration_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug.name} {self.batch_no} ({self.expiry})"


class StoreKind(models.TextChoices):
    STRONG_ROOM = "strong_room", _("Strong room")
    SAFE = "safe", _("Safe")
    DISPENSING = "dispensing", _("Dispensing cabinet")


class Store(models.Model):
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="stores",
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=StoreKind.choices)
    #: The store a dosing window draws from at this organisation.
    dispenses_doses = models.BooleanField(_("doses are drawn from here"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    location = models.CharField(_("location"), max_length=128, blank=True)
    #: 双人双锁: the two people who each hold one of the two keys.
    key_holder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first key holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key_holder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second key holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(
                condition=Q(key_holder_a__isnull=True)
                | Q(key_holder_b__isnull=True)
                | ~Q(key_holder_a=F("key_holder_b")),
                name="store_two_different_key_holders",
            ),
            models.UniqueConstraint(fields=["organisation", "name"], name="store_unique_name"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(dispenses_doses=True, is_active=True),
                name="store_one_dosing_store_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} · {self.name}"


class StoreKeeper(models.Model):
    """专人负责: a person designated to keep a store. Only a current keeper posts to the store's ledgers."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="keepers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("keeper"),
        on_delete=models.PROTECT,
        related_name="kept_stores",
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appointed by"), on_delete=models.PROTECT, related_name="+"
    )
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("appointment ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("store keeper")
        verbose_name_plural = _("store keepers")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user"], condition=Q(ended_on__isnull=True), name="store_keeper_once_current"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("appointed_on")),
                name="store_keeper_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.user_id}"


class StockBalance(models.Model):
    """Current quantity of one batch in one store; locked for every movement; head of that ledger's chain."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="balances")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="balances")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=0)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["store", "batch"], name="stock_balance_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.batch.batch_no}: {self.quantity}"


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to a department")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ADMINISTRATION = "administration", _("Administered dose")
    DISPENSING = "dispensing", _("Dispensed on prescription")
    RETURN_IN = "return_in", _("Returned to store")
    RETURN_OUT = "return_out", _("Returned to supplier")
    WASTE = "waste", _("Spillage or waste")
    DESTRUCTION = "destruction", _("Supervised destruction")
    LOSS = "loss", _("Loss")
    THEFT = "theft", _("Theft")
    REVERSAL = "reversal", _("Reversal of an entry")


#: Movements that take stock out without a use: each is reported at once to the police, the drug regulator and
#: the supervising health authority.
REPORTED_KINDS = frozenset({EntryKind.LOSS, EntryKind.THEFT})


class LedgerEntry(AppendOnlyModel):
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="entries"
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="entries"
    )
    seq = models.BigIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("time"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("witness"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counterpart_store = models.ForeignKey(
        Store,
        verbose_name=_("other store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    voucher = models.CharField(_("voucher"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["store_id", "batch_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["store", "batch", "seq"], name="ledger_entry_unique_seq"),
            models.CheckConstraint(condition=~Q(quantity=0), name="ledger_entry_moves_something"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_entry_balance_never_negative"
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=F("recorded_by")),
                name="ledger_entry_witness_is_another_person",
            ),
        ]
        indexes = [models.Index(fields=["store", "at"])]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.batch_id}#{self.seq} {self.kind} {self.quantity}"


class CountKind(models.TextChoices):
    DAY_CLOSE = "day_close", _("Day-close count")
    MONTHLY = "monthly", _("Monthly full stock-take")


class DayClose(AppendOnlyModel):
    """Two people count a store's physical stock: at the end of a day (dispensing stores) or in the monthly full
    stock-take (every store). Variances are recorded and investigated, never adjusted."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="day_closes"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("count"), max_length=16, choices=CountKind.choices, default=CountKind.DAY_CLOSE)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("counted by"), on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("second counter"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    has_variance = models.BooleanField(_("variance found"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("day close")
        verbose_name_plural = _("day closes")
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "kind"], name="count_once_per_store_day_kind"),
            models.CheckConstraint(condition=~Q(witness=F("counted_by")), name="day_close_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.day}"


class DayCloseLine(AppendOnlyModel):
    day_close = models.ForeignKey(DayClose, on_delete=models.PROTECT, related_name="lines")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    book_quantity = models.DecimalField(_("book quantity"), max_digits=12, decimal_places=2)
    counted_quantity = models.DecimalField(_("counted quantity"), max_digits=12, decimal_places=2)
    variance = models.DecimalField(_("variance (book − counted)"), max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day_close", "batch"], name="day_close_line_unique"),
            models.CheckConstraint(
                condition=Q(variance=F("book_quantity") - F("counted_quantity")),
                name="day_close_line_variance_is_book_minus_counted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.book_quantity} / {self.counted_quantity}"


class VarianceStatus(models.TextChoices):
    OPEN = "open", _("Under investigation")
    CLOSED = "closed", _("Closed")


class VarianceFinding(models.TextChoices):
    COUNTING_ERROR = "counting_error", _("Counting or recording error, explained")
    LOSS = "loss", _("Loss")
    THEFT = "theft", _("Theft")
    DIVERSION = "diversion", _("Suspected diversion")


#: Findings that book the shortfall out of the ledger (and tell the authorities the conclusion).
BOOKED_FINDINGS = frozenset({VarianceFinding.LOSS, VarianceFinding.THEFT, VarianceFinding.DIVERSION})


class StockVariance(models.Model):
    """The investigation a count with a variance opens. A shortfall is reported at once; the investigation ends
    with a finding: an explained counting error (nothing is booked) or a loss, theft or suspected diversion
    (the shortfall is booked out as a loss or theft entry and the conclusion reported)."""

    count = models.OneToOneField(
        DayClose, verbose_name=_("count"), on_delete=models.PROTECT, related_name="variance_record"
    )
    opened_at = models.DateTimeField(_("opened at"))
    shortfall = models.BooleanField(_("less counted than booked"))
    surplus = models.BooleanField(_("more counted than booked"))
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report filed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VarianceStatus.choices, default=VarianceStatus.OPEN
    )
    finding = models.CharField(_("finding"), max_length=16, choices=VarianceFinding.choices, blank=True)
    account = models.TextField(_("account of the investigation"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock variance")
        verbose_name_plural = _("stock variances")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open") & Q(finding="") & Q(closed_at__isnull=True))
                | (Q(status="closed") & ~Q(finding="") & Q(closed_at__isnull=False)),
                name="stock_variance_closed_with_finding",
            ),
            models.CheckConstraint(
                condition=Q(shortfall=True) | Q(surplus=True),
                name="stock_variance_is_a_difference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} ({self.get_status_display()})"


class SealCard(models.Model):
    """印鉴卡: an institution's purchase seal card. Narcotics and class-I psychotropics are bought from the
    designated wholesalers only with a valid card; it is valid three years and renewed before it lapses."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="seal_cards",
    )
    number = models.CharField(_("card number"), max_length=64, unique=True)
    issuer = models.CharField(_("issued by"), max_length=128)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("purchase seal card")
        verbose_name_plural = _("purchase seal cards")
        ordering = ["organisation_id", "-valid_to"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="seal_card_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.valid_from}–{self.valid_to})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


class EquipmentKind(models.TextChoices):
    NMR_SPECTROMETER = "nmr_spectrometer", _("NMR spectrometer (核磁共振波谱仪)")
    TABLET_PRESS = "tablet_press", _("Tablet press")
    OTHER = "other", _("Other regulated equipment")


class EquipmentStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    IDLE = "idle", _("Idle")
    SEALED = "sealed", _("Sealed")
    DISPOSED = "disposed", _("Disposed of")


class RegulatedEquipment(models.Model):
    """Equipment under drug-control regulation (e.g. NMR spectrometers in the Nan'an 2022 plan)."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="regulated_equipment",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EquipmentKind.choices)
    name = models.CharField(_("name"), max_length=128)
    model = models.CharField(_("model"), max_length=64, blank=True)
    serial_no = models.CharField(_("serial number"), max_length=64)
    location = models.CharField(_("location"), max_length=128)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("custodian"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_USE
    )
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("regulated equipment")
        verbose_name_plural = _("regulated equipment")
        constraints = [
            models.UniqueConstraint(fields=["kind", "serial_no"], name="equipment_unique_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.serial_no}"


class EquipmentCheck(AppendOnlyModel):
    """An inspection of one piece of equipment: what was found, by whom, when. Never edited."""

    equipment = models.ForeignKey(
        RegulatedEquipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="checks"
    )
    on = models.DateField(_("checked on"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )
    status_found = models.CharField(_("status found"), max_length=16, choices=EquipmentStatus.choices)
    in_order = models.BooleanField(_("in order"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("equipment check")
        verbose_name_plural = _("equipment checks")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.equipment_id} {self.on}"


# --- special prescriptions (专用处方) ------------------------------------------------------------------------


class RightScope(models.TextChoices):
    NARCOTIC_PSYCHOTROPIC_1 = (
        "narcotic_psychotropic_1",
        _("Narcotics and class-I psychotropics (麻醉药品、第一类精神药品)"),
    )
    PSYCHOTROPIC_2 = "psychotropic_2", _("Class-II psychotropics (第二类精神药品)")


#: The right a prescriber must hold to prescribe a drug of each control class.
RIGHT_FOR_CLASS = {
    ControlClass.NARCOTIC: RightScope.NARCOTIC_PSYCHOTROPIC_1,
    ControlClass.PSYCHOTROPIC_1: RightScope.NARCOTIC_PSYCHOTROPIC_1,
    ControlClass.PSYCHOTROPIC_2: RightScope.PSYCHOTROPIC_2,
}


class PrescribingRight(models.Model):
    """处方权 for controlled drugs: granted by the institution's head after the training the rules require."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prescriber"),
        on_delete=models.PROTECT,
        related_name="rights",
    )
    scope = models.CharField(_("right"), max_length=32, choices=RightScope.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_on = models.DateField(_("granted on"))
    training = models.CharField(_("training record"), max_length=128, blank=True)
    ended_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("prescribing right")
        verbose_name_plural = _("prescribing rights")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope"],
                condition=Q(ended_on__isnull=True),
                name="prescribing_right_once_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.scope}"


class PrescriptionStatus(models.TextChoices):
    WRITTEN = "written", _("Written, not dispensed")
    DISPENSED = "dispensed", _("Dispensed")
    CANCELLED = "cancelled", _("Cancelled")


class PrescriptionDestruction(models.Model):
    """A batch of prescriptions past their retention period destroyed on the head's approval, with the record."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    destroyed_on = models.DateField(_("destroyed on"))
    method = models.CharField(_("method"), max_length=128)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("destruction of prescriptions")
        verbose_name_plural = _("destructions of prescriptions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(approved_by=F("recorded_by")),
                name="prescription_destruction_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.destroyed_on}"


class Prescription(models.Model):
    """A special prescription: one controlled drug for one patient, on the paper of its class (light red marked
    麻、精一; white marked 精二), within the quantity the rules allow, dispensed once against the ledger."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("prescription number"), max_length=32)
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prescriber"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "patients.Person", verbose_name=_("patient"), on_delete=models.PROTECT, related_name="prescriptions"
    )
    diagnosis = models.CharField(_("diagnosis"), max_length=128)
    drug = models.ForeignKey(Drug, verbose_name=_("drug"), on_delete=models.PROTECT, related_name="+")
    control_class = models.CharField(_("control class"), max_length=32, choices=ControlClass.choices)
    daily_quantity = models.DecimalField(_("quantity per day"), max_digits=10, decimal_places=2)
    days = models.PositiveSmallIntegerField(_("days"))
    quantity = models.DecimalField(_("total quantity"), max_digits=12, decimal_places=2)
    directions = models.CharField(_("directions"), max_length=128)
    written_on = models.DateField(_("written on"))
    written_at = models.DateTimeField(_("written at"))
    status = models.CharField(
        _("status"), max_length=16, choices=PrescriptionStatus.choices, default=PrescriptionStatus.WRITTEN
    )
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispensed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispensed_at = models.DateTimeField(_("dispensed at"), null=True, blank=True)
    keep_until = models.DateField(_("kept until"))
    destruction = models.ForeignKey(
        PrescriptionDestruction,
        verbose_name=_("destroyed in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prescriptions",
    )

    class Meta:
        verbose_name = _("special prescription")
        verbose_name_plural = _("special prescriptions")
        ordering = ["-written_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="prescription_number_unique"),
            models.CheckConstraint(
                condition=Q(quantity=F("daily_quantity") * F("days")) & Q(quantity__gt=0),
                name="prescription_quantity_is_daily_times_days",
            ),
            models.CheckConstraint(
                condition=~Q(control_class=ControlClass.WATCH), name="prescription_controlled_class"
            ),
            models.CheckConstraint(
                condition=Q(dispensed_by__isnull=True) | ~Q(dispensed_by=F("checked_by")),
                name="prescription_dispensed_and_checked_by_two",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def paper(self) -> str:
        """ "red" for 麻、精一, "white" for 精二."""
        return "white" if self.control_class == ControlClass.PSYCHOTROPIC_2 else "red"

    @property
    def mark(self) -> str:
        return "精二" if self.control_class == ControlClass.PSYCHOTROPIC_2 else "麻、精一"
