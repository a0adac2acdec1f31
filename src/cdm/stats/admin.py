from django.contrib import admin

from cdm.accounts.admin_base import CdmModelAdmin

from .models import ReportNarrative


@admin.register(ReportNarrative)
class ReportNarrativeAdmin(CdmModelAdmin):
    list_display = ["year", "language", "signed_by"]
    list_filter = ["year", "language"]
