"""The figures of a period through the API: the counting standard's keys.

The rules of the report's pages (``cdm.stats.views``), through the same permission function: a
signed-in user whose role may read figures (``Action.FIGURES``) of the target — a Cité of theirs,
or the whole network for network-wide users; a device's token never (it does a desk's work only).
Small counts are protected unless the user may see exact counts of the target
(``Action.EXACT_COUNTS``), as every published output protects them. A bad filter is a 400 whose
``field`` is the error's own attribute (``PeriodError.field``).
"""

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from pydantic import Field

from cdm.accounts.permissions import NETWORK, Action, denial, may, reaches
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Site
from cdm.stats.cache import cached_compute
from cdm.stats.period_args import FIRST_YEAR, period_from
from cdm.stats.protection import protect_published

from . import schemas as s

REFUSED = s.REFUSED

figures = Router(tags=["figures"])


class FiguresQuery(s.Schema):
    year: int | None = Field(None, ge=FIRST_YEAR)
    start: s.Day | None = Field(None, alias="from")
    end: s.Day | None = Field(None, alias="to")
    cite: s.Slug | None = None
    country: s.Annotated[str, s.StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    site: s.Slug | None = None
    theme: s.ThemeCode | None = None
    channel: s.ChannelCode | None = None
    details: bool = False


def _target(user, q: FiguresQuery):
    """The Cité the query is about (its own, its site's, the user's only one), or the whole network."""
    with network_scope():
        if q.cite:
            cite = Cite.objects.filter(slug=q.cite).first()
            if cite is None:
                raise HttpError(404, _("cite : aucune Cité de votre périmètre"))
            return cite
        if q.site and not q.country:
            site = Site.objects.filter(slug=q.site).select_related("cite").first()
            if site is not None:
                return site.cite
        if not user.is_network_wide and len(user.cite_ids) == 1:
            return Cite.objects.get(pk=user.cite_ids[0])
    return NETWORK


@figures.get(
    "", response={200: dict, **REFUSED}, summary="The figures of a period (the counting standard's keys)"
)
def figures_get(request, q: Query[FiguresQuery]):
    user = request.user
    target = _target(user, q)
    if target is not NETWORK and not reaches(user, target):
        # Another Cité's figures do not exist for this user: like any object of another Cité.
        raise HttpError(404, _("cite : aucune Cité de votre périmètre"))
    if not may(user, Action.FIGURES, target):
        raise HttpError(403, denial(user, Action.FIGURES))
    period = period_from(
        year=q.year,
        start=q.start and q.start.isoformat(),
        end=q.end and q.end.isoformat(),
        cite=target.slug if target is not NETWORK else None,
        country=q.country,
        site=q.site,
        theme=q.theme,
        channel=q.channel,
    )
    with network_scope():
        result = cached_compute(period, details=q.details)
    if may(user, Action.EXACT_COUNTS, target):
        return result
    return protect_published(result, period)
