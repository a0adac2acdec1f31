from django.contrib import admin
from django.db import models

from cdm.accounts.admin_base import CdmModelAdmin, PolicyPermissions
from cdm.accounts.permissions import Action, may

from . import models as m
from .forms import PrivateFileInput
from .selectors import visible


class LifeAdmin(CdmModelAdmin):
    """The back office's view of the network's life: rows a user may not read are not listed."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not may(request.user, Action.VIEW, self.model):
            return queryset  # the admin refuses (403) by the rule itself
        return visible(request.user, queryset)

    formfield_overrides = {models.FileField: {"widget": PrivateFileInput}}


class DeliverableInlineBase(PolicyPermissions, admin.TabularInline):
    formfield_overrides = {models.FileField: {"widget": PrivateFileInput}}


class DecisionInline(PolicyPermissions, admin.TabularInline):
    model = m.Decision
    extra = 0


class PartnerInline(PolicyPermissions, admin.TabularInline):
    model = m.ProjectPartner
    extra = 0


class ProjectMilestoneInline(PolicyPermissions, admin.TabularInline):
    model = m.ProjectMilestone
    extra = 0


class DeliverableInline(DeliverableInlineBase):
    model = m.Deliverable
    extra = 0


@admin.register(m.Body)
class BodyAdmin(LifeAdmin):
    list_display = ["__str__", "kind", "open_to_managers", "demo"]


@admin.register(m.Mandate)
class MandateAdmin(LifeAdmin):
    list_display = ["person", "office", "body", "from_cite", "started_on", "ended_on"]
    list_filter = ["body", "office"]


@admin.register(m.Meeting)
class MeetingAdmin(LifeAdmin):
    list_display = ["__str__", "body", "date", "place", "online"]
    list_filter = ["body"]
    date_hierarchy = "date"
    inlines = [DecisionInline]
    filter_horizontal = ["attendees"]


@admin.register(m.Decision)
class DecisionAdmin(LifeAdmin):
    list_display = ["text", "meeting", "outcome"]


@admin.register(m.AssemblyDocument)
class AssemblyDocumentAdmin(LifeAdmin):
    list_display = ["__str__", "meeting", "kind", "status"]
    list_filter = ["kind", "status"]


@admin.register(m.Milestone)
class MilestoneAdmin(LifeAdmin):
    list_display = ["cite", "kind", "date", "public", "demo"]
    list_filter = ["kind", "cite"]
    date_hierarchy = "date"


@admin.register(m.RepresentationEvent)
class RepresentationEventAdmin(LifeAdmin):
    list_display = ["title", "role", "starts_on", "place"]
    filter_horizontal = ["cites_present"]


@admin.register(m.Delegation)
class DelegationAdmin(LifeAdmin):
    list_display = ["organisation", "country", "date", "online"]


@admin.register(m.Intervention)
class InterventionAdmin(LifeAdmin):
    list_display = ["theme", "date", "place", "online"]


@admin.register(m.NetworkMembership)
class NetworkMembershipAdmin(LifeAdmin):
    list_display = ["name", "acronym", "since", "until"]


@admin.register(m.NetworkSeminar)
class NetworkSeminarAdmin(LifeAdmin):
    list_display = ["title", "kind", "starts_on", "host", "participants", "demo"]
    list_filter = ["kind"]
    filter_horizontal = ["cites_present"]


@admin.register(m.Accreditation)
class AccreditationAdmin(LifeAdmin):
    list_display = ["person", "title", "cite", "awarded_on", "valid_until", "demo"]
    list_filter = ["title", "cite"]
    date_hierarchy = "awarded_on"


@admin.register(m.Project)
class ProjectAdmin(LifeAdmin):
    list_display = ["title", "programme", "role", "started_on", "ended_on"]
    inlines = [PartnerInline, ProjectMilestoneInline, DeliverableInline]


@admin.register(m.ProjectPartner)
class ProjectPartnerAdmin(LifeAdmin):
    list_display = ["organisation", "country", "project", "role"]


@admin.register(m.ProjectMilestone)
class ProjectMilestoneAdmin(LifeAdmin):
    list_display = ["__str__", "project", "date", "place"]


@admin.register(m.Deliverable)
class DeliverableAdmin(LifeAdmin):
    list_display = ["title", "project", "kind", "date"]


@admin.register(m.NetworkContact)
class NetworkContactAdmin(LifeAdmin):
    list_display = ["name", "email", "phone"]


@admin.register(m.CiteContact)
class CiteContactAdmin(LifeAdmin):
    list_display = ["cite", "email", "phone", "website"]
