from contextlib import nullcontext

from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.middleware import locale as locale_middleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from cdm.audit.context import acting_user
from cdm.network import directory

from .scoping import user_scope


def device_request(request) -> bool:
    """A device's API call: it authenticates with its token, never with a session."""
    try:
        return request._cdm_device
    except AttributeError:
        request._cdm_device = request.path_info.startswith("/api/") and request.META.get(
            "HTTP_AUTHORIZATION", ""
        ).startswith("Bearer ")
        return request._cdm_device


class _PagesOnly:
    """Django's middleware for people's pages (session, login, messages), passed by a device's call.

    A token stands for its user on every call (``CiteScopeMiddleware``); the session, the lazy
    login and the flash messages would only cost a device's request — a tenth of it on the API.
    """

    def __call__(self, request):
        if device_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_PagesOnly, sessions_middleware.SessionMiddleware):
    pass


class AuthenticationMiddleware(_PagesOnly, auth_middleware.AuthenticationMiddleware):
    pass


class MessageMiddleware(_PagesOnly, messages_middleware.MessageMiddleware):
    pass


class LocaleMiddleware(locale_middleware.LocaleMiddleware):
    """Django's, except that a device's call takes its language from its request alone.

    The API's paths carry no language prefix, so the three checks of the path Django makes for
    every request are skipped for devices; their answers still say their language and vary by it.
    """

    def process_request(self, request):
        if not device_request(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if not device_request(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class CiteScopeMiddleware:
    """Resolves the tenant once per request and records who acts, for the audit log.

    Anonymous requests get no scope at all: a public view that touches Cité-owned
    data must say so explicitly (``network_scope``), or its query fails.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        validated = nullcontext()
        if device_request(request):
            from .tokens import token_identity

            # A device's token stands for its user; the session plays no part.
            user, version = token_identity(request.META["HTTP_AUTHORIZATION"][7:].strip())
            request.user = user or AnonymousUser()
            request.token_auth = True
            validated = directory.validated(version)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.get_response(request)
        with validated, acting_user(user), user_scope(user):
            return self.get_response(request)
