"""Reference data of education campaigns, kept by system administrators: the settings and the kinds of campaign.
Campaigns and events are recorded on the pages, never here."""

from django.contrib import admin

from jiedu.campaigns.models import CampaignKind, Setting
from jiedu.policy.admin_site import PolicyModelAdmin


@admin.register(Setting)
class SettingAdmin(PolicyModelAdmin):
    list_display = ("order", "code", "name_zh", "name_en", "counts_for_coverage", "is_active")
    ordering = ("order",)


@admin.register(CampaignKind)
class CampaignKindAdmin(PolicyModelAdmin):
    list_display = ("order", "code", "name_zh", "name_en", "is_key", "usual_start", "usual_end", "is_active")
    ordering = ("order",)
