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


def client_ip(request) -> str | None:
    """The address sign-in throttling counts by: the proxy's X-Forwarded-For when behind one.

    The proxy appends the address it saw, so only the last entry can be trusted.
    """
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.rsplit(",", 1)[-1].strip()
    return request.META.get("REMOTE_ADDR")


def locked_out(request, credentials, *args, **kwargs):
    """The page a locked-out sign-in gets (django-axes): the login page, with why, in the page's language."""
    from django.conf import settings
    from django.contrib.auth.forms import AuthenticationForm
    from django.template.response import TemplateResponse

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Trop de tentatives de connexion échouées pour ce compte : réessayez dans %(minutes)d minutes."
    ) % {"minutes": minutes}
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(None, message)
    from django.contrib import admin

    context = {
        **admin.site.each_context(request),
        "title": _("Connexion"),
        "form": form,
        "app_path": request.get_full_path(),
        "username": "",
    }
    return TemplateResponse(request, "admin/login.html", context, status=429).render()
