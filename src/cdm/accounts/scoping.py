"""The one way to reach Cité-owned data: every query runs inside a scope.

Every model owned by a Cité has ``objects = ScopedManager(cite=...)`` (django-scopes).
A query made outside any scope raises ``ScopeError`` instead of leaking another
Cité's rows. A request is scoped once, at the edge (``CiteScopeMiddleware``); commands
and public aggregates open their scope explicitly with one of these helpers.
"""

from contextlib import contextmanager

from django_scopes import get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError


@contextmanager
def user_scope(user):
    """The scope of a staff user: their Cités, or the whole network for network-wide roles."""
    if user.is_network_wide:
        with scopes_disabled():
            yield
    else:
        # Always a list: ``scope(cite=None)`` would mean "no filter" to django-scopes.
        with scope(cite=list(user.cite_ids)):
            yield


def scope_cite_ids() -> list[int] | None:
    """The Cités the current scope allows, sorted; None inside ``network_scope``. Raises outside any scope."""
    current = get_scope()
    if not current.get("_enabled", True):
        return None
    if "cite" not in current:
        raise ScopeError("No Cité scope is open.")
    cites = current["cite"]
    cites = cites if isinstance(cites, list | tuple | set) else [cites]
    return sorted(getattr(c, "pk", c) for c in cites)


network_scope = scopes_disabled
"""For the network's own work (consolidated figures, import by the coordinator, the demo)."""
