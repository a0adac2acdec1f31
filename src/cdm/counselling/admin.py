"""The back office: a Cité's retention settings; conversations and questions read as counts only
(their messages are the counsellors' screens' business, and are never shown here)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cdm.accounts.admin_base import CdmModelAdmin

from .models import Conversation, CounsellingSettings, Question


def widget_snippet(settings: CounsellingSettings, base: str) -> str:
    """The HTML a Cité pastes into its own website: an iframe of its widget page (``base``: this
    site's address, ``https://…`` without the final slash)."""
    url = base + reverse("counselling:widget", args=[settings.cite.slug])
    title = _("Parler à un conseiller")
    return f'<iframe src="{url}" title="{title}" width="380" height="560" loading="lazy"></iframe>'


@admin.register(CounsellingSettings)
class CounsellingSettingsAdmin(CdmModelAdmin):
    list_display = ("cite", "retention_days", "address_days")
    fields = ("cite", "retention_days", "address_days", "widget_origins", "widget_code")
    readonly_fields = ("widget_code",)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        obj.site_base = request.build_absolute_uri("/").rstrip("/")  # this request's own, for the snippet
        return obj

    @admin.display(description=_("code du widget à coller sur votre site"))
    def widget_code(self, obj):
        if obj is None or not obj.pk:
            return _("Enregistrez d'abord ces réglages.")
        return format_html(
            '<textarea readonly rows="3" cols="80" class="widget-code">{}</textarea><p class="help">{}</p>',
            widget_snippet(obj, getattr(obj, "site_base", "")),
            _("Le widget ne s'affiche que sur les sites déclarés ci-dessus."),
        )


class _CountsOnly(CdmModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(_CountsOnly):
    list_display = ("code", "cite", "theme", "status", "arrived_at", "closed_at", "message_count", "helped")
    list_filter = ("status", "theme")
    fields = (
        "cite",
        "number",
        "theme",
        "language",
        "status",
        "arrived_at",
        "taken_at",
        "closed_at",
        "counsellor",
        "message_count",
        "helped",
        "purged_at",
    )


@admin.register(Question)
class QuestionAdmin(_CountsOnly):
    list_display = ("code", "cite", "theme", "status", "received_at", "closed_at", "message_count")
    list_filter = ("status", "theme")
    fields = (
        "cite",
        "number",
        "theme",
        "language",
        "status",
        "received_at",
        "answered_at",
        "closed_at",
        "address_deleted_at",
        "counsellor",
        "message_count",
        "purged_at",
    )
