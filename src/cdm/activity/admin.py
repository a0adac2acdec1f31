from django.contrib import admin

from cdm.accounts.admin_base import CdmModelAdmin

from .models import Activity, Equipment, Interview, Visit


@admin.register(Visit)
class VisitAdmin(CdmModelAdmin):
    list_display = [
        "date",
        "time",
        "cite",
        "site",
        "channel",
        "theme",
        "outcome",
        "age_band",
        "gender",
        "status",
    ]
    list_filter = ["channel", "theme", "outcome", "cite"]
    date_hierarchy = "date"
    list_select_related = ["cite", "site"]
    readonly_fields = ["uid", "recorded_by", "recorded_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Interview)
class InterviewAdmin(CdmModelAdmin):
    list_display = ["visit", "partner", "duration_minutes"]
    list_select_related = ["visit", "partner"]
    raw_id_fields = ["visit"]


@admin.register(Activity)
class ActivityAdmin(CdmModelAdmin):
    list_display = ["date", "title", "cite", "kind", "role", "participants"]
    list_filter = ["kind", "role", "cite"]
    date_hierarchy = "date"
    search_fields = ["title"]
    filter_horizontal = ["partners"]


@admin.register(Equipment)
class EquipmentAdmin(CdmModelAdmin):
    list_display = ["cite", "year", "paper_references", "computer_stations", "tablets", "vr_headsets"]
    list_filter = ["year", "cite"]
