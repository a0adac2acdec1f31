from cdm.lib.actor import acting_user

from .scoping import user_scope


class CiteScopeMiddleware:
    """Resolves the tenant once per request from the signed-in user, and records who acts (audit log).

    Anonymous requests get no scope at all: a public view that touches Cité-owned data must say
    so explicitly (``network_scope``), or its query fails. A device's API call is scoped the same
    way by the API itself, once its token has authenticated it (``cdm.api.api.scoped``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.get_response(request)
        with acting_user(user), user_scope(user):
            return self.get_response(request)
