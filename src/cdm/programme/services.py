"""The programme's writes: plan, change, cancel, register, count, purge.

Every permission is asked of the one rule (``cdm.accounts.permissions``). Seats are taken by a
conditional UPDATE (``seats_taken < capacity``), so two visitors never get the same last seat,
whatever the database. Registration e-mails go through Django's mail.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cdm.accounts.permissions import Action, require
from cdm.activity.models import Activity
from cdm.network.vocabularies import AgeBand, Gender, Status

from . import series
from .models import (
    ROLE_ACTIVITY,
    Attendance,
    Event,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

# Registrations are kept this long after their session's end, then deleted (docs/personal-data.md).
RETENTION_DAYS = 7
TALLY = {"age_band": AgeBand.values, "gender": Gender.values, "status": Status.values}


class ProgrammeError(Exception):
    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


# -- planning ---------------------------------------------------------------------------------


def event_save(*, user, event: Event, partners=None) -> Event:
    """Create or change an event and bring its sessions in line with its rule."""
    require(user, Action.ADD if event.pk is None else Action.CHANGE, event)
    try:
        series.validate_rule(event.rrule)
        event.exdates = series.parse_exdates(event.exdates)
    except series.RuleError as exc:
        raise ProgrammeError("rrule", str(exc)) from None
    with transaction.atomic():
        event.save()
        if partners is not None:
            event.partners.set(partners)
        sessions_sync(event)
    return event


def sessions_sync(event: Event, *, notify_base: str = "") -> list[Session]:
    """Create the sessions the rule gives, update those that follow the series, drop the others.

    A session that is no longer in the series (an exception, a shorter rule) is deleted when nobody
    registered and nothing was counted; otherwise it is cancelled and its registrations told.
    """
    wanted = series.occurrences(event.starts_at, event.rrule, event.exdates, event.cite.tz)
    length = datetime.timedelta(minutes=event.duration_minutes)
    existing = {s.occurrence: s for s in Session.objects.filter(event=event)}
    kept = []
    for occurrence in wanted:
        session = existing.pop(occurrence, None)
        if session is None:
            session = Session(event=event, cite_id=event.cite_id, occurrence=occurrence)
        elif session.detached or session.cancelled:
            kept.append(session)
            continue
        session.starts_at, session.ends_at = occurrence, occurrence + length
        session.site_id = event.site_id
        session.capacity = None if event.capacity is None else max(event.capacity, session.seats_taken)
        session.save()
        kept.append(session)
    for session in existing.values():
        if session.activity_id or session.registrations.exists():
            if not session.cancelled:
                _cancel(session)
        else:
            session.delete()
    return kept


def session_change(
    *,
    user,
    session: Session,
    following: bool = False,
    starts_at: datetime.datetime | None = None,
    duration_minutes: int | None = None,
    site=None,
    capacity: int | None = None,
) -> Session:
    """Change one session, or this one and the rest of its series (the series is split here)."""
    require(user, Action.CHANGE, session.event)
    starts_at = starts_at or session.starts_at
    duration = (
        datetime.timedelta(minutes=duration_minutes)
        if duration_minutes
        else session.ends_at - session.starts_at
    )
    if capacity is not None and capacity < session.seats_taken:
        raise ProgrammeError("capacity", _("moins de places que d'inscrits"))
    if not following or not session.event.rrule:
        with transaction.atomic():
            session.starts_at, session.ends_at = starts_at, starts_at + duration
            if site is not None:
                session.site = site
            if capacity is not None:
                session.capacity = capacity
            session.detached = True
            session.save()
        return session
    return _split(user, session, starts_at, duration, site, capacity)


def _split(user, session, starts_at, duration, site, capacity) -> Session:
    """The series stops before ``session``; a new series, with the change, starts with it."""
    old = session.event
    tz = old.cite.tz
    with transaction.atomic():
        later = list(Session.objects.filter(event=old, occurrence__gte=session.occurrence))
        rule = old.rrule
        parts = dict(p.split("=", 1) for p in rule.removeprefix("RRULE:").split(";") if "=" in p)
        if "COUNT" in parts:
            done = Session.objects.filter(event=old, occurrence__lt=session.occurrence).count()
            parts["COUNT"] = str(max(1, int(parts["COUNT"]) - done))
        new_rule = ";".join(f"{k}={v}" for k, v in parts.items())
        partners = list(old.partners.all())
        new = Event.objects.get(pk=old.pk)
        new.pk, new.id, new._state.adding = None, None, True
        new.uid = uuid.uuid4()
        new.starts_at, new.duration_minutes, new.rrule = (
            starts_at,
            int(duration.total_seconds() // 60),
            new_rule,
        )
        new.exdates = [d for d in old.exdates if d >= timezone.localtime(starts_at, tz).date().isoformat()]
        if site is not None:
            new.site = site
        if capacity is not None:
            new.capacity = capacity
        require(user, Action.ADD, new)
        new.save()
        new.partners.set(partners)
        old.rrule = series.with_until(rule, session.occurrence, tz)
        old.exdates = [
            d for d in old.exdates if d < timezone.localtime(session.occurrence, tz).date().isoformat()
        ]
        old.save()
        # Later sessions move to the new series, matched by their day: registrations follow them.
        targets = {
            timezone.localtime(o, tz).date(): o
            for o in series.occurrences(new.starts_at, new.rrule, new.exdates, tz)
        }
        for s in later:
            day = timezone.localtime(s.occurrence, tz).date()
            if day in targets and not s.cancelled:
                s.event, s.occurrence = new, targets.pop(day)
                if not s.detached:
                    s.starts_at, s.ends_at = s.occurrence, s.occurrence + duration
                    s.site_id = new.site_id
                    if new.capacity is not None:
                        s.capacity = max(new.capacity, s.seats_taken)
                s.save()
            else:
                s.event = new
                s.save()
        sessions_sync(new)
        sessions_sync(old)
    return Session.objects.get(pk=session.pk)


def session_cancel(*, user, session: Session, base_url: str = "") -> Session:
    """Cancel one session: whoever registered is told by e-mail."""
    require(user, Action.CHANGE, session.event)
    if session.activity_id:
        raise ProgrammeError("status", _("cette séance a déjà des présences saisies"), 409)
    with transaction.atomic():
        _cancel(session, base_url)
    return session


def _cancel(session: Session, base_url: str = "") -> None:
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status"])
    for registration in session.registrations.exclude(status=RegistrationStatus.CANCELLED):
        send_mail(
            _("Séance annulée : %(t)s") % {"t": session.event.title_text().text},
            _(
                "Bonjour %(n)s,\n\nla séance « %(t)s » du %(d)s est annulée. Nous vous prions de nous en excuser."
            )
            % {"n": registration.name, "t": session.event.title_text().text, "d": _when(session)},
            None,
            [registration.email],
        )
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])


def _when(session: Session) -> str:
    """The session's day and hour in its Cité's time zone (as its pages show it)."""
    return session.local_starts_at.strftime("%d/%m/%Y %H:%M")


# -- registrations ----------------------------------------------------------------------------


@dataclass
class Registered:
    registration: Registration
    waiting: bool


def registration_create(*, session: Session, name: str, email: str, base_url: str = "") -> Registered:
    """A seat if one is left (a conditional UPDATE: never above the capacity), else the waiting list."""
    name, email = (name or "").strip()[:80], (email or "").strip()[:254]
    if not name or not email:
        raise ProgrammeError("name", _("un prénom (ou pseudonyme) et un courriel sont demandés"))
    if session.capacity is None:
        raise ProgrammeError("session", _("cette séance est sans inscription : venez librement"))
    if session.cancelled or session.starts_at <= timezone.now():
        raise ProgrammeError("session", _("les inscriptions à cette séance sont closes"), 409)
    with transaction.atomic():
        taken = (
            Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED, capacity__isnull=False)
            .filter(seats_taken__lt=F("capacity"))
            .update(seats_taken=F("seats_taken") + 1)
        )
        status = RegistrationStatus.CONFIRMED if taken else RegistrationStatus.WAITING
        registration = Registration.objects.create(
            session=session,
            cite_id=session.cite_id,
            name=name,
            email=email,
            status=status,
            language=(get_language() or "")[:8],
        )
    _tell(registration, base_url)
    return Registered(registration, waiting=not taken)


def _tell(registration: Registration, base_url: str) -> None:
    session = registration.session
    link = base_url + reverse("programme:programme_cancel", args=[registration.token])
    if registration.status == RegistrationStatus.CONFIRMED:
        subject = _("Inscription confirmée : %(t)s")
        body = _("Bonjour %(n)s,\n\nvotre place est réservée pour « %(t)s » le %(d)s.")
    else:
        subject = _("Liste d'attente : %(t)s")
        body = _(
            "Bonjour %(n)s,\n\nla séance « %(t)s » du %(d)s est complète : vous êtes sur la liste d'attente. Nous vous écrirons si une place se libère."
        )
    values = {"n": registration.name, "t": session.event.title_text().text, "d": _when(session)}
    body = (body % values) + "\n\n" + _("Pour annuler : %(l)s") % {"l": link}
    send_mail(subject % values, body, None, [registration.email])


def registration_cancel(*, token: str, base_url: str = "") -> Registration | None:
    """Cancel by the e-mail's link: the seat goes to the first on the waiting list."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_related("session").filter(token=token).first() if token else None
        )
        if registration is None or registration.status == RegistrationStatus.CANCELLED:
            return registration
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        promoted = None
        if was_confirmed:
            Session.objects.filter(pk=registration.session_id, seats_taken__gt=0).update(
                seats_taken=F("seats_taken") - 1
            )
            promoted = _promote(registration.session)
    if promoted is not None:
        _tell(promoted, base_url)
    return registration


def _promote(session: Session) -> Registration | None:
    waiting = (
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if waiting is None or session.starts_at <= timezone.now():
        return None
    taken = Session.objects.filter(
        pk=session.pk, capacity__isnull=False, seats_taken__lt=F("capacity")
    ).update(seats_taken=F("seats_taken") + 1)
    if not taken:
        return None
    waiting.status = RegistrationStatus.CONFIRMED
    waiting.save(update_fields=["status"])
    return waiting


def reminders_send(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """E-mail each confirmed registrant the day before their session, once. Returns how many were sent.

    Due: a scheduled session starting after ``now`` and on or before the end of tomorrow in its Cité's
    time zone (run daily, or more often: a reminder is claimed by a conditional UPDATE before it is
    sent, so two runs never send it twice). A registration made in the last 24 hours before its
    session gets none: its confirmation has just said it all.
    """
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    sent = 0
    candidates = (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=now,
            # No zone is more than 14 hours ahead of UTC: two days ahead covers every Cité's tomorrow.
            session__starts_at__lte=now + datetime.timedelta(days=2, hours=14),
        )
        .select_related("session", "session__event", "session__event__cite")
        .order_by("session__starts_at", "pk")
    )
    for registration in candidates:
        session = registration.session
        tomorrow = timezone.localtime(now, session.tz).date() + datetime.timedelta(days=1)
        if session.local_starts_at.date() > tomorrow:
            continue
        if registration.created_at > session.starts_at - datetime.timedelta(hours=24):
            continue
        claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        try:
            _remind(registration, base_url)
        except Exception:
            # Not sent: the next run tries again.
            Registration.objects.filter(pk=registration.pk).update(reminded_at=None)
            raise
        sent += 1
    return sent


def _remind(registration: Registration, base_url: str) -> None:
    session = registration.session
    with translation.override(registration.language or "fr"):
        link = base_url + reverse("programme:programme_cancel", args=[registration.token])
        values = {
            "n": registration.name,
            "t": session.event.title_text(registration.language or None).text,
            "d": _when(session),
            "p": _place(session),
        }
        body = (
            _("Bonjour %(n)s,\n\nnous vous rappelons votre inscription à « %(t)s », le %(d)s (heure locale).")
            % values
        )
        if values["p"]:
            body += "\n" + _("Lieu : %(p)s") % values
        body += "\n\n" + _(
            "Si vous ne pouvez pas venir, annulez votre place pour la laisser à quelqu'un d'autre : %(l)s"
        ) % {"l": link}
        send_mail(_("Rappel : %(t)s demain") % values, body, None, [registration.email])


def _place(session: Session) -> str:
    from .feeds import place_text

    return place_text(session)


def registrations_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the registrations of sessions ended more than ``RETENTION_DAYS`` ago. Returns how many."""
    now = now or timezone.now()
    deleted, _detail = Registration.objects.filter(
        session__ends_at__lt=now - datetime.timedelta(days=RETENTION_DAYS)
    ).delete()
    return deleted


# -- counting ---------------------------------------------------------------------------------


def _clean_tally(tally: dict | None) -> dict:
    out = {}
    for family, values in (tally or {}).items():
        if family not in TALLY or not isinstance(values, dict):
            raise ProgrammeError("tally", _("répartition inconnue : %(f)s") % {"f": str(family)[:30]})
        counts = {}
        for code, n in values.items():
            if code not in TALLY[family] or not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise ProgrammeError(
                    "tally", _("valeur invalide dans la répartition : %(f)s") % {"f": family}
                )
            if n:
                counts[code] = n
        out[family] = counts
    return out


def tally_complete(tally: dict | None, participants: int) -> dict:
    """The tally as stored for ``participants`` people: each family (age band, gender, status) of
    known codes and counts ≥ 0, adding up to the participants — what was not asked is
    ``not_stated``. Raises ``ProgrammeError`` otherwise (the staff page and the data package's
    import check a tally here alike)."""
    tally = _clean_tally(tally)
    for counts in tally.values():
        counted = sum(counts.values())
        if counted > participants:
            raise ProgrammeError("tally", _("la répartition dépasse le nombre de participants"))
        if counted < participants:
            counts["not_stated"] = counts.get("not_stated", 0) + participants - counted
    return tally


ENTRIES_KEPT = 50


def attendance_record(
    *,
    user,
    session: Session,
    participants: int | None = None,
    tally: dict | None = None,
    entry: str | None = None,
) -> Attendance:
    """Who came, as counts: the session becomes (or updates) exactly one ``Activity`` of the standard.

    With a tally, each family (age band, gender, status) adds up to the participants; what was not
    asked is ``not_stated``. ``entry`` is the idempotency key a device gives each entry (its
    outbox's, as the desk's visits have): an entry already applied is not applied again, so a resend
    after a lost answer — or a stale one after a correction — changes nothing.
    """
    require(user, Action.RECORD, session)
    if entry is not None:
        try:
            entry = str(uuid.UUID(str(entry)))
        except ValueError:
            raise ProgrammeError("entry", _("identifiant de saisie invalide")) from None
        applied = Attendance.objects.filter(session=session).first()
        if applied is not None and entry in applied.entries:
            return applied
    if session.cancelled:
        raise ProgrammeError("session", _("une séance annulée n'a pas de présences"), 409)
    if session.starts_at > timezone.now() + datetime.timedelta(hours=1):
        raise ProgrammeError("session", _("cette séance n'a pas encore commencé"), 409)
    tally = _clean_tally(tally)
    if participants is None:
        sums = {sum(v.values()) for v in tally.values()}
        if not sums:
            raise ProgrammeError("participants", _("un nombre de participants est attendu"))
        participants = max(sums)
    if not isinstance(participants, int) or participants < 0 or participants > 100000:
        raise ProgrammeError("participants", _("un nombre de participants est attendu"))
    tally = tally_complete(tally, participants)
    event = session.event
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        previous = Attendance.objects.filter(session=session).first()
        entries = list(previous.entries) if previous else []
        if entry is not None:
            if entry in entries:  # applied meanwhile, by a concurrent resend
                return previous
            entries = [*entries, entry][-ENTRIES_KEPT:]
        activity = session.activity or Activity(uid=f"programme-{session.uid}", cite_id=session.cite_id)
        activity.site_id = session.site_id
        activity.kind = event.kind
        activity.role = ROLE_ACTIVITY[event.role]
        activity.title = event.title_text("fr").text[:200]
        activity.theme = event.theme
        activity.date = session.local_starts_at.date()
        activity.duration_minutes = max(1, int((session.ends_at - session.starts_at).total_seconds() // 60))
        activity.participants = participants
        activity.save()
        activity.partners.set(event.partners.all())
        if session.activity_id != activity.pk:
            session.activity = activity
            session.save(update_fields=["activity"])
        attendance, _created = Attendance.objects.update_or_create(
            session=session,
            defaults={
                "cite_id": session.cite_id,
                "participants": participants,
                "tally": tally,
                "entries": entries,
                "recorded_by": user if getattr(user, "pk", None) else None,
            },
        )
    return attendance
