"""The desk's pages: recording visits, the counsellors' queue, the waiting room's screen, the day."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from cdm.accounts.models import Role, User
from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Visit
from cdm.lib.service_worker import page_pattern, service_worker_response
from cdm.network.models import Cite, Pole, Site
from cdm.network.vocabularies import AgeBand, Channel, Gender, Outcome, SiteKind, Status, Theme
from cdm.stats import charts

from . import selectors
from .models import QueueTicket, TicketStatus
from .services import DeskError, cite_for

AGE_KEYS = dict(zip(AgeBand.values, "QWERTY", strict=True))
GENDER_KEYS = dict(zip(Gender.values, "ASDF", strict=True))
STATUS_KEYS = dict(zip(Status.values, "ZXCVBNM", strict=True))
OUTCOME_KEYS = {Outcome.INFORMATION: "1", Outcome.SELF_SERVICE: "2", Outcome.INTERVIEW: "3"}
CHANNEL_KEYS = {
    Channel.IN_PERSON: "H",
    Channel.PHONE: "P",
    Channel.VIDEO: "V",
    Channel.EMAIL: "M",
    Channel.CHAT: "C",
}


def _cite(request) -> Cite:
    try:
        return cite_for(request.user, request.GET.get("cite"))
    except DeskError as exc:
        if exc.status == 404:
            raise Http404 from None
        # Several Cités: ask which one.
        raise _ChooseCite from None


class _ChooseCite(Exception):
    pass


def _choose(request, view_name):
    cites = (
        Cite.objects.filter(pk__in=request.user.cite_ids)
        if not request.user.is_network_wide
        else Cite.objects.all()
    )
    return render(request, "desk/choose_cite.html", {"cites": cites, "target": reverse(view_name)})


def _choices(vocab, keys):
    return [{"code": code, "label": str(label), "key": keys[code]} for code, label in vocab.choices]


@login_required
def desk(request):
    if not may(request.user, Action.RECORD):
        raise PermissionDenied
    try:
        cite = _cite(request)
    except _ChooseCite:
        return _choose(request, "desk:desk")
    require(request.user, Action.RECORD, cite)
    poles = list(Pole.objects.filter(cite=cite).order_by("position", "code")[:9])
    if poles:
        themes = [
            {"pole": p.code, "theme": p.theme, "label": p.label(), "key": str(i + 1)}
            for i, p in enumerate(poles)
        ]
    else:
        themes = [
            {"pole": None, "theme": code, "label": str(label), "key": str(i + 1)}
            for i, (code, label) in enumerate(Theme.choices)
        ]
    sites = list(Site.objects.filter(cite=cite).order_by("kind", "name"))
    main = next((s for s in sites if s.kind == SiteKind.MAIN), sites[0] if sites else None)
    config = {
        "cite": cite.slug,
        "csrf": get_token(request),
        "api": {"visits": "/api/visits", "today": f"/api/queue/today?cite={cite.slug}"},
        "themes": themes,
        "channels": _choices(Channel, CHANNEL_KEYS),
        "age_band": _choices(AgeBand, AGE_KEYS),
        "gender": _choices(Gender, GENDER_KEYS),
        "status": _choices(Status, STATUS_KEYS),
        "outcomes": _choices(Outcome, OUTCOME_KEYS),
        "sites": [{"slug": s.slug, "name": s.name} for s in sites],
        "site": main.slug if main else None,
        "theme_labels": {code: str(label) for code, label in Theme.choices},
        "outcome_labels": {code: str(label) for code, label in Outcome.choices},
        "i18n": {
            "saved": _("Visite enregistrée"),
            "ticket": _("Ticket"),
            "undone": _("Visite annulée"),
            "pending": _("visite(s) en attente d'envoi"),
            "offline": _("Hors ligne : les visites sont gardées ici et partiront au retour du réseau."),
            "online": _("En ligne"),
            "nothing_to_undo": _("Rien à annuler"),
            "error": _("Erreur"),
        },
    }
    return render(
        request,
        "desk/desk.html",
        {
            "cite": cite,
            "config": config,
            "sites": sites,
        },
    )


def service_worker(request):
    """The desk's service worker, served under the desk's path so that it controls the desk's pages
    (each kept for a reload without network)."""
    desk = reverse("desk:desk")
    return service_worker_response(scope=desk, cache="cdm-desk-v1", pages=[page_pattern(desk)])


@login_required
def counsellor(request):
    user = request.user
    if not may(user, Action.TRANSFER):
        raise PermissionDenied
    try:
        cite = _cite(request)
    except _ChooseCite:
        return _choose(request, "desk:queue")
    require(user, Action.TRANSFER, cite)
    colleagues = User.objects.filter(cites=cite, role=Role.COUNSELLOR, is_active=True).exclude(pk=user.pk)
    config = {
        "cite": cite.slug,
        "csrf": get_token(request),
        "me": user.username,
        "themes": {code: str(label) for code, label in Theme.choices},
        "covered": user.themes or list(Theme.values),
        "colleagues": [
            {"username": c.username, "label": c.get_full_name() or c.username} for c in colleagues
        ],
        "can_call": may(user, Action.COUNSEL, cite),
        "i18n": {
            "call": _("Appeler"),
            "close": _("Terminer l'entretien"),
            "left": _("Parti"),
            "transfer": _("Transférer"),
            "none": _("Personne n'attend."),
            "waiting_since": _("attend depuis"),
            "minutes": _("min"),
            "to_theme": _("vers le thème…"),
            "to_counsellor": _("vers un conseiller…"),
            "with_you": _("Avec vous :"),
            "reserved": _("réservé pour vous"),
            "error": _("Erreur"),
        },
    }
    return render(request, "desk/queue.html", {"cite": cite, "config": config})


def now_calling(request, slug: str):
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
    if cite is None:
        raise Http404
    return render(request, "desk/now_calling.html", {"cite": cite})


@login_required
def today(request):
    try:
        cite = _cite(request)
    except _ChooseCite:
        return _choose(request, "desk:today")
    require(request.user, Action.VIEW, cite)
    require(request.user, Action.VIEW, Visit)  # the day's exact counts: for those who read its visits
    figures = selectors.today_figures(cite=cite)
    theme_names, outcome_names, channel_names = (
        dict(Theme.choices),
        dict(Outcome.choices),
        dict(Channel.choices),
    )
    blocks = [
        (_("Visites par heure"), [(f"{h} h", n) for h, n in figures["by_hour"].items()], _("Heure")),
        (
            _("Visites par thème"),
            [(str(theme_names[k]), n) for k, n in figures["by_theme"].items()],
            _("Thème"),
        ),
        (
            _("Visites par suite donnée"),
            [(str(outcome_names[k]), n) for k, n in figures["by_outcome"].items()],
            _("Suite donnée"),
        ),
        (
            _("Visites par canal"),
            [(str(channel_names[k]), n) for k, n in figures["by_channel"].items()],
            _("Canal"),
        ),
    ]
    tables = [
        {
            "title": title,
            "rows": rows,
            "header": header,
            "chart": charts.bar_chart(rows, title=title) if rows else "",
        }
        for title, rows, header in blocks
    ]
    return render(
        request,
        "desk/today.html",
        {
            "cite": cite,
            "figures": figures,
            "tables": tables,
            "waiting": QueueTicket.objects.filter(
                cite=cite, day=figures["date"], status=TicketStatus.WAITING
            ).count(),
        },
    )
