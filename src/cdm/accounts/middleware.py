from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.encoding import iri_to_uri

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


# Pages for everybody, in the language of their URL whoever reads them; every other page with a
# language in its URL is a staff page, shown in the signed-in staff member's own language.
PUBLIC_PAGES = {
    "public:home",
    "public:cites",
    "public:cite",
    "stats:report",
    "stats:report_download",
    "exchange:opendata",
    "exchange:opendata_download",
    "desk:now_calling",
    "set_language",
    "public:switch_language",
}


class StaffLanguageMiddleware:
    """A signed-in staff member who chose a language (``User.language``) gets the staff pages in it:
    a page asked in another language is redirected to the same page in theirs (a form sent is
    answered in theirs), and the language cookie follows, so the next visit to ``/`` opens in it too.

    Which page was asked is read from the URL Django has just resolved to call its view
    (``process_view``'s ``request.resolver_match``): the path is resolved once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._language(request)
        if not language:
            return self.get_response(request)
        return self._remember(request, self.get_response(request), language)

    def process_view(self, request, view_func, view_args, view_kwargs):
        language = self._language(request)
        if not language or not self._staff_page(request) or request.LANGUAGE_CODE == language:
            return None
        if request.method in ("GET", "HEAD"):
            target = self._same_page_in(request, language)
            if target != request.get_full_path():
                return HttpResponseRedirect(target)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return None

    @staticmethod
    def _language(request) -> str:
        user = getattr(request, "user", None)
        return getattr(user, "language", "") if user is not None and user.is_authenticated else ""

    @staticmethod
    def _staff_page(request) -> bool:
        if translation.get_language_from_path(request.path_info) is None:
            return False  # the API, the language switch: no page of their own
        return request.resolver_match.view_name not in PUBLIC_PAGES

    @staticmethod
    def _same_page_in(request, language) -> str:
        return same_page_in(request, language)

    @staticmethod
    def _remember(request, response, language):
        name = settings.LANGUAGE_COOKIE_NAME
        if request.COOKIES.get(name) != language and name not in response.cookies:
            response.set_cookie(
                name,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def same_page_in(request, language: str) -> str:
    """The page asked, in ``language``: reversed from the match Django already resolved, as
    ``translate_url`` would do after resolving the path once more (the path itself when nothing
    matched, as ``translate_url`` does)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return translate_url(request.get_full_path(), language)
    with translation.override(language):
        try:
            path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return request.get_full_path()
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{iri_to_uri(query)}" if query else path
