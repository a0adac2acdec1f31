from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .admin_base import CdmModelAdmin, PolicyPermissions
from .models import User

# Roles, not groups, say what an account may do (cdm.accounts.permissions): no groups to manage.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(CdmModelAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "cites"]
    filter_horizontal = ["cites"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Rôle"), {"fields": ["role", "cites", "partner", "is_active"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2", "role", "cites", "partner"]})]


def ask_the_rule_everywhere() -> None:
    """Every back-office page asks the one rule, third-party ones too (sign-in lockouts, tasks…).

    Called once every app's admin module is loaded (``AccountsConfig.ready``): a model no row of
    ``MODEL_POLICY`` names is the coordinator's alone.
    """
    for model, model_admin in list(admin.site._registry.items()):
        if not isinstance(model_admin, PolicyPermissions):
            admin.site.unregister(model)
            admin.site.register(
                model, type(f"Cdm{type(model_admin).__name__}", (PolicyPermissions, type(model_admin)), {})
            )
