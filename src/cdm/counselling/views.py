"""Online counselling's pages: the public's (talk to a counsellor, ask by e-mail) and the counsellors'.

The visitor's conversation key travels in request bodies and websocket messages only, never in a
URL. Staff views run in the signed-in user's scope (the middleware) and ask the one rule.
"""

import hashlib
import hmac
import json

from csp.constants import NONE
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cdm.accounts.models import User
from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope
from cdm.desk.services import DeskError, cite_for
from cdm.lib.admin_site import client_ip
from cdm.network.models import Cite
from cdm.network.vocabularies import AgeBand, Gender, Status, Theme

from . import services
from .models import Conversation, Question, QuestionStatus

START_LIMIT = (10, 3600)  # conversations started per address and hour
ASK_LIMIT = (5, 3600)  # questions sent per address and hour


def _throttled(request, what: str, limit: tuple[int, int]) -> bool:
    """A per-address counter in the cache, keyed by a keyed hash of the address: never stored elsewhere."""
    address = client_ip(request) or ""
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
    key = f"counselling:{what}:{digest}"
    count, seconds = limit
    if cache.add(key, 1, seconds):
        return False
    try:
        return cache.incr(key) > count
    except ValueError:
        return False


def _languages():
    return [(code, name) for code, name in settings.LANGUAGES]


def _cites():
    with network_scope():
        return list(Cite.objects.order_by("name").values_list("slug", "name"))


# -- the public -------------------------------------------------------------------------------------


def _talk_context(request, *, widget: Cite | None = None) -> dict:
    """What the visitor's chat needs, on the public page and in the embeddable widget alike."""
    cites = _cites()
    chosen = request.GET.get("cite") if request.GET.get("cite") in {s for s, _n in cites} else ""
    config = {
        "start": reverse("counselling:chat_start"),
        "ask": reverse("counselling:ask"),
        # Websockets only when served by the ASGI server (daphne); a WSGI server has none.
        "socket": "/ws/counselling/visitor/" if isinstance(request, ASGIRequest) else None,
        "csrf": get_token(request),
        "i18n": {
            "position": _("Votre place dans la file : %(position)s — attente estimée : %(wait)s min"),
            "taken": _("Un conseiller vous répond."),
            "typing": _("Le conseiller écrit…"),
            "read": _("Lu"),
            "you": _("Vous"),
            "counsellor": _("Conseiller"),
            "service": _("Cités des métiers"),
            "ended": _("La conversation est terminée."),
            "blocked": _("Cette conversation a été close par le conseiller."),
            "deleted": _("La conversation est effacée."),
            "unavailable": _("Aucun conseiller n'est disponible pour l'instant."),
            "offline": _("Connexion perdue : reconnexion…"),
            "online": _("Connecté"),
            "thanks": _("Merci pour votre avis."),
            "profile_thanks": _("Merci pour vos réponses."),
            "error": _("Erreur"),
            "confirm_delete": _("Effacer toute la conversation maintenant ?"),
        },
    }
    return {
        "config": config,
        "themes": Theme.choices,
        "languages": _languages(),
        "cites": cites,
        "chosen": chosen,
        "current_language": get_language(),
        "widget": widget,
        "profile": {"age_band": AgeBand.choices, "gender": Gender.choices, "status": Status.choices},
    }


@require_GET
def talk(request):
    return render(request, "counselling/talk.html", _talk_context(request))


@require_GET
@xframe_options_exempt
def widget(request, slug: str):
    """The Cité's "talk to a counsellor", small enough for an iframe on the Cité's own website.

    The one counselling page another site may frame, and only the sites the Cité declared (its
    ``widget_origins``): the CSP's ``frame-ancestors`` lists them, and nobody else (``'none'``)."""
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
        if cite is None:
            raise Http404
        origins = services.settings_of(cite.pk).widget_origin_list
    response = render(request, "counselling/widget.html", _talk_context(request, widget=cite))
    response._csp_replace = {"frame-ancestors": origins or [NONE]}
    return response


def _bad(field: str, reason: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "reason": reason}]}, status=status)


def _body(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


# No CSRF token asked of the two requests below: they carry no ambient authority (no session, no
# cookie: the conversation's key in the body is the credential), and the widget, framed by another
# site, has no CSRF cookie there (SameSite). A start is JSON only: a cross-site form cannot send JSON,
# and a cross-site script cannot without a CORS preflight, which this site never answers.
@csrf_exempt
@require_POST
def chat_start(request):
    if request.content_type != "application/json":
        return _bad("", _("requête JSON attendue"), 415)
    data = _body(request)
    theme, language = data.get("theme"), data.get("language")
    if theme not in Theme.values:
        return _bad("theme", _("choisissez un thème"))
    if language not in dict(settings.LANGUAGES):
        return _bad("language", _("choisissez une langue"))
    if _throttled(request, "start", START_LIMIT):
        return _bad("", _("trop de demandes : réessayez plus tard"), 429)
    try:
        started = services.conversation_start(
            theme=theme, language=language, cite_slug=data.get("cite") or None
        )
    except services.CounsellingError as exc:
        return JsonResponse(
            {"errors": [{"field": exc.field, "reason": exc.message}], "ask": reverse("counselling:ask")},
            status=exc.status,
        )
    conversation = started.conversation
    return JsonResponse(
        {
            "key": started.key,
            "code": conversation.code,
            "cite": conversation.cite.name,
            **services.queue_position(conversation),
        },
        status=201,
    )


@csrf_exempt
@require_POST
def chat_transcript(request):
    conversation = services.conversation_by_key(request.POST.get("key", ""))
    if conversation is None or conversation.purged_at is not None:
        raise Http404
    response = HttpResponse(services.transcript(conversation), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.code}.txt"'
    response["Cache-Control"] = "no-store"
    return response


class AskForm(forms.Form):
    theme = forms.ChoiceField(label=gettext_lazy("Thème"), choices=Theme.choices)
    language = forms.ChoiceField(label=gettext_lazy("Langue de la réponse"), choices=settings.LANGUAGES)
    cite = forms.ChoiceField(label=gettext_lazy("Cité des métiers"), required=False)
    question = forms.CharField(label=gettext_lazy("Votre question"), widget=forms.Textarea, max_length=5000)
    email = forms.EmailField(
        label=gettext_lazy("Votre adresse électronique"),
        help_text=gettext_lazy(
            "Seulement pour vous répondre ; effacée peu après la fin de l'échange. Ne donnez pas votre nom."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cite"].choices = [
            ("", gettext_lazy("Toute Cité (la plus proche de votre demande)")),
            *_cites(),
        ]


def ask(request):
    initial = {
        "language": get_language(),
        "cite": request.GET.get("cite", ""),
        "theme": request.GET.get("theme"),
    }
    form = AskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _throttled(request, "ask", ASK_LIMIT):
            form.add_error(None, _("trop de demandes : réessayez plus tard"))
        else:
            data = form.cleaned_data
            try:
                services.question_submit(
                    theme=data["theme"],
                    language=data["language"],
                    text=data["question"],
                    address=data["email"],
                    cite_slug=data["cite"] or None,
                )
            except services.CounsellingError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("counselling:ask_sent")
    return render(request, "counselling/ask.html", {"form": form})


@require_GET
def ask_sent(request):
    return render(request, "counselling/ask_sent.html")


# -- the counsellors --------------------------------------------------------------------------------


def _staff_cite(request, view_name):
    try:
        return cite_for(request.user, request.GET.get("cite")), None
    except DeskError as exc:
        if exc.status == 404:
            raise Http404 from None
    cites = (
        Cite.objects.filter(pk__in=request.user.cite_ids)
        if not request.user.is_network_wide
        else Cite.objects.all()
    )
    return None, render(request, "desk/choose_cite.html", {"cites": cites, "target": reverse(view_name)})


def _conversation_json(c: Conversation) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "theme": c.theme,
        "language": c.language,
        "status": c.status,
        "arrived_at": c.arrived_at.isoformat(),
        "reserved": c.reserved_for_id is not None,
        "last_seq": c.last_seq,
        "cite": c.cite_id,
    }


@login_required
@require_GET
def conversations(request):
    """The queue screen's online conversations: waiting ones this counsellor may take, and theirs."""
    if not may(request.user, Action.TRANSFER):
        raise PermissionDenied
    try:
        cite = cite_for(request.user, request.GET.get("cite"))
    except DeskError as exc:
        return _bad(exc.field, exc.message, exc.status)
    waiting, mine = services.conversations_for(user=request.user, cite=cite)
    if may(request.user, Action.COUNSEL, cite):
        services.presence_touch(user=request.user)
    return JsonResponse(
        {
            "waiting": [_conversation_json(c) for c in waiting],
            "mine": [_conversation_json(c) for c in mine],
            "available": len(services.available_counsellors(cite)),
            "cites": [{"slug": slug, "name": name} for slug, name in _cites()],
            "live": isinstance(request, ASGIRequest),
        }
    )


ACTIONS = ("take", "transfer", "close", "block")


@login_required
@require_POST
def conversation_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    conversation = get_object_or_404(Conversation, pk=pk)
    data = _body(request)
    user = request.user
    try:
        if action == "take":
            services.conversation_take(user=user, conversation=conversation)
        elif action == "close":
            services.conversation_close(user=user, conversation=conversation)
        elif action == "block":
            services.conversation_block(user=user, conversation=conversation)
        else:
            counsellor = cite = None
            if data.get("counsellor"):
                counsellor = User.objects.filter(username=str(data["counsellor"]), is_active=True).first()
                if counsellor is None:
                    return _bad("counsellor", _("ce conseiller ne travaille pas dans cette Cité"))
            if data.get("cite"):
                with network_scope():
                    cite = Cite.objects.filter(slug=str(data["cite"])).first()
                if cite is None:
                    return _bad("cite", _("cette Cité n'existe pas"))
            services.conversation_transfer(
                user=user, conversation=conversation, counsellor=counsellor, cite=cite
            )
    except services.CounsellingError as exc:
        return _bad(exc.field, exc.message, exc.status)
    if action != "transfer":  # a transfer to another Cité takes it out of this user's scope
        conversation.refresh_from_db()
    return JsonResponse({"id": conversation.pk, "status": conversation.status})


@login_required
def inbox(request):
    if not may(request.user, Action.COUNSEL):
        raise PermissionDenied
    cite, choose = _staff_cite(request, "counselling:inbox")
    if choose is not None:
        return choose
    require(request.user, Action.COUNSEL, cite)
    questions = (
        Question.objects.filter(cite=cite).exclude(status=QuestionStatus.CLOSED).order_by("received_at")
    )
    closed = Question.objects.filter(cite=cite, status=QuestionStatus.CLOSED).order_by("-closed_at")[:20]
    return render(request, "counselling/inbox.html", {"cite": cite, "questions": questions, "closed": closed})


class ProfileForm(forms.Form):
    """The optional profile questions, as the visitor answered them in the thread (else not stated)."""

    age_band = forms.ChoiceField(
        label=gettext_lazy("Âge"), choices=AgeBand.choices, initial=AgeBand.NOT_STATED, required=False
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Genre"), choices=Gender.choices, initial=Gender.NOT_STATED, required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Situation"), choices=Status.choices, initial=Status.NOT_STATED, required=False
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Votre réponse"), widget=forms.Textarea, max_length=10000)


@login_required
def question(request, pk: int):
    question = get_object_or_404(Question, pk=pk)
    require(request.user, Action.COUNSEL, question)
    form = AnswerForm(request.POST if request.POST.get("do") == "answer" else None)
    profile = ProfileForm(request.POST if request.POST.get("do") == "close" else None, prefix="profile")
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("do") == "close":
                answers = profile.cleaned_data if profile.is_valid() else {}
                services.question_close(user=request.user, question=question, profile=answers)
                return redirect(reverse("counselling:inbox") + f"?cite={question.cite.slug}")
            if form.is_valid():
                services.question_answer(user=request.user, question=question, text=form.cleaned_data["text"])
                return redirect("counselling:question", pk=question.pk)
        except services.CounsellingError as exc:
            error = exc.message
        except OSError:
            error = _("le courriel n'a pas pu partir : réessayez plus tard")
    return render(
        request,
        "counselling/question.html",
        {
            "question": question,
            "thread": question.messages.order_by("sent_at", "pk"),
            "form": form,
            "profile": profile,
            "error": error,
            "closed": question.status == QuestionStatus.CLOSED,
        },
    )
