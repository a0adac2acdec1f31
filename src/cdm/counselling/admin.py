"""The back office: a Cité's retention settings; conversations and questions read as counts only
(their messages are the counsellors' screens' business, and are never shown here)."""

from django.contrib import admin

from cdm.accounts.admin_base import CdmModelAdmin

from .models import Conversation, CounsellingSettings, Question


@admin.register(CounsellingSettings)
class CounsellingSettingsAdmin(CdmModelAdmin):
    list_display = ("cite", "retention_days", "address_days")


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
