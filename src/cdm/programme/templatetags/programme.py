import json

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


def _lang_attr(text, language):
    current = (get_language() or "fr")[:2]
    return text.language if text.language and text.language != current else ""


@register.simple_tag
def event_title(event):
    """The title in the reader's language, or the Cité's, marked with its own ``lang`` when different."""
    text = event.title_text()
    lang = _lang_attr(text, None)
    return format_html('<span lang="{}">{}</span>', lang, text.text) if lang else text.text


@register.simple_tag
def event_description(event):
    text = event.description_text()
    if not text:
        return ""
    lang = _lang_attr(text, None)
    return format_html(
        '<div class="event-description"{}>{}</div>',
        format_html(' lang="{}"', lang) if lang else "",
        linebreaks_filter(text.text, autoescape=True),  # escaped, then paragraphs: a safe string
    )


# The characters that could end a <script> element or open markup, written as JSON escapes (as
# Django's json_script does); the JSON's meaning is unchanged.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """schema.org data as ``<script type="application/ld+json">`` — ``json_script`` with the type
    search engines read: nothing in the data can close the element or run."""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))


@register.inclusion_tag("programme/needs_table.html")
def programme_needs(cite, year, user=None):
    """The needs-against-offer table, for the dashboard or the report to include later."""
    from cdm.accounts.permissions import Action, may

    from ..selectors import needs_against_offer

    exact = bool(user) and may(user, Action.EXACT_COUNTS, cite)
    return {"needs": needs_against_offer(cite, year, exact=exact)}
