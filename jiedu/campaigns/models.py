"""Drug-prevention and AIDS education: campaigns and the events held under them or on their own.

A campaign is one year's round of a kind of campaign (6·26 International Day against Drug Abuse, 12·1 World AIDS
Day, the national publicity month, others as data) in a region, with its dates and theme. An education event is
held by one organisation (the organiser, who owns the record), with co-organisers, in a setting — the "six into"
settings of seed 002 (schools, workplaces, families, venues, communities, villages) are data — and a format; it
records its participants, the materials handed out and the media coverage, with photos and documents as evidence.

An event is never edited: each correction writes a new version (every field, with who, when and why), and the
event points at its current version. Withdrawing an event recorded in error is a version too; a withdrawn event
counts for nothing. Campaign corrections are kept as change rows with the values before and after.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class EventFormat(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    EXHIBITION = "exhibition", _("Exhibition")
    STREET_STALL = "street_stall", _("Street stall and consultation")
    ONLINE = "online", _("Online")
    DRILL = "drill", _("Drill")
    OTHER = "other", _("Other")


class ParticipantGroup(models.TextChoices):
    STUDENTS = "students", _("Students")
    WORKERS = "workers", _("Employees")
    RESIDENTS = "residents", _("Residents")
    VILLAGERS = "villagers", _("Villagers")
    VENUE_STAFF = "venue_staff", _("Venue staff")
    FAMILIES = "families", _("Parents and families")
    OFFICIALS = "officials", _("Officials")
    OTHER = "other", _("Others")


class MaterialKind(models.TextChoices):
    LEAFLET = "leaflet", _("Leaflets")
    POSTER = "poster", _("Posters")
    BOOKLET = "booklet", _("Booklets")
    BANNER = "banner", _("Banners")
    DISPLAY_BOARD = "display_board", _("Display boards")
    GIFT = "gift", _("Promotional items")
    OTHER = "other", _("Other materials")


class MediaKind(models.TextChoices):
    TV = "tv", _("Television")
    NEWSPAPER = "newspaper", _("Newspaper")
    RADIO = "radio", _("Radio")
    ONLINE = "online", _("Online")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


class Setting(models.Model):
    """Where education is taken: the "six into" settings (进学校、进单位、进家庭、进场所、进社区、进农村) count
    towards a county's coverage; others (a public square, online) are recorded but do not."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    counts_for_coverage = models.BooleanField(
        _("one of the six settings"),
        default=True,
        help_text=_("Counted in the share of settings a county covers."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("education setting")
        verbose_name_plural = _("education settings")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class CampaignKind(models.Model):
    """A recurring campaign: 6·26, 12·1, the publicity month, or another added as data."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=96)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    is_key = models.BooleanField(
        _("key campaign"),
        default=False,
        help_text=_("Every county is expected to hold events under it each year (a target)."),
    )
    #: The usual dates, as month and day, offered when a year's campaign is opened.
    usual_start = models.CharField(_("usual first day (MM-DD)"), max_length=5, blank=True)
    usual_end = models.CharField(_("usual last day (MM-DD)"), max_length=5, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("kind of campaign")
        verbose_name_plural = _("kinds of campaign")
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usual_start="", usual_end="")
                | (
                    Q(usual_start__regex=r"^[01][0-9]-[0-3][0-9]$")
                    & Q(usual_end__regex=r"^[01][0-9]-[0-3][0-9]$")
                ),
                name="campaignkind_usual_dates_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class Campaign(models.Model):
    """One year's round of a kind of campaign in a region (a county's, a prefecture's or a province's)."""

    kind = models.ForeignKey(CampaignKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=128)
    theme = models.CharField(_("theme"), max_length=255, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "region"], name="campaign_one_per_kind_year_region"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="campaign_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="campaign_year_plausible"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="campaign_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The kind's code and the year: ``626-2025``."""
        return f"{self.kind.code}-{self.year}"


class CampaignChange(AppendOnlyModel):
    """A correction of a campaign's name, theme or dates: who, when, why, and the values before and after."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="changes"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=500)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    class Meta:
        verbose_name = _("campaign correction")
        verbose_name_plural = _("campaign corrections")
        ordering = ["campaign_id", "at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="campaignchange_has_reason")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """An education event, owned by its organiser; what it was is its current version."""

    organiser = models.ForeignKey(
        "registry.Organisation", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    current = models.OneToOneField(
        "EventVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_of",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))
    #: Sent with the form (or given by a script) so that a repeated submission records the event once.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("education event")
        verbose_name_plural = _("education events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organiser", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="event_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organiser_id} #{self.pk}"


class EventVersion(AppendOnlyModel):
    """Every field of an event as recorded or corrected; number 1 is the first record."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    county = models.ForeignKey(
        "registry.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("place"), max_length=200)
    setting = models.ForeignKey(
        Setting,
        verbose_name=pgettext_lazy("education", "setting"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    format = models.CharField(_("format"), max_length=16, choices=EventFormat.choices)
    participants = models.PositiveIntegerField(_("participants"))
    summary = models.TextField(_("summary"), blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    #: Why this version was written (a correction or a withdrawal); empty for the first record.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("event version")
        verbose_name_plural = _("event versions")
        ordering = ["event_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="eventversion_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="eventversion_number_positive"),
            models.CheckConstraint(
                condition=Q(participants__gte=0), name="eventversion_participants_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(format__in=EventFormat.values), name="eventversion_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(reason=""), name="eventversion_correction_has_reason"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="eventversion_title_not_empty"),
        ]
        indexes = [models.Index(fields=["county", "held_on"])]

    def __str__(self) -> str:
        return f"{self.event_id} v{self.number}"


class ParticipantCount(AppendOnlyModel):
    """Participants of one group, where the organiser knows them."""

    version = models.ForeignKey(
        EventVersion, verbose_name=_("event version"), on_delete=models.PROTECT, related_name="groups"
    )
    group = models.CharField(_("group"), max_length=16, choices=ParticipantGroup.choices)
    count = models.PositiveIntegerField(_("participants"))

    class Meta:
        verbose_name = _("participants of a group")
        verbose_name_plural = _("participants by group")
        ordering = ["version_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "group"], name="participantcount_one_per_group"),
            models.CheckConstraint(
                condition=Q(group__in=ParticipantGroup.values), name="participantcount_group_valid"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="participantcount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.group} {self.count}"


class MaterialLine(AppendOnlyModel):
    """Materials handed out at the event: leaflets, posters, booklets …"""

    version = models.ForeignKey(
        EventVersion, verbose_name=_("event version"), on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MaterialKind.choices)
    description = models.CharField(_("description"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("materials handed out")
        verbose_name_plural = _("materials handed out")
        ordering = ["version_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MaterialKind.values), name="materialline_kind_valid"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="materialline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.kind} × {self.quantity}"


class MediaItem(AppendOnlyModel):
    """A report of the event in the media."""

    version = models.ForeignKey(
        EventVersion, verbose_name=_("event version"), on_delete=models.PROTECT, related_name="media"
    )
    outlet = models.CharField(_("outlet"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=MediaKind.choices)
    published_on = models.DateField(_("published on"))
    title = models.CharField(_("title"), max_length=200)
    link = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("media coverage")
        verbose_name_plural = _("media coverage")
        ordering = ["version_id", "published_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MediaKind.values), name="mediaitem_kind_valid"),
            models.CheckConstraint(
                condition=Q(link="") | Q(link__startswith="http://") | Q(link__startswith="https://"),
                name="mediaitem_link_is_web_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.title}"


class CoOrganiser(AppendOnlyModel):
    version = models.ForeignKey(
        EventVersion, verbose_name=_("event version"), on_delete=models.PROTECT, related_name="co_organisers"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("co-organiser"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("co-organiser")
        verbose_name_plural = _("co-organisers")
        ordering = ["version_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "organisation"], name="coorganiser_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.organisation_id}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"campaigns/evidence/{instance.token}.{instance.extension}"


class Evidence(AppendOnlyModel):
    """A photo or document of an event, kept under MEDIA_ROOT and served only to those who may see the event."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    token = models.CharField(max_length=32, unique=True, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["event_id", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="evidence_content_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[self.content_type]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class EvidenceWithdrawal(AppendOnlyModel):
    """A file taken off an event (uploaded in error, or showing what it should not); the file is kept."""

    evidence = models.OneToOneField(
        Evidence, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="withdrawal"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("evidence withdrawal")
        verbose_name_plural = _("evidence withdrawals")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="evidencewithdrawal_has_reason")]

    def __str__(self) -> str:
        return f"{self.evidence_id} withdrawn"
