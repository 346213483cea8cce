"""The staff of medical units, their training and further study, and staff drug screening.

A staff member is one employment at one organisation. The row holds the current version of what is known (name,
profession, qualification, practising certificate, start and leave dates) so that counts on a day are one query;
every version — the registration, each correction with its reason, the leaving — is an append-only
``StaffVersion`` with who and when, and the current row is only ever moved to the next version by compare-and-set.
Someone who comes back after leaving starts a new employment.

Dates: ``start_date`` is the first working day, ``leave_date`` the last one. A staff member is *in post on* a day
when ``start_date <= day <= leave_date`` (no leave date: still in post).

Training courses are held by an organisation (the commission, the narcotics office); participants are either named
staff members or counted by the kind of organisation they come from (large sessions for police, centres,
community offices, social workers). Further-study placements send a staff member to a host institution.

Drug screening of staff (the zero-involvement target) is kept apart: only the organisation's head and the health
commission read it (``Action.STAFF_SCREENING``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Profession(models.TextChoices):
    GENERAL_PRACTITIONER = "general_practitioner", _("General practitioner")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    OTHER_PHYSICIAN = "other_physician", _("Other physician")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PSYCHOLOGIST = "psychologist", _("Psychologist or counsellor")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    POLICE_OFFICER = "police_officer", _("Police officer")
    ADMINISTRATOR = "administrator", _("Administrator")
    OTHER = "other", _("Other")


#: Physicians of every kind.
PHYSICIANS = (Profession.GENERAL_PRACTITIONER, Profession.PSYCHIATRIST, Profession.OTHER_PHYSICIAN)
#: Medical staff (医务人员): physicians, nurses and pharmacists.
MEDICAL_PROFESSIONS = (*PHYSICIANS, Profession.NURSE, Profession.PHARMACIST)


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary vocational")
    COLLEGE = "college", _("College (3-year)")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")
    OTHER = "other", _("Other")


class Title(models.TextChoices):
    NONE = "none", _("No professional title")
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ASSOCIATE_SENIOR = "associate_senior", _("Associate senior")
    SENIOR = "senior", _("Senior")


class CertificateType(models.TextChoices):
    NONE = "none", _("None")
    PHYSICIAN = "physician", _("Physician practising certificate")
    NURSE = "nurse", _("Nurse practising certificate")
    PHARMACIST = "pharmacist", _("Licensed pharmacist registration")
    PSYCHOLOGIST = "psychologist", _("Psychological counselling or therapy qualification")
    SOCIAL_WORKER = "social_worker", _("Social work qualification")
    OTHER = "other", _("Other")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("Resigned")
    TRANSFERRED = "transferred", _("Transferred to another post")
    CONTRACT_ENDED = "contract_ended", _("Contract ended")
    RETIRED = "retired", _("Retired")
    DISMISSED = "dismissed", _("Dismissed")
    DIED = "died", _("Died")
    OTHER = "other", _("Other")


class VersionKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CORRECTED = "corrected", _("Corrected")
    LEFT = "left", _("Left")


def _staff_checks(prefix: str) -> list[models.BaseConstraint]:
    """The constraints every version of a staff member meets (shared by the current row and its history)."""
    return [
        models.CheckConstraint(condition=Q(sex__in=Sex.values), name=f"{prefix}_sex_valid"),
        models.CheckConstraint(
            condition=Q(profession__in=Profession.values), name=f"{prefix}_profession_valid"
        ),
        models.CheckConstraint(
            condition=Q(leave_date__isnull=True) | Q(leave_date__gte=F("start_date")),
            name=f"{prefix}_leaves_after_starting",
        ),
        models.CheckConstraint(
            condition=(Q(leave_date__isnull=True) & Q(leave_reason=""))
            | (Q(leave_date__isnull=False) & Q(leave_reason__in=LeaveReason.values)),
            name=f"{prefix}_leave_reason_iff_left",
        ),
        models.CheckConstraint(
            condition=(
                Q(certificate_type="none")
                & Q(certificate_number="")
                & Q(certificate_valid_from__isnull=True)
                & Q(certificate_valid_to__isnull=True)
            )
            | (
                Q(certificate_type__in=[c for c in CertificateType.values if c != "none"])
                & ~Q(certificate_number="")
                & Q(certificate_valid_from__isnull=False)
            ),
            name=f"{prefix}_certificate_complete",
        ),
        models.CheckConstraint(
            condition=Q(certificate_valid_to__isnull=True)
            | Q(certificate_valid_to__gte=F("certificate_valid_from")),
            name=f"{prefix}_certificate_dates_ordered",
        ),
    ]


class StaffFields(models.Model):
    """What is recorded about a staff member; the current row and every version carry it."""

    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    title = models.CharField(
        _("professional title"), max_length=16, choices=Title.choices, default=Title.NONE
    )
    certificate_type = models.CharField(
        _("practising certificate"),
        max_length=16,
        choices=CertificateType.choices,
        default=CertificateType.NONE,
    )
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    certificate_valid_from = models.DateField(_("certificate valid from"), null=True, blank=True)
    certificate_valid_to = models.DateField(_("certificate valid to"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    leave_reason = models.CharField(_("leave reason"), max_length=16, choices=LeaveReason.choices, blank=True)

    class Meta:
        abstract = True


class StaffMember(StaffFields):
    """One employment at one organisation, as its current version says."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("registered at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["organisation_id", "name", "pk"]
        constraints = [
            *_staff_checks("staffmember"),
            models.CheckConstraint(condition=Q(version__gte=1), name="staffmember_version_positive"),
            # A user account belongs to one employment in post at a time.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(user__isnull=False, leave_date__isnull=True),
                name="staffmember_one_current_employment_per_user",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "start_date", "leave_date"])]

    def __str__(self) -> str:
        return self.name

    def in_post_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.leave_date is None or day <= self.leave_date)


class StaffVersion(StaffFields, AppendOnlyModel):
    """One version of a staff member: the registration, a correction (with its reason) or the leaving."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("change"), max_length=16, choices=VersionKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("staff record version")
        verbose_name_plural = _("staff record versions")
        ordering = ["staff_id", "version"]
        constraints = [
            *_staff_checks("staffversion"),
            models.UniqueConstraint(fields=["staff", "version"], name="staffversion_unique"),
            models.CheckConstraint(condition=Q(kind__in=VersionKind.values), name="staffversion_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="corrected") | ~Q(reason=""), name="staffversion_correction_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(kind="left") | Q(leave_date__isnull=False), name="staffversion_left_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} v{self.version} {self.kind}"


# --- drug screening of staff ----------------------------------------------------------------------------------


class ScreeningMethod(models.TextChoices):
    URINE = "urine", _("Urine immunoassay")
    HAIR = "hair", _("Hair test")
    BLOOD = "blood", _("Blood test")
    SALIVA = "saliva", _("Saliva test")


class ScreeningResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    REFUSED = "refused", _("Refused or not taken")


class Screening(AppendOnlyModel):
    """One drug screening of a staff member. Anything but a negative result names its follow-up."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="screenings"
    )
    screened_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=16, choices=ScreeningMethod.choices)
    result = models.CharField(_("result"), max_length=16, choices=ScreeningResult.choices)
    follow_up = models.CharField(_("follow-up"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("staff drug screening")
        verbose_name_plural = _("staff drug screenings")
        ordering = ["staff_id", "-screened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=ScreeningMethod.values), name="screening_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(result__in=ScreeningResult.values), name="screening_result_valid"
            ),
            models.CheckConstraint(
                condition=Q(result="negative") | ~Q(follow_up=""), name="screening_non_negative_has_follow_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.screened_on} {self.result}"


# --- training and further study -------------------------------------------------------------------------------


class Topic(models.TextChoices):
    DRUG_TESTING = "drug_testing", _("Drug testing")
    NURSING_RESCUE = "nursing_rescue", _("Nursing and rescue")
    EMERGENCY = "emergency", _("Emergency response")
    OCCUPATIONAL_EXPOSURE = "occupational_exposure", _("Occupational-exposure protection")
    PSYCHOLOGICAL = "psychological", _("Psychological correction")
    MMT_CLINICAL = "mmt_clinical", _("MMT clinical practice")
    CONTROLLED_SUBSTANCES = "controlled_substances", _("Controlled-substance management")
    OTHER = "other", _("Other")


class ParticipantKind(models.TextChoices):
    """Where participants come from (for counted participants, and derived for named ones)."""

    POLICE = "police", _("Police")
    COMPULSORY_CENTRE = "compulsory_centre", _("Compulsory isolation centres")
    COMMUNITY_OFFICE = "community_office", _("Community detox and rehab offices")
    SOCIAL_WORKER = "social_worker", _("Social workers")
    MMT_CLINIC = "mmt_clinic", _("MMT clinics and dosing points")
    MEDICAL = "medical", _("Hospitals and other medical institutions")
    CDC = "cdc", _("Centres for disease control")
    OTHER = "other", _("Other")


class Course(AppendOnlyModel):
    """A training course (one session, possibly over several days)."""

    organiser = models.ForeignKey(
        "registry.Organisation", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    place = models.CharField(_("place"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(topic__in=Topic.values), name="course_topic_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="course_dates_ordered"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
        ]
        indexes = [models.Index(fields=["starts_on"])]

    def __str__(self) -> str:
        return self.title


class NamedParticipant(AppendOnlyModel):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="named_participants"
    )
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    #: Where the participant came from, fixed when added.
    kind = models.CharField(_("participant kind"), max_length=32, choices=ParticipantKind.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("named participant")
        verbose_name_plural = _("named participants")
        ordering = ["course_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "staff"], name="namedparticipant_once_per_course"),
            models.CheckConstraint(
                condition=Q(kind__in=ParticipantKind.values), name="namedparticipant_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.staff_id}"


class CountedParticipants(AppendOnlyModel):
    """Participants of one kind counted, not named (a large session)."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="counted_participants"
    )
    kind = models.CharField(_("participant kind"), max_length=32, choices=ParticipantKind.choices)
    count = models.PositiveIntegerField(_("participants"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("counted participants")
        verbose_name_plural = _("counted participants")
        ordering = ["course_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["course", "kind"], name="countedparticipants_once_per_kind"),
            models.CheckConstraint(condition=Q(count__gte=1), name="countedparticipants_count_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=ParticipantKind.values), name="countedparticipants_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.kind} × {self.count}"


class Placement(AppendOnlyModel):
    """A further-study placement (进修) of a staff member at a host institution."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="placements"
    )
    host = models.CharField(_("host institution"), max_length=200)
    field = models.CharField(_("field of study"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("further-study placement")
        verbose_name_plural = _("further-study placements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="placement_dates_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.host}"
