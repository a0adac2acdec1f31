from django.conf import settings

from cdm.accounts.middleware import PUBLIC_PAGES, same_page_in
from cdm.network.models import Network


def site_context(request):
    path = request.get_full_path()
    match = getattr(request, "resolver_match", None)
    prefix = f"/{getattr(request, 'LANGUAGE_CODE', settings.LANGUAGE_CODE)}/"
    return {
        "network": Network.current(),
        # The same page in each language (absolute: the hreflang alternates of public pages).
        "language_links": [
            (code, name, request.build_absolute_uri(same_page_in(request, code)))
            for code, name in settings.LANGUAGES
        ],
        # Without a language: LocaleMiddleware sends each visitor to theirs.
        "language_default_url": request.build_absolute_uri(
            "/" + path[len(prefix) :] if path.startswith(prefix) else path
        ),
        "public_page": match is not None and match.view_name in PUBLIC_PAGES,
    }
