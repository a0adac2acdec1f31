"""The figures of a period through the API: the counting standard's keys."""

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from pydantic import Field

from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite
from cdm.stats.cache import cached_compute
from cdm.stats.period_args import period_from
from cdm.stats.protection import protect

from . import schemas as s

REFUSED = s.REFUSED

figures = Router(tags=["figures"])


class FiguresQuery(s.Schema):
    year: int | None = Field(None, ge=1990, le=2100)
    start: s.Day | None = Field(None, alias="from")
    end: s.Day | None = Field(None, alias="to")
    cite: s.Slug | None = None
    country: s.Annotated[str, s.StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    site: s.Slug | None = None
    theme: s.ThemeCode | None = None
    channel: s.ChannelCode | None = None
    details: bool = False


@figures.get(
    "", response={200: dict, **REFUSED}, summary="The figures of a period (the counting standard's keys)"
)
def figures_get(request, q: Query[FiguresQuery]):
    user = request.user
    cite = q.cite
    if not user.is_network_wide:
        allowed = set(Cite.objects.filter(pk__in=user.cite_ids).values_list("slug", flat=True))
        if cite is None and len(allowed) == 1:
            cite = next(iter(allowed))
        if cite not in allowed:
            raise HttpError(404, _("cite : aucune Cité de votre périmètre"))
    period = period_from(
        year=q.year,
        start=q.start and q.start.isoformat(),
        end=q.end and q.end.isoformat(),
        cite=cite,
        country=q.country,
        site=q.site,
        theme=q.theme,
        channel=q.channel,
    )
    with network_scope():
        result = cached_compute(period, details=q.details)
    unprotected = (
        user.is_network_wide
        and user.role != "observer"
        or (user.role == "manager" and period.cites is not None)
    )
    return result if unprotected or not q.details else protect(result)
