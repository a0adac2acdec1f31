from django.contrib import admin

from cdm.accounts.admin_base import CdmModelAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(CdmModelAdmin):
    list_display = ["at", "username", "action", "content_type", "object_repr", "cite"]
    list_filter = ["action", "content_type", "cite"]
    search_fields = ["username", "object_repr"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
