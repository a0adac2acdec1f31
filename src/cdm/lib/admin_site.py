"""The back-office site. Kept free of model imports: Django loads it before the apps."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CdmAdminSite(admin.AdminSite):
    site_header = _("CDM — back-office")
    site_title = _("CDM")
    index_title = _("Administration")

    @property
    def login_form(self):
        """Any active staff account signs in (no is_staff flag to forget); roles decide the rest."""
        from django.contrib.auth.forms import AuthenticationForm

        return AuthenticationForm

    def has_permission(self, request):
        # Every staff account may sign in; what it sees is decided per model.
        return request.user.is_active and request.user.is_authenticated


class CdmAdminConfig(AdminConfig):
    default_site = "cdm.lib.admin_site.CdmAdminSite"
