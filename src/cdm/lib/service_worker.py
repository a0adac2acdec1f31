"""A service worker for staff pages that must open without network (the desk, a session's attendance).

One script (``cdm/sw.js``) for all of them, rendered for each group of pages with its scope, its cache
and the pages it keeps; served from within that scope, so that it may control it."""

import re

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def page_pattern(path: str, rest: str = "") -> str:
    """A page the worker keeps: a path (as ``reverse`` gives it), then ``rest`` (a regular expression)."""
    return "^" + re.escape(path) + rest


def service_worker_response(
    *, scope: str, cache: str, pages: list[str], api_url: str = "/api/"
) -> HttpResponse:
    """The service worker controlling ``scope`` (a path with its language prefix, such as ``/fr/desk/``).

    ``pages`` are regular expressions (``page_pattern``) of the paths whose last copy is kept for a reload
    without network; the other pages of the scope are never kept. ``cache`` names the worker's cache."""
    body = render_to_string(
        "cdm/sw.js",
        {
            "scope": scope,
            "cache": cache,
            "pages": pages,
            "static_url": settings.STATIC_URL,
            "api_url": api_url,
            "offline": render_to_string("cdm/offline.html"),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response
