"""Reference data: administrative regions (GB/T 2260), organisations and their licences."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class Region(models.Model):
    """An administrative division with its six-digit GB/T 2260 code.

    Codes that were abolished stay (with ``valid_to``): identity numbers issued under them are still valid.
    """

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.PositiveSmallIntegerField(_("in use from (year)"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("in use until (year)"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]{5}$"), name="region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | (~Q(level="province") & Q(parent__isnull=False)),
                name="region_parent_iff_not_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """Code prefix shared by this region and everything under it."""
        if self.level == RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level == RegionLevel.PREFECTURE:
            return self.code[:4]
        return self.code

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class OrganisationType(models.TextChoices):
    MMT_CLINIC = "mmt_clinic", _("MMT clinic")
    DOSING_POINT = "dosing_point", _("Satellite dosing point")
    VOLUNTARY_REHAB = "voluntary_rehab", _("Voluntary rehab institution")
    COMPULSORY_CENTRE = "compulsory_centre", _("Compulsory isolation centre (medical unit)")
    COMMUNITY_REHAB = "community_rehab", _("Community detox and rehab office")
    POLICE = "police", _("Police")
    CDC = "cdc", _("Centre for disease control")
    HOSPITAL = "hospital", _("Hospital")
    HEALTH_COMMISSION = "health_commission", _("Health commission")
    NARCOTICS_OFFICE = "narcotics_office", _("Narcotics control office")
    DRUG_REGULATOR = "drug_regulator", _("Drug regulator")
    JUSTICE_BUREAU = "justice_bureau", _("Justice bureau")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=128)
    type = models.CharField(_("type"), max_length=32, choices=OrganisationType.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    parent_clinic = models.ForeignKey(
        "self",
        verbose_name=_("parent MMT clinic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dosing_points",
        help_text=_("A satellite dosing point belongs to exactly one MMT clinic."),
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region_id", "type", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(type="dosing_point") & Q(parent_clinic__isnull=False))
                | (~Q(type="dosing_point") & Q(parent_clinic__isnull=True)),
                name="organisation_dosing_point_has_parent_clinic",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="organisation_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="organisation_longitude_range",
            ),
            models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_name_in_region"),
        ]
        indexes = [models.Index(fields=["type", "region"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_clinical(self) -> bool:
        return self.type in CLINICAL_TYPES


CLINICAL_TYPES = frozenset(
    {
        OrganisationType.MMT_CLINIC,
        OrganisationType.DOSING_POINT,
        OrganisationType.VOLUNTARY_REHAB,
        OrganisationType.COMPULSORY_CENTRE,
        OrganisationType.HOSPITAL,
    }
)


class LicenceKind(models.TextChoices):
    MMT_APPROVAL = "mmt_approval", _("MMT clinic approval")
    DRUG_TREATMENT = "drug_treatment", _("Drug-treatment medical qualification")
    MEDICAL_INSTITUTION = "medical_institution", _("Medical institution practising licence")
    PSYCHIATRY = "psychiatry", _("Psychiatry registration")
    SEAL_CARD = "seal_card", _("Narcotic and psychotropic drug purchase seal card")
    OTHER = "other", _("Other")


class Licence(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="licences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=LicenceKind.choices)
    number = models.CharField(_("number"), max_length=64)
    issuer = models.CharField(_("issuer"), max_length=128)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["organisation_id", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="licence_valid_to_after_valid_from",
            ),
            models.UniqueConstraint(
                fields=["kind", "number", "issuer"], name="licence_unique_number_per_issuer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
