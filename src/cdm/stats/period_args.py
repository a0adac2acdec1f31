"""Reading a period and its filters, from the command line or a query string, with clear errors."""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Site
from cdm.network.vocabularies import Channel, Theme

from .figures import Period

FIRST_YEAR = 1990


def max_days() -> int:
    """The longest date range (from/to) one request may ask for: ``FIGURES_MAX_DAYS``, default 366."""
    return getattr(settings, "FIGURES_MAX_DAYS", 366)


def last_year() -> int:
    return datetime.date.today().year + 1


class PeriodError(ValueError):
    """A bad filter: ``field`` names the parameter, the message says why (and starts with the field)."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _date(name: str, value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            _("%(field)s : « %(v)s » n'est pas une date AAAA-MM-JJ") % {"field": name, "v": value}, field=name
        ) from None
    if not FIRST_YEAR <= day.year <= last_year():
        raise PeriodError(
            _("%(field)s : la date doit être comprise entre %(first)s et %(last)s")
            % {"field": name, "first": FIRST_YEAR, "last": last_year()},
            field=name,
        )
    return day


def period_from(
    *, year=None, start=None, end=None, cite=None, country=None, site=None, theme=None, channel=None
) -> Period:
    if year not in (None, ""):
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise PeriodError(_("year : « %(v)s » n'est pas une année") % {"v": year}, field="year") from None
        if not FIRST_YEAR <= year <= last_year():
            raise PeriodError(
                _("year : l'année doit être comprise entre %(first)s et %(last)s")
                % {"first": FIRST_YEAR, "last": last_year()},
                field="year",
            )
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    elif start and end:
        first, last = _date("from", start), _date("to", end)
    else:
        raise PeriodError(_("year : une année, ou bien from et to, est obligatoire"), field="year")
    if last < first:
        raise PeriodError(_("to : la fin précède le début"), field="to")
    if (last - first).days + 1 > max_days():
        raise PeriodError(
            _("to : une période de %(n)d jours au plus") % {"n": max_days()},
            field="to",
        )
    filters: dict = {}
    with network_scope():
        if cite:
            ids = list(Cite.objects.filter(slug=cite).values_list("pk", flat=True))
            if not ids:
                raise PeriodError(_("cite : aucune Cité « %(v)s »") % {"v": cite}, field="cite")
            filters["cites"] = tuple(ids)
        if site:
            ids = list(Site.objects.filter(slug=site).values_list("pk", flat=True))
            if not ids:
                raise PeriodError(_("site : aucun site « %(v)s »") % {"v": site}, field="site")
            filters["sites"] = tuple(ids)
    if country:
        if len(country) != 2 or not country.isalpha():
            raise PeriodError(
                _("country : « %(v)s » n'est pas un code de pays ISO 3166-1") % {"v": country},
                field="country",
            )
        filters["country"] = country.upper()
    if theme:
        if theme not in Theme.values:
            raise PeriodError(
                _("theme : « %(v)s » n'est pas un thème du réseau") % {"v": theme}, field="theme"
            )
        filters["theme"] = theme
    if channel:
        if channel not in Channel.values:
            raise PeriodError(_("channel : « %(v)s » n'est pas un canal") % {"v": channel}, field="channel")
        filters["channel"] = channel
    return Period(first, last, **filters)
