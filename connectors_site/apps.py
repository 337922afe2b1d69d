from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConnectorsSiteConfig(AppConfig):
    name = "connectors_site"
    verbose_name = "Custom Connectors"


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site's own AdminSite (connectors_site/admin_site.py) as `admin.site`."""

    default = False  # not this app's own configuration (ConnectorsSiteConfig is)
    default_site = "connectors_site.admin_site.AdminSite"
