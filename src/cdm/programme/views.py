"""The programme's staff pages: plan, change or cancel a session, count who came, needs against offer."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.permissions import Action, may, require
from cdm.lib.service_worker import page_pattern, service_worker_response
from cdm.network.models import Cite
from cdm.network.vocabularies import AgeBand, Gender, Status

from . import selectors, services
from .forms import EventForm, SessionChangeForm
from .models import Event, Registration, Session


def _cite(request) -> Cite | None:
    """The Cité a staff page is about: the one named (if within the user's scope), or their only one."""
    cites = (
        Cite.objects.all()
        if request.user.is_network_wide
        else Cite.objects.filter(pk__in=request.user.cite_ids)
    )
    slug = request.GET.get("cite") or request.POST.get("cite")
    if slug:
        cite = cites.filter(slug=slug).first()
        if cite is None:
            raise Http404
        return cite
    mine = list(cites[:2])
    return mine[0] if len(mine) == 1 else None


def _choose(request, view_name):
    cites = (
        Cite.objects.all()
        if request.user.is_network_wide
        else Cite.objects.filter(pk__in=request.user.cite_ids)
    )
    return render(request, "programme/choose_cite.html", {"cites": cites, "target": reverse(view_name)})


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_required
def plan(request):
    require(request.user, Action.VIEW, Event)
    cite = _cite(request)
    if cite is None:
        return _choose(request, "programme:programme_plan")
    today = timezone.localdate()
    sessions = selectors.cite_sessions(cite, start=today - datetime.timedelta(days=31))
    return render(
        request,
        "programme/plan.html",
        {
            "cite": cite,
            "sessions": sessions,
            "events": Event.objects.filter(cite=cite).order_by("-starts_at")[:200],
            "may_plan": may(request.user, Action.ADD, Event(cite=cite)),
            "may_count": may(request.user, Action.RECORD, cite),
            "now": timezone.now(),
        },
    )


@login_required
def event_edit(request, pk: int | None = None):
    if pk is None:
        cite = _cite(request)
        if cite is None:
            return _choose(request, "programme:programme_event_new")
        event = Event(cite=cite)
        require(request.user, Action.ADD, event)
    else:
        event = get_object_or_404(Event, pk=pk)
        require(request.user, Action.VIEW, event)
        cite = event.cite
    editable = may(request.user, Action.ADD if event.pk is None else Action.CHANGE, event)
    form = EventForm(request.POST or None, request.FILES or None, instance=event, cite=cite)
    if request.method == "POST":
        require(request.user, Action.ADD if event.pk is None else Action.CHANGE, event)
        if form.is_valid():
            try:
                saved = services.event_save(
                    user=request.user, event=form.save(), partners=form.cleaned_data.get("partners")
                )
            except services.ProgrammeError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Action enregistrée : %(n)s séance(s).") % {"n": saved.sessions.count()}
                )
                return redirect(reverse("programme:programme_plan") + f"?cite={cite.slug}")
    sessions = list(event.sessions.order_by("starts_at")) if event.pk else []
    return render(
        request,
        "programme/event_form.html",
        {"cite": cite, "event": event, "form": form, "editable": editable, "sessions": sessions},
    )


@login_required
def session_detail(request, pk: int):
    session = get_object_or_404(Session.objects.select_related("event", "event__cite"), pk=pk)
    require(request.user, Action.VIEW, session.event)
    editable = may(request.user, Action.CHANGE, session.event)
    form = SessionChangeForm(request.POST or None, session=session)
    if request.method == "POST":
        require(request.user, Action.CHANGE, session.event)
        try:
            if request.POST.get("action") == "cancel":
                services.session_cancel(user=request.user, session=session, base_url=_base_url(request))
                messages.success(request, _("Séance annulée ; les inscrits sont prévenus."))
                return redirect("programme:programme_session_admin", pk=session.pk)
            if form.is_valid():
                data = form.cleaned_data
                starts = form.starts_at()
                changed = services.session_change(
                    user=request.user,
                    session=session,
                    following=data["scope"] == "following",
                    starts_at=starts,
                    duration_minutes=data["duration_minutes"],
                    site=data.get("site"),
                    capacity=data.get("capacity"),
                )
                messages.success(request, _("Séance modifiée."))
                return redirect("programme:programme_session_admin", pk=changed.pk)
        except services.ProgrammeError as exc:
            form.add_error(None, exc.message)
    registrations = (
        list(Registration.objects.filter(session=session))
        if may(request.user, Action.VIEW, Registration)
        else None
    )
    return render(
        request,
        "programme/session_admin.html",
        {
            "session": session,
            "event": session.event,
            "form": form,
            "editable": editable,
            "registrations": registrations,
            "may_count": may(request.user, Action.RECORD, session),
        },
    )


TALLY_FAMILIES = [("age_band", AgeBand), ("gender", Gender), ("status", Status)]


@login_required
def attendance(request, pk: int):
    """A phone-sized page: a count, or a tally by age band, gender and status, in a few taps."""
    session = get_object_or_404(Session.objects.select_related("event", "attendance"), pk=pk)
    require(request.user, Action.RECORD, session)
    error = None
    current = getattr(session, "attendance", None) if hasattr(session, "attendance") else None
    if request.method == "POST":
        try:
            tally = {}
            for family, vocab in TALLY_FAMILIES:
                counts = {code: _int(request.POST.get(f"{family}-{code}")) for code in vocab.values}
                if any(counts.values()):
                    tally[family] = counts
            participants = request.POST.get("participants", "").strip()
            services.attendance_record(
                user=request.user,
                session=session,
                participants=_int(participants) if participants else None,
                tally=tally,
            )
        except (services.ProgrammeError, ValueError) as exc:
            error = getattr(exc, "message", _("un nombre entier est attendu"))
        else:
            messages.success(request, _("Présences enregistrées."))
            return redirect("programme:programme_attendance", pk=session.pk)
    families = []
    for family, vocab in TALLY_FAMILIES:
        counts = (current.tally.get(family, {}) if current else {}) or {}
        families.append(
            {
                "name": family,
                "label": {"age_band": _("Âge"), "gender": _("Genre"), "status": _("Situation")}[family],
                "choices": [(code, label, counts.get(code, 0)) for code, label in vocab.choices],
            }
        )
    return render(
        request,
        "programme/attendance.html",
        {
            "session": session,
            "event": session.event,
            "current": current,
            "families": families,
            "error": error,
        },
    )


def service_worker(request):
    """The programme's service worker, served under the team's pages so that it controls them: a
    session's attendance page, and the plan that leads to it, open again without network once seen
    on the device. The other pages (a session's registrants, the forms) are never kept on it."""
    plan = reverse("programme:programme_plan")
    attendance = reverse("programme:programme_attendance", kwargs={"pk": 0})  # …/session/0/attendance/
    return service_worker_response(
        scope=plan,
        cache="cdm-programme-v1",
        pages=[page_pattern(plan, "$"), page_pattern(attendance, "$").replace("/0/", r"/\d+/")],
    )


def _int(value) -> int:
    value = (value or "0").strip() if isinstance(value, str) else value
    number = int(value or 0)
    if number < 0:
        raise ValueError
    return number


@login_required
def needs(request):
    """Themes asked at the desk against the sessions offered, month by month."""
    require(request.user, Action.FIGURES)
    cite = _cite(request)
    if cite is None:
        return _choose(request, "programme:programme_needs")
    require(request.user, Action.FIGURES, cite)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 1990), 2100)
    data = selectors.needs_against_offer(cite, year, exact=may(request.user, Action.EXACT_COUNTS, cite))
    return render(request, "programme/needs.html", {"cite": cite, "needs": data, "year": year})


@login_required
def month_entry(request):
    """A month's sessions on one page, for Cités that count on paper: one number per session."""
    require(request.user, Action.RECORD)
    cite = _cite(request)
    if cite is None:
        return _choose(request, "programme:programme_month")
    require(request.user, Action.RECORD, cite)
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    sessions = [
        s
        for s in selectors.cite_sessions(cite, start=first, end=last)
        if not s.cancelled and s.starts_at <= timezone.now()
    ]
    errors = {}
    if request.method == "POST":
        saved = 0
        for s in sessions:
            value = request.POST.get(f"session-{s.pk}", "").strip()
            if not value:
                continue
            try:
                services.attendance_record(user=request.user, session=s, participants=_int(value))
                saved += 1
            except (services.ProgrammeError, ValueError) as exc:
                errors[s.pk] = getattr(exc, "message", _("un nombre entier est attendu"))
        if not errors:
            messages.success(request, _("%(n)s séance(s) enregistrée(s).") % {"n": saved})
            return redirect(reverse("programme:programme_month") + f"?cite={cite.slug}&month={first:%Y-%m}")
    rows = [
        {
            "session": s,
            "value": request.POST.get(f"session-{s.pk}", "")
            if request.method == "POST"
            else (s.attendance.participants if hasattr(s, "attendance") else ""),
            "error": errors.get(s.pk),
        }
        for s in sessions
    ]
    previous = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    following = (last + datetime.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "programme/month.html",
        {"cite": cite, "first": first, "rows": rows, "previous": previous, "following": following},
    )
