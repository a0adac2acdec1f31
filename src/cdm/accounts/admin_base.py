"""The back-office's base: the Django admin, scoped by Cité, permissions from one table."""

from django.apps import apps
from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .permissions import ADD, CHANGE, DELETE, VIEW, may


class PolicyPermissions:
    """Admin permissions asked of the one rule (``cdm.accounts.permissions.may``), object by object.

    An inline's object is its parent's row (the admin passes it), so the inline asks about the
    model it edits, reached through that parent's Cité.
    """

    def _may(self, request, action, obj=None):
        if obj is not None and isinstance(obj, self.model):
            return may(request.user, action, obj)
        if not may(request.user, action, self.model):
            return False
        return obj is None or may(request.user, VIEW, obj)

    def has_module_permission(self, request):
        return self._may(request, VIEW)

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, ADD, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, DELETE, obj)


class CdmModelAdmin(PolicyPermissions, admin.ModelAdmin):
    """Permissions come from ``cdm.accounts.permissions``; rows from the request's Cité scope.

    Objects outside the user's scope do not exist for them: 404, never a redirect.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Cet objet n'existe pas ou n'est pas de votre Cité."))
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        Cite, Partner = apps.get_model("network", "Cite"), apps.get_model("network", "Partner")
        user = request.user
        if not user.is_network_wide:
            if db_field.related_model is Cite:
                kwargs["queryset"] = Cite.objects.filter(pk__in=user.cite_ids)
            elif db_field.related_model is Partner:
                kwargs["queryset"] = partners_of(user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        Partner = apps.get_model("network", "Partner")
        if db_field.related_model is Partner and not request.user.is_network_wide:
            kwargs["queryset"] = partners_of(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not request.user.is_network_wide and "cite" in filters:
            filters.remove("cite")
        return filters


def partners_of(user):
    """The partner organisations a user may see: those working with one of their Cités."""
    Partner = apps.get_model("network", "Partner")
    if user.is_network_wide:
        return Partner.objects.all()
    return Partner.objects.filter(partnerships__cite__in=user.cite_ids).distinct()
