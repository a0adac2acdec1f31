"""What the programme gives the annual report: the year's featured events, with their pictures, and
the sessions offered by standard theme (the report sets them beside the themes asked at the desk)."""

import datetime
from pathlib import Path

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cdm.accounts.scoping import network_scope
from cdm.stats.parts import register

from .models import Event, Session, SessionStatus

MAX_FEATURED = 6


def _cites(period):
    from cdm.stats.figures import members

    return list(members(period).values_list("pk", flat=True))


def _in_period(period) -> dict:
    """``starts_at`` on a day of the period (the current time zone's days, as ``__date`` would say),
    as a range of instants: the index serves it, where ``__date`` runs a function on every row."""
    day = datetime.timedelta(days=1)
    return {
        "starts_at__gte": timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min)),
        "starts_at__lt": timezone.make_aware(datetime.datetime.combine(period.end + day, datetime.time.min)),
    }


@register
def programme_parts(period) -> dict:
    language = (translation.get_language() or "fr")[:2]
    with network_scope():
        cites = _cites(period)
        events = (
            Event.objects.filter(
                cite__in=cites,
                featured=True,
                published=True,
                **_in_period(period),
            )
            .select_related("cite")
            .order_by("starts_at")[:MAX_FEATURED]
        )
        featured = []
        for event in events:
            title = event.title_text(language).text
            item = {
                "title": title,
                "cite": event.cite.name,
                "date": formats.date_format(event.starts_at.date()),
                "picture_path": "",
                "picture_url": "",
                "alt": "",
            }
            if event.picture:
                try:
                    # WeasyPrint reads the file itself: no request, nothing downloaded.
                    item["picture_path"] = Path(event.picture.path).as_uri()
                except (NotImplementedError, ValueError):
                    item["picture_path"] = ""
                item["picture_url"] = reverse("programme:programme_picture", args=[event.uid])
                item["alt"] = _("%(title)s, %(cite)s") % {"title": title, "cite": event.cite.name}
            featured.append(item)
        sessions = Session.objects.filter(
            cite__in=cites,
            status=SessionStatus.SCHEDULED,
            **_in_period(period),
        )
        if period.theme:
            sessions = sessions.filter(event__theme=period.theme)
        offer = {}
        for row in (
            sessions.values("event__theme")
            .annotate(
                n=Count("pk"),
                seats=Sum("capacity"),
                taken=Sum("seats_taken"),
                came=Sum("attendance__participants"),
            )
            .order_by()
        ):
            used = row["came"] if row["came"] is not None else row["taken"] or 0
            offer[row["event__theme"]] = {"sessions": row["n"], "seats": row["seats"] or 0, "used": used}
    return {"featured_events": featured, "offer_by_theme": offer}
