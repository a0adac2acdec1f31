from contextlib import nullcontext

from django.contrib.auth.models import AnonymousUser

from cdm.audit.context import acting_user
from cdm.network import directory

from .scoping import user_scope


class CiteScopeMiddleware:
    """Resolves the tenant once per request and records who acts, for the audit log.

    Anonymous requests get no scope at all: a public view that touches Cité-owned
    data must say so explicitly (``network_scope``), or its query fails.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        validated = nullcontext()
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer ") and request.path.startswith("/api/"):
            from .tokens import token_identity

            # A device's token stands for its user; the session plays no part.
            user, version = token_identity(authorization[7:].strip())
            request.user = user or AnonymousUser()
            request.token_auth = True
            validated = directory.validated(version)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.get_response(request)
        with validated, acting_user(user), user_scope(user):
            return self.get_response(request)
