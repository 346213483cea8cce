from django.contrib.admin.apps import AdminConfig


class JieduAdminConfig(AdminConfig):
    """The admin with Jiedu's site (policy-checked, audited); the site class is imported lazily."""

    default_site = "jiedu.policy.admin_site.JieduAdminSite"
