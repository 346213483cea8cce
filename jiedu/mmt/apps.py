from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MmtConfig(AppConfig):
    name = "jiedu.mmt"
    label = "mmt"
    verbose_name = _("Methadone maintenance treatment")
