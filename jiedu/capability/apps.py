from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilityConfig(AppConfig):
    name = "jiedu.capability"
    label = "capability"
    verbose_name = _("Capability of medical units")
