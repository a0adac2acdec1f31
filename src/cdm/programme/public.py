"""The public agenda: list and month views with filters, a session's page (schema.org Event), the
iCalendar feeds, registration and its cancellation link, and a small agenda to embed elsewhere.

Every query opens the network's scope explicitly and reads published events only. The embeddable
agenda is the one page that another site may frame: X-Frame-Options is lifted and the CSP's
``frame-ancestors`` replaced for that view alone.
"""

import datetime

from csp.decorators import csp_replace
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods

from cdm.accounts.scoping import network_scope
from cdm.network.vocabularies import Theme

from . import feeds, selectors, services, throttle
from .forms import RegistrationForm
from .models import Event, Format, Registration, RegistrationStatus


def _language() -> str:
    return (get_language() or "fr")[:2]


def _month(request) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        datetime.date(year, month, 1)
        return year, month
    except ValueError:
        today = timezone.localdate()
        return today.year, today.month


def _agenda(request, *, cite=None, template="programme/agenda.html"):
    f = selectors.AgendaFilter.from_query(request.GET, cite=cite.slug if cite else "")
    view = "month" if request.GET.get("view") == "month" else "list"
    context = {"filter": f, "cite": cite, "view": view, "formats": Format.choices, "themes": Theme.choices}
    if view == "month":
        year, month = _month(request)
        first = datetime.date(year, month, 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        sessions = selectors.public_sessions(f, start=first, end=last)
        prev_month = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
        next_month = (last + datetime.timedelta(days=1)).strftime("%Y-%m")
        context.update(
            weeks=selectors.month_grid(year, month, sessions),
            first=first,
            prev_month=prev_month,
            next_month=next_month,
        )
    else:
        sessions = selectors.public_sessions(f)
    query = "&".join(f"{k}={v}" for k, v in f.params.items())
    context.update(
        sessions=sessions,
        query=query,
        ics_url=(
            reverse("programme:programme_cite_ics", args=[cite.slug])
            if cite
            else reverse("programme:programme_ics")
        )
        + (f"?{query}" if query else ""),
        cites=selectors.agenda_cites() if cite is None else [],
        language=_language(),
    )
    return render(request, template, context)


def agenda(request):
    return _agenda(request)


def cite_agenda(request, slug: str):
    with network_scope():
        cite = selectors.public_cite(slug)
    if cite is None:
        raise Http404
    return _agenda(request, cite=cite)


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed(request, slug: str):
    """The Cité's next sessions, small enough for an iframe on the Cité's own website."""
    with network_scope():
        cite = selectors.public_cite(slug)
    if cite is None:
        raise Http404
    f = selectors.AgendaFilter.from_query(request.GET, cite=cite.slug)
    sessions = selectors.public_sessions(f, limit=10)
    return render(
        request, "programme/embed.html", {"cite": cite, "sessions": sessions, "language": _language()}
    )


def _ics(request, cite=None):
    f = selectors.AgendaFilter.from_query(request.GET, cite=cite.slug if cite else "")
    # A subscribed calendar keeps the recent past too.
    sessions = selectors.public_sessions(
        f, start=f.start or timezone.localdate() - datetime.timedelta(days=30)
    )
    name = _("Agenda — %(c)s") % {"c": cite.name} if cite else _("Agenda des Cités des métiers")
    body = feeds.calendar_for(
        sessions,
        name=name,
        url_for=lambda s: request.build_absolute_uri(reverse("programme:programme_session", args=[s.pk])),
        language=_language(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response


def ics(request):
    return _ics(request)


def cite_ics(request, slug: str):
    with network_scope():
        cite = selectors.public_cite(slug)
    if cite is None:
        raise Http404
    return _ics(request, cite)


def _schema_org(request, session) -> dict:
    event = session.event
    language = _language()
    site = session.site or event.site
    online = bool(event.online_url)
    physical = bool(site or event.venue_name or event.venue_address)
    places = []
    if physical:
        address = (
            {
                "@type": "PostalAddress",
                "addressLocality": site.city or event.cite.city,
                "addressCountry": str(event.cite.country),
            }
            if site
            else {
                "@type": "PostalAddress",
                "streetAddress": event.venue_address,
                "addressCountry": str(event.cite.country),
            }
        )
        places.append({"@type": "Place", "name": site.name if site else event.venue_name, "address": address})
    if online:
        places.append({"@type": "VirtualLocation", "url": event.online_url})
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title_text(language).text,
        "description": event.description_text(language).text,
        "startDate": session.local_starts_at.isoformat(),
        "endDate": session.local_ends_at.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if session.cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/"
        + (
            "MixedEventAttendanceMode"
            if online and physical
            else "OnlineEventAttendanceMode"
            if online
            else "OfflineEventAttendanceMode"
        ),
        "location": places[0] if len(places) == 1 else places,
        "organizer": {
            "@type": "Organization",
            "name": event.cite.name,
            "url": request.build_absolute_uri(reverse("public:cite", args=[event.cite.slug])),
        },
        "inLanguage": event.language,
        "isAccessibleForFree": True,
        "url": request.build_absolute_uri(),
    }
    if session.capacity is not None:
        data["maximumAttendeeCapacity"] = session.capacity
        data["remainingAttendeeCapacity"] = session.seats_left
    if event.picture:
        data["image"] = request.build_absolute_uri(reverse("programme:programme_picture", args=[event.uid]))
    return data


@require_http_methods(["GET", "POST"])
def session_page(request, pk: int):
    session = selectors.public_session(pk)
    if session is None:
        raise Http404
    if request.method == "POST" and throttle.registration_refused(request, session.pk):
        response = render(
            request,
            "programme/too_many.html",
            {"session": session, "event": session.event, "language": _language()},
            status=429,
        )
        response["Retry-After"] = str(throttle.PER_SESSION[1])
        return response
    form = RegistrationForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            with network_scope():
                registered = services.registration_create(
                    session=session,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                )
        except services.ProgrammeError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(
                reverse("programme:programme_session", args=[pk])
                + ("?waiting=1" if registered.waiting else "?registered=1")
            )
    if request.GET.get("registered"):
        outcome = "registered"
    elif request.GET.get("waiting"):
        outcome = "waiting"
    session = selectors.public_session(pk)
    return render(
        request,
        "programme/session.html",
        {
            "session": session,
            "event": session.event,
            "form": form,
            "outcome": outcome,
            "open": session.capacity is not None
            and not session.cancelled
            and session.starts_at > timezone.now(),
            "schema_org": _schema_org(request, session),
            "place": feeds.place_text(session),
            "language": _language(),
            "partners": list(session.event.partners.all()),
        },
    )


@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """The e-mail's link: GET asks to confirm (mail scanners follow links), POST cancels."""
    with network_scope():
        registration = (
            Registration.objects.select_related("session", "session__event", "session__event__cite")
            .filter(token=token)
            .first()
        )
        if registration is None:
            raise Http404
        done = registration.status == RegistrationStatus.CANCELLED
        if request.method == "POST" and not done:
            services.registration_cancel(token=token, base_url=request.build_absolute_uri("/").rstrip("/"))
            done = True
        return render(
            request,
            "programme/cancel.html",
            {
                "registration": registration,
                "session": registration.session,
                "done": done,
                "language": _language(),
            },
        )


def picture(request, uid):
    with network_scope():
        event = Event.objects.filter(uid=uid, published=True).exclude(picture="").first()
    if event is None:
        raise Http404
    try:
        handle = event.picture.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_image_type(event.picture.name))
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _image_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp"}.get(ext, "image/jpeg")
