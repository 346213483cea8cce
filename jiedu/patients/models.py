"""The person master shared by every programme (MMT, voluntary rehab, community rehab, CDC)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


def photo_path(instance: Person, filename: str) -> str:
    return f"persons/photos/{instance.photo_token}.jpg"


class Person(models.Model):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    # The identity number is never stored in clear (docs/adr/0003): ciphertext, keyed hash, masked form.
    id_number_encrypted = models.TextField(_("identity number (encrypted)"), editable=False)
    id_number_index = models.CharField(_("identity number index"), max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    household_region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("household registration region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_address = models.CharField(_("current address"), max_length=255, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    photo_token = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name_pinyin", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="person_name_not_empty"),
            models.CheckConstraint(
                condition=Q(birth_date__gte="1900-01-01"), name="person_birth_date_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"


class Affiliation(models.Model):
    """A person is known to an organisation (registered there, or later enrolled, referred, ordered)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered here")
        REFERRED = "referred", _("Referred here")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.REGISTERED)
    since = models.DateTimeField(_("since"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], name="affiliation_unique_person_organisation"
            )
        ]
        indexes = [models.Index(fields=["organisation", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.organisation_id}"


class SearchKey(models.Model):
    """Pinyin keys of a person's name (initials and full syllables, every reading): indexed prefix search."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "person"], name="search_key_unique")]
        # varchar_pattern_ops lets PostgreSQL answer LIKE 'abc%' from the index under any collation.
        indexes = [models.Index(fields=["key"], name="search_key_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.key
