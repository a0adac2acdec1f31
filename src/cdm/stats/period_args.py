"""Reading a period and its filters, from the command line or a query string, with clear errors."""

import datetime

from django.utils.translation import gettext as _

from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Site
from cdm.network.vocabularies import Channel, Theme

from .figures import Period


class PeriodError(ValueError):
    """A bad filter: the message names the field and the reason."""


def _date(name: str, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            _("%(field)s : « %(v)s » n'est pas une date AAAA-MM-JJ") % {"field": name, "v": value}
        ) from None


def period_from(
    *, year=None, start=None, end=None, cite=None, country=None, site=None, theme=None, channel=None
) -> Period:
    if year not in (None, ""):
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise PeriodError(_("year : « %(v)s » n'est pas une année") % {"v": year}) from None
        if not 1990 <= year <= 2100:
            raise PeriodError(_("year : l'année doit être comprise entre 1990 et 2100"))
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    elif start and end:
        first, last = _date("from", start), _date("to", end)
    else:
        raise PeriodError(_("year : une année, ou bien from et to, est obligatoire"))
    if last < first:
        raise PeriodError(_("to : la fin précède le début"))
    filters: dict = {}
    with network_scope():
        if cite:
            ids = list(Cite.objects.filter(slug=cite).values_list("pk", flat=True))
            if not ids:
                raise PeriodError(_("cite : aucune Cité « %(v)s »") % {"v": cite})
            filters["cites"] = tuple(ids)
        if site:
            ids = list(Site.objects.filter(slug=site).values_list("pk", flat=True))
            if not ids:
                raise PeriodError(_("site : aucun site « %(v)s »") % {"v": site})
            filters["sites"] = tuple(ids)
    if country:
        if len(country) != 2 or not country.isalpha():
            raise PeriodError(_("country : « %(v)s » n'est pas un code de pays ISO 3166-1") % {"v": country})
        filters["country"] = country.upper()
    if theme:
        if theme not in Theme.values:
            raise PeriodError(_("theme : « %(v)s » n'est pas un thème du réseau") % {"v": theme})
        filters["theme"] = theme
    if channel:
        if channel not in Channel.values:
            raise PeriodError(_("channel : « %(v)s » n'est pas un canal") % {"v": channel})
        filters["channel"] = channel
    return Period(first, last, **filters)
