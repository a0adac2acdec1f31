"""The report's numbers in the reader's language: ``{{ n|number }}``, ``{{ share|percent }}``,
and ``{{ n|plural_count }}`` for ``{% blocktranslate count %}`` (a hidden count, "< 5", reads as many)."""

from numbers import Number

from django import template

from cdm.stats.charts import format_number, format_percent

register = template.Library()


@register.filter
def number(value, decimals=None):
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(value, decimals=None):
    return format_percent(value, None if decimals in (None, "") else int(decimals))


@register.filter
def plural_count(value) -> int:
    if isinstance(value, Number) and not isinstance(value, bool):
        return int(value)
    return 2
