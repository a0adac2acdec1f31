from django.contrib import admin

from cdm.accounts.admin_base import CdmModelAdmin, PolicyPermissions, partners_of

from .models import Cite, Contribution, Partner, Partnership, Pole, Site, SiteStop


@admin.register(Cite)
class CiteAdmin(CdmModelAdmin):
    list_display = ["name", "country", "city", "status", "member_since", "labelled_on"]
    list_filter = ["country", "status"]
    search_fields = ["name", "city", "slug"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_network_wide:
            return qs
        return qs.filter(pk__in=request.user.cite_ids)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_network_wide:
            return []
        # A manager describes their Cité; the label and membership are the network's decisions.
        return ["slug", "status", "member_since", "labelled_on"]


class SiteStopInline(PolicyPermissions, admin.TabularInline):
    model = SiteStop
    extra = 0


@admin.register(Site)
class SiteAdmin(CdmModelAdmin):
    list_display = ["name", "cite", "kind", "city", "opened_on", "closed_on"]
    list_filter = ["kind", "cite"]
    search_fields = ["name", "city", "slug"]
    inlines = [SiteStopInline]


@admin.register(Pole)
class PoleAdmin(CdmModelAdmin):
    list_display = ["__str__", "code", "cite", "theme", "position"]
    list_filter = ["theme", "cite"]


@admin.register(Partner)
class PartnerAdmin(CdmModelAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        if request.user.is_network_wide:
            return super().get_queryset(request)
        return partners_of(request.user)


@admin.register(Partnership)
class PartnershipAdmin(CdmModelAdmin):
    list_display = ["cite", "partner", "since", "until"]
    list_filter = ["cite"]
    autocomplete_fields = []


@admin.register(Contribution)
class ContributionAdmin(CdmModelAdmin):
    list_display = ["partner", "cite", "year", "type", "amount", "unit"]
    list_filter = ["year", "type", "cite"]


@admin.register(SiteStop)
class SiteStopAdmin(CdmModelAdmin):
    list_display = ["site", "weekday", "place", "starts_at", "ends_at"]
    list_select_related = ["site"]
