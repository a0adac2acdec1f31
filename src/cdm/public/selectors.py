"""What the public sees. Everything here is published information: the Cités, their
sites, pôles and partners, and consolidated figures. Reading it crosses every Cité,
so each selector opens the network scope explicitly."""

import datetime

from django.db.models import Max

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Visit
from cdm.network.models import Cite, Partner, Pole, Site
from cdm.stats.cache import cached_compute
from cdm.stats.figures import Period
from cdm.stats.protection import protect_published
from cdm.stats.publication import last_published_year


def member_cites():
    return Cite.objects.order_by("country", "name")


def cite_detail(slug: str) -> dict | None:
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
        if cite is None:
            return None
        today = datetime.date.today()
        return {
            "cite": cite,
            "sites": list(
                Site.objects.filter(cite=cite)
                .exclude(closed_on__lt=today)
                .select_related("cite")
                .prefetch_related("stops")
            ),
            "poles": list(Pole.objects.filter(cite=cite).select_related("cite")),
            "partners": list(
                Partner.objects.filter(partnerships__cite=cite)
                .exclude(partnerships__until__lt=today)
                .distinct()
                .order_by("name")
            ),
        }


def latest_year() -> int | None:
    """The latest published year that has visits (a running year is never published)."""
    with network_scope():
        last = Visit.objects.filter(date__year__lte=last_published_year()).aggregate(last=Max("date"))["last"]
    return last.year if last else None


def network_figures(year: int) -> dict:
    """The network's key figures of ``year``, protected as the published report protects them."""
    period = Period.year(year)
    with network_scope():
        return protect_published(cached_compute(period), period)
