from django import template
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
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
    body = linebreaks(text.text, autoescape=True)
    return format_html(
        '<div class="event-description"{}>{}</div>',
        format_html(' lang="{}"', lang) if lang else "",
        mark_safe(body),
    )


@register.inclusion_tag("programme/needs_table.html")
def programme_needs(cite, year, user=None):
    """The needs-against-offer table, for the dashboard or the report to include later."""
    from cdm.accounts.permissions import Action, may

    from ..selectors import needs_against_offer

    exact = bool(user) and may(user, Action.EXACT_COUNTS, cite)
    return {"needs": needs_against_offer(cite, year, exact=exact)}
