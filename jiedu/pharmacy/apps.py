from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PharmacyConfig(AppConfig):
    name = "jiedu.pharmacy"
    label = "pharmacy"
    verbose_name = _("Controlled substances")
