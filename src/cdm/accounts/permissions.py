"""What each role may do, in one table, checked in one place.

Scoping (which Cités) is django-scopes' job; this table says which actions a role
may take on a kind of object inside its scope.
"""

from .models import Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL = frozenset({VIEW, ADD, CHANGE, DELETE})
READ = frozenset({VIEW})
NONE = frozenset()

POLICY: dict[str, dict[str, frozenset]] = {
    "network.cite": {Role.MANAGER: frozenset({VIEW, CHANGE}), Role.AGENT: READ, Role.COUNSELLOR: READ},
    "network.site": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ},
    "network.sitestop": {Role.MANAGER: ALL, Role.AGENT: READ},
    "network.pole": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ},
    "network.partner": {Role.MANAGER: frozenset({VIEW, ADD}), Role.COUNSELLOR: READ},
    "network.partnership": {Role.MANAGER: ALL},
    "network.contribution": {Role.MANAGER: ALL},
    # Agents: only their own visits of the day (checked on the object by the desk and the admin).
    "activity.visit": {Role.MANAGER: ALL, Role.AGENT: ALL, Role.COUNSELLOR: READ},
    "activity.interview": {Role.MANAGER: ALL, Role.COUNSELLOR: frozenset({VIEW, ADD, CHANGE})},
    "activity.activity": {Role.MANAGER: ALL, Role.AGENT: READ},
    "activity.equipment": {Role.MANAGER: ALL},
    "audit.auditentry": {Role.MANAGER: READ},
    "stats.reportnarrative": {},
    "accounts.user": {},
}


def allowed(user, label: str, action: str) -> bool:
    """May ``user`` take ``action`` on objects of the model ``label`` (``app.model``)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.COORDINATOR:
        return True
    if user.role == Role.OBSERVER:
        return action == VIEW and label in POLICY and label != "accounts.user"
    return action in POLICY.get(label, {}).get(user.role, NONE)
