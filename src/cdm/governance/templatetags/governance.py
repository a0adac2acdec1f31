from django import template

from cdm.governance import selectors

register = template.Library()


@register.inclusion_tag("governance/_cite_timeline.html", takes_context=True)
def cite_timeline(context, cite):
    """A Cité's public milestones and contacts, for its public page."""
    return {"milestones": selectors.cite_timeline(cite), "contact": selectors.cite_contact(cite)}
