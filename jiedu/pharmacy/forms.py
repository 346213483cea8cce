"""Stock forms parse types only; the two-person rule, expiry, quantities and stock levels live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiedu.accounts.models import User
from jiedu.core.forms import DateInput
from jiedu.pharmacy import selectors
from jiedu.pharmacy.models import (
    REPORTED_KINDS,
    Batch,
    ControlClass,
    CountKind,
    Drug,
    EntryKind,
    EquipmentKind,
    EquipmentStatus,
    RegulatedEquipment,
    RightScope,
    StockBalance,
    Store,
    VarianceFinding,
)


def quantity_field(label: Any = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label or _("Quantity (in the drug's ledger unit)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class StockForm(forms.Form):
    """Every stock form names a witness: a colleague of the same organisation, never the signed-in user.

    The select lists colleagues only; the signed-in user is still accepted by the field so that the service's
    two-person rule answers with its own message beside the field.
    """

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = list(selectors.colleagues(user=user))
        field = forms.ModelChoiceField(
            label=_("Witness"),
            queryset=selectors.colleagues(user=user),
            help_text=_("A colleague who checks and signs with you."),
        )
        field.widget.choices = [
            ("", "---------"),
            *((u.pk, u.display_name) for u in people if u.pk != user.pk),
        ]
        self.fields["witness"] = field
        self.fields["witness_password"] = forms.CharField(
            label=_("Witness's password"),
            required=False,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
            help_text=_("The witness signs by entering their own password at this screen."),
        )


def store_field(queryset: QuerySet[Store], label: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=label or _("Store"), queryset=queryset)


def batch_field(queryset: QuerySet[Batch]) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Batch"), queryset=queryset)


class ReceiveForm(StockForm):
    field_order = [
        "store",
        "drug",
        "batch_no",
        "expiry",
        "maker",
        "concentration",
        "quantity",
        "voucher",
        "supplier",
        "quality",
        "witness",
        "witness_password",
    ]

    batch_no = forms.CharField(label=_("Batch number"), max_length=64)
    expiry = forms.DateField(
        label=_("Expiry date"),
        widget=DateInput,
        error_messages={"invalid": _("Enter a real date, e.g. 2028-06-30.")},
    )
    maker = forms.CharField(label=_("Manufacturer"), max_length=128)
    concentration = forms.DecimalField(
        label=_("Concentration (mg/mL)"),
        max_digits=8,
        decimal_places=3,
        required=False,
        help_text=_("For oral solutions dosed by volume (methadone)."),
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    voucher = forms.CharField(label=_("Voucher number"), max_length=64)
    supplier = forms.CharField(label=_("Supplier"), max_length=128)
    quality = forms.CharField(
        label=_("Quality conclusion"),
        max_length=128,
        help_text=_("The acceptance check's conclusion, e.g. packaging intact, quantity as invoiced."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["store"] = store_field(selectors.stores_in_scope(user=user))
        drugs = selectors.receivable_drugs()
        self.fields["drug"] = forms.ModelChoiceField(label=_("Drug"), queryset=drugs, empty_label=None)
        self.fields["quantity"] = quantity_field()
        self.order_fields(self.field_order)


class TransferForm(StockForm):
    """A keeper of the source issues; a keeper of the target store receives and signs as the second person."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        receivers = selectors.clinic_family_staff(user=user)
        self.fields["witness"].queryset = receivers
        self.fields["witness"].label = _("Received by")
        self.fields["witness"].help_text = _("A keeper of the receiving store, who counts and signs.")
        self.fields["witness"].widget.choices = [
            ("", "---------"),
            *(
                (u.pk, str(u.organisation.name) + " · " + u.display_name)
                for u in receivers
                if u.pk != user.pk
            ),
        ]
        sources = selectors.own_stores(user=user)
        self.fields["source"] = store_field(sources, _("From store"))
        self.fields["target"] = store_field(
            selectors.dosing_point_stores(user=user), _("To dosing point store")
        )
        self.fields["batch"] = batch_field(selectors.batches_held(stores=sources))
        self.fields["quantity"] = quantity_field()
        self.order_fields(["source", "target", "batch", "quantity", "witness", "witness_password"])


class WasteForm(StockForm):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        stores = selectors.stores_in_scope(user=user)
        self.fields["store"] = store_field(stores)
        self.fields["batch"] = batch_field(selectors.batches_held(stores=stores))
        self.fields["quantity"] = quantity_field()
        self.order_fields(["store", "batch", "quantity", "reason", "witness", "witness_password"])


class DayCloseStoreForm(forms.Form):
    """Which store's day to close (a GET form: choosing a store lists its batches)."""

    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_in_scope(user=user)  # type: ignore[attr-defined]


class DayCloseForm(StockForm):
    """One counted-quantity input per batch held, always empty: the count is blind to the book quantity."""

    def __init__(
        self, *args: Any, user: Any, store: Store, balances: list[StockBalance], **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"] = forms.ChoiceField(label=_("Count"), choices=CountKind.choices)
        self.fields["day"] = forms.DateField(
            label=_("Day"),
            widget=DateInput,
            error_messages={"invalid": _("Enter a real date, e.g. 2026-11-20.")},
        )
        self.count_fields: list[tuple[str, int]] = []
        for balance in balances:
            name = f"count_{balance.batch_id}"
            self.fields[name] = quantity_field(
                _("Counted (%(unit)s): %(drug)s, batch %(batch)s, expires %(expiry)s")
                % {
                    "unit": balance.batch.drug.unit,
                    "drug": balance.batch.drug,
                    "batch": balance.batch.batch_no,
                    "expiry": balance.batch.expiry.isoformat(),
                }
            )
            self.count_fields.append((name, balance.batch_id))
        self.fields["note"] = forms.CharField(label=_("Note"), max_length=255, required=False)
        self.store = store
        self.order_fields(
            ["kind", "day", *(n for n, _b in self.count_fields), "witness", "witness_password", "note"]
        )

    def counts(self) -> dict[int, Any]:
        return {batch_id: self.cleaned_data[name] for name, batch_id in self.count_fields}


class IssueForm(StockForm):
    """An issue to a department on its requisition: the keeper issues, the department's receiver signs."""

    department = forms.CharField(label=_("Department"), max_length=64)
    voucher = forms.CharField(label=_("Requisition number"), max_length=64)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        stores = selectors.stores_in_scope(user=user)
        self.fields["store"] = store_field(stores)
        self.fields["batch"] = batch_field(selectors.batches_held(stores=stores))
        self.fields["quantity"] = quantity_field()
        self.fields["witness"].label = _("Received by")
        self.order_fields(
            ["store", "batch", "quantity", "department", "voucher", "witness", "witness_password"]
        )


class LossForm(StockForm):
    """A loss or theft, booked out and reported at once."""

    kind = forms.ChoiceField(
        label=_("What happened"), choices=[(k.value, k.label) for k in EntryKind if k in REPORTED_KINDS]
    )
    account = forms.CharField(
        label=_("Account"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=255,
        help_text=_(
            "What happened, when it was found and the control measures taken. It goes into the report."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        stores = selectors.stores_in_scope(user=user)
        self.fields["store"] = store_field(stores)
        self.fields["batch"] = batch_field(selectors.batches_held(stores=stores))
        self.fields["quantity"] = quantity_field()
        self.order_fields(["store", "batch", "quantity", "kind", "account", "witness", "witness_password"])


class VarianceCloseForm(StockForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=VarianceFinding.choices)
    account = forms.CharField(
        label=_("Account of the investigation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the difference was investigated and what was found."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.order_fields(["finding", "account", "witness", "witness_password"])


class PrescriptionForm(forms.Form):
    drug = forms.ModelChoiceField(label=_("Drug"), queryset=Drug.objects.none(), empty_label=None)
    daily_quantity = forms.DecimalField(
        label=_("Quantity per day (in the drug's ledger unit)"), max_digits=10, decimal_places=2
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=366)
    directions = forms.CharField(
        label=_("Directions"), max_length=128, help_text=_("e.g. 每12小时一次，每次1片，口服")
    )
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["drug"].queryset = Drug.objects.filter(  # type: ignore[attr-defined]
            is_active=True, control_class__in=[c for c in ControlClass.values if c != ControlClass.WATCH]
        ).order_by("control_class", "name")


class DispenseForm(StockForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["store"] = store_field(selectors.stores_in_scope(user=user))
        self.fields["witness"].label = _("Checked by")
        self.order_fields(["store", "witness", "witness_password"])


class RightForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Doctor"), queryset=User.objects.none())
    scope = forms.ChoiceField(label=_("Right"), choices=RightScope.choices)
    training = forms.CharField(label=_("Training record"), max_length=128)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.colleagues(user=user)  # type: ignore[attr-defined]


class DestroyForm(forms.Form):
    numbers = forms.MultipleChoiceField(label=_("Prescriptions"), widget=forms.CheckboxSelectMultiple)
    method = forms.CharField(label=_("Method"), max_length=128, help_text=_("e.g. shredded, incinerated"))
    approver = forms.ModelChoiceField(label=_("Approved by the head"), queryset=User.objects.none())
    approver_password = forms.CharField(
        label=_("Head's password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, user: Any, numbers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = [(n, n) for n in numbers]  # type: ignore[attr-defined]
        self.fields["approver"].queryset = selectors.colleagues(user=user)  # type: ignore[attr-defined]


class KeeperForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    user = forms.ModelChoiceField(label=_("Keeper"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_in_scope(user=user)  # type: ignore[attr-defined]
        self.fields["user"].queryset = selectors.clinic_family_staff(user=user)  # type: ignore[attr-defined]


class KeyHoldersForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    key_holder_a = forms.ModelChoiceField(label=_("First key holder"), queryset=User.objects.none())
    key_holder_b = forms.ModelChoiceField(label=_("Second key holder"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_in_scope(user=user)  # type: ignore[attr-defined]
        staff = selectors.clinic_family_staff(user=user)
        self.fields["key_holder_a"].queryset = staff  # type: ignore[attr-defined]
        self.fields["key_holder_b"].queryset = staff  # type: ignore[attr-defined]


class SealCardForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=64)
    issuer = forms.CharField(label=_("Issued by"), max_length=128)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid until"), widget=DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class EquipmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EquipmentKind.choices)
    name = forms.CharField(label=_("Name"), max_length=128)
    model = forms.CharField(label=_("Model"), max_length=64, required=False)
    serial_no = forms.CharField(label=_("Serial number"), max_length=64)
    location = forms.CharField(label=_("Location"), max_length=128)
    custodian = forms.ModelChoiceField(label=_("Custodian"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = selectors.colleagues(user=user)  # type: ignore[attr-defined]


class EquipmentCheckForm(forms.Form):
    equipment = forms.ModelChoiceField(label=_("Equipment"), queryset=RegulatedEquipment.objects.none())
    status_found = forms.ChoiceField(label=_("Status found"), choices=EquipmentStatus.choices)
    in_order = forms.BooleanField(label=_("In order"), required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = RegulatedEquipment.objects.filter(  # type: ignore[attr-defined]
            organisation_id=user.organisation_id
        )
