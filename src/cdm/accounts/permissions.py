"""The one authorization rule of CDM: may this user do this action here?

``may(user, action, target)`` answers for every path — services, views, the API, the admin and
the import — and nothing else decides. ``require`` raises ``PermissionDenied`` (a translated
message) where ``may`` says no.

Two questions make the answer:

1. **What the role may do** — ``ROLE_ACTIONS`` for the domain's actions (record a visit, call a
   visitor, import…) and ``MODEL_POLICY`` for the back-office's view/add/change/delete of each model.
2. **Where** — the target's Cité must be one of the user's (``user.cite_ids``), unless the user is
   network-wide (the coordinator; an observer attached to no Cité). ``NETWORK`` as the target asks
   for the whole network: only network-wide users reach it. ``None`` asks "anywhere at all" (to
   show a menu, or a list that the tenancy scope then filters).

A device's token (``user.device_token`` set by the API's authentication) may only do what a desk
does: record and correct visits and run the queue (``DEVICE_ACTIONS``).

Object rules that belong to the permission, not to the object's state, live here too: an agent
corrects or deletes only a visit they recorded, the same day; an object that says it is
``coordination_only`` (the papers of a body not open to the managers) is read by those who may
``ADMINISTER`` the network alone.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Role


class Action(StrEnum):
    # Back-office operations on a model (the admin), and reading in general.
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    # The domain's actions.
    RECORD = "record"  # record a visit (desk, API)
    CORRECT = "correct"  # correct or delete a recorded visit
    COUNSEL = "counsel"  # call a visitor, close an interview, write an interview's details
    TRANSFER = "transfer"  # transfer a waiting or called visitor, mark one as left
    FIGURES = "figures"  # a Cité's figures and dashboard beyond the published ones
    EXACT_COUNTS = "exact_counts"  # figures without small-count protection
    IMPORT = "import"  # bring a data package in
    EXPORT = "export"  # take a row-level data package out
    ADMINISTER = "administer"  # accounts, tokens, the report's narrative


VIEW, ADD, CHANGE, DELETE = Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE
MODEL_ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE})
ALL = MODEL_ACTIONS
READ = frozenset({VIEW})

NETWORK = object()
"""The whole network as a target: only network-wide users reach it."""

# -- the table ------------------------------------------------------------------------------
# What each role may do, in its Cités. The coordinator may do everything, everywhere; an
# observer only reads (its Cités, or the whole network when attached to none).
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.COORDINATOR: frozenset(Action),
    Role.MANAGER: frozenset(
        {
            Action.VIEW,
            Action.RECORD,
            Action.CORRECT,
            Action.COUNSEL,
            Action.TRANSFER,
            Action.FIGURES,
            Action.EXACT_COUNTS,
            Action.IMPORT,
            Action.EXPORT,
        }
    ),
    Role.AGENT: frozenset({Action.VIEW, Action.RECORD, Action.CORRECT, Action.TRANSFER, Action.FIGURES}),
    Role.COUNSELLOR: frozenset({Action.VIEW, Action.COUNSEL, Action.TRANSFER, Action.FIGURES}),
    Role.OBSERVER: frozenset({Action.VIEW, Action.FIGURES}),
}

# What a device's token may do: a desk's work, nothing else.
DEVICE_ACTIONS = frozenset({Action.VIEW, Action.RECORD, Action.CORRECT, Action.COUNSEL, Action.TRANSFER})

# The back-office (admin): view/add/change/delete per model, per role, inside the role's Cités.
# A model missing here is the coordinator's alone. Observers read the network's organisation and
# its collective activity, never row-level visits, interviews, tickets, the audit log or accounts:
# those would give exact small counts (and staff's personal data).
MODEL_POLICY: dict[str, dict[str, frozenset]] = {
    "network.cite": {
        Role.MANAGER: frozenset({VIEW, CHANGE}),
        Role.AGENT: READ,
        Role.COUNSELLOR: READ,
        Role.OBSERVER: READ,
    },
    "network.site": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ, Role.OBSERVER: READ},
    "network.sitestop": {Role.MANAGER: ALL, Role.AGENT: READ, Role.OBSERVER: READ},
    "network.pole": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ, Role.OBSERVER: READ},
    "network.partner": {Role.MANAGER: frozenset({VIEW, ADD}), Role.COUNSELLOR: READ, Role.OBSERVER: READ},
    "network.partnership": {Role.MANAGER: ALL, Role.OBSERVER: READ},
    "network.contribution": {Role.MANAGER: ALL, Role.OBSERVER: READ},
    # Agents: only their own visits of the day (the CORRECT rule below, on the object).
    "activity.visit": {Role.MANAGER: ALL, Role.AGENT: ALL, Role.COUNSELLOR: READ},
    "activity.interview": {Role.MANAGER: ALL, Role.COUNSELLOR: frozenset({VIEW, ADD, CHANGE})},
    "activity.activity": {Role.MANAGER: ALL, Role.AGENT: READ, Role.OBSERVER: READ},
    "activity.equipment": {Role.MANAGER: ALL, Role.OBSERVER: READ},
    "audit.auditentry": {Role.MANAGER: READ},
    "desk.queueticket": {Role.MANAGER: READ, Role.AGENT: READ, Role.COUNSELLOR: READ},
    "stats.reportnarrative": {},
    # Online counselling: a Cité's manager sets its retention; conversations and questions are read
    # as counts (their messages never appear in the back office).
    "counselling.counsellingsettings": {Role.MANAGER: frozenset({VIEW, ADD, CHANGE})},
    "counselling.conversation": {Role.MANAGER: READ, Role.COUNSELLOR: READ},
    "counselling.question": {Role.MANAGER: READ, Role.COUNSELLOR: READ},
    "counselling.message": {},
    "counselling.questionmessage": {},
    "counselling.presence": {},
    # The network's own life: the coordination writes it; managers read it (a coordination-only
    # body's papers excepted, below); a Cité's manager keeps its public contacts.
    "governance.body": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.mandate": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.meeting": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.decision": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.assemblydocument": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.milestone": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.representationevent": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.delegation": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.intervention": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.networkmembership": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.networkseminar": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.accreditation": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.project": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.projectpartner": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.projectmilestone": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.deliverable": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.networkcontact": {Role.MANAGER: READ, Role.OBSERVER: READ},
    "governance.citecontact": {Role.MANAGER: frozenset({VIEW, CHANGE}), Role.OBSERVER: READ},
    # The programme (cdm.programme): a Cité's manager plans; its agents and counsellors read; the
    # registrations (names, e-mails) are the manager's alone; attendance is entered with RECORD.
    # Observers read the offer (events, sessions), never registrations nor per-session tallies.
    "programme.event": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ, Role.OBSERVER: READ},
    "programme.session": {Role.MANAGER: ALL, Role.AGENT: READ, Role.COUNSELLOR: READ, Role.OBSERVER: READ},
    "programme.registration": {Role.MANAGER: READ},
    "programme.attendance": {Role.MANAGER: ALL, Role.AGENT: READ},
    "accounts.user": {},
    "accounts.apitoken": {},
}


def role_of(user) -> str | None:
    """The role whose row applies: a superuser acts as the coordinator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Role.COORDINATOR if user.is_superuser else user.role


def cite_id_of(target) -> int | None:
    """The Cité an object belongs to (its own, or through the object it belongs to), or None."""
    if target is None or target is NETWORK:
        return None
    if isinstance(target, models.Model) and target._meta.label_lower == "network.cite":
        return target.pk
    if isinstance(target, int):
        return target
    for path in ("cite_id", "visit.cite_id", "site.cite_id"):
        obj = target
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return obj
    return None


def reaches(user, target) -> bool:
    """Is ``target`` (a Cité, its id, an object of a Cité, ``NETWORK`` or None) within the user's Cités?"""
    if user.is_network_wide:
        return True
    if target is NETWORK:
        return False
    cite_id = cite_id_of(target)
    return cite_id is None or cite_id in user.cite_ids


def may(user, action: Action | str, target=None) -> bool:
    """May ``user`` take ``action`` on ``target``? The one rule: see the module's docstring.

    ``target``: None (anywhere), ``NETWORK``, a Cité or its id, a model class (the admin's
    model-level questions) or a model instance (its Cité decides where).
    """
    role = role_of(user)
    if role is None:
        return False
    action = Action(action)
    if getattr(user, "device_token", False) and action not in DEVICE_ACTIONS:
        return False
    model = target if isinstance(target, type) and issubclass(target, models.Model) else None
    obj = target if isinstance(target, models.Model) else None
    if obj is not None:
        model = type(obj)
    if model is not None and action in MODEL_ACTIONS:
        if not _model_allowed(user, role, model._meta.label_lower, action):
            return False
        if obj is None:
            return True
        if model._meta.label_lower == "activity.visit" and action in (CHANGE, DELETE):
            return may(user, Action.CORRECT, obj)
        if getattr(obj, "coordination_only", False) and not may(user, Action.ADMINISTER, NETWORK):
            return False  # a body's papers that only the coordination reads (the Executive Committee's)
        return reaches(user, obj)
    if action not in ROLE_ACTIONS.get(role, frozenset()):
        return False
    if role == Role.OBSERVER and action not in (VIEW, Action.FIGURES):
        return False
    if not reaches(user, obj if obj is not None else None if model is not None else target):
        return False
    if action == Action.CORRECT and role == Role.AGENT and obj is not None:
        return _agents_own_visit_today(user, obj)
    return True


def require(user, action: Action | str, target=None) -> None:
    """``may``, or ``PermissionDenied`` with a translated reason."""
    if not may(user, action, target):
        raise PermissionDenied(denial(user, action))


def denial(user, action: Action | str) -> str:
    """Why an action was refused, in the user's language."""
    action = Action(action)
    if getattr(user, "device_token", False) and action not in DEVICE_ACTIONS:
        return _("un jeton d'appareil ne sert qu'à l'accueil : enregistrer, corriger, la file d'attente")
    if action == Action.CORRECT:
        return _("seul l'agent qui l'a enregistrée corrige une visite, le jour même")
    return _("votre rôle ne permet pas cette action ici")


def _model_allowed(user, role: str, label: str, action: Action) -> bool:
    if role == Role.COORDINATOR:
        return True
    return action in MODEL_POLICY.get(label, {}).get(role, frozenset())


def _agents_own_visit_today(user, visit) -> bool:
    today = timezone.localdate()
    recorded_at = getattr(visit, "recorded_at", None)
    return (
        getattr(visit, "recorded_by_id", None) == user.pk
        and visit.date == today
        and (recorded_at is None or timezone.localtime(recorded_at).date() == today)
    )


def table() -> list[tuple[str, list[str]]]:
    """The role × action table, for the README and the tests: (action, roles allowed)."""
    return [
        (action.value, [str(role) for role in Role if action in ROLE_ACTIONS.get(role, ())])
        for action in Action
        if action not in MODEL_ACTIONS or action == VIEW
    ]
